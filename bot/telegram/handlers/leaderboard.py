"""/leaderboard: the top 10 of today, this week, this month or all time with the learner's
own rank, and the kept boards of last week and last month; a tab per cohort of the learner
(its screen is handled with the cohorts: bot.telegram.handlers.cohorts)."""

from __future__ import annotations

from datetime import datetime

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.cohorts.membership import member_cohorts
from bot.rules.motivation.board_history import last_board
from bot.rules.motivation.leaderboard import period_board
from bot.telegram.callbacks import BoardCb, BoardTab
from bot.telegram.reply import show
from bot.telegram.views import boards
from db.models import User


def router() -> Router:
    router = Router(name="leaderboard")
    router.message.register(show_board, Command("leaderboard"))
    router.callback_query.register(switch_board, BoardCb.filter())
    return router


async def render(session: AsyncSession, learner: User, now: datetime, tab: BoardTab) -> str:
    if tab in boards.PAST_TABS:
        past = await last_board(session, learner, boards.PAST_TABS[tab], now)
        return boards.past_board_text(past)
    board = await period_board(session, learner, boards.LIVE_TABS[tab])
    return boards.board_text(board, tab)


async def show_board(message: Message, learner: User, session: AsyncSession, now: datetime) -> None:
    text = await render(session, learner, now, BoardTab.ALL_TIME)
    tabs = await member_cohorts(session, learner.id)
    await message.answer(text, reply_markup=boards.board_keyboard(BoardTab.ALL_TIME, tabs))


async def switch_board(
    callback: CallbackQuery,
    callback_data: BoardCb,
    learner: User,
    session: AsyncSession,
    now: datetime,
) -> None:
    await callback.answer()
    text = await render(session, learner, now, callback_data.tab)
    tabs = await member_cohorts(session, learner.id)
    await show(callback, text, boards.board_keyboard(callback_data.tab, tabs))
