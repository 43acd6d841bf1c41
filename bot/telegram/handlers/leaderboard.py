"""/leaderboard: the top 10 of today, this week, this month or all time with the learner's
own rank, and the kept boards of last week and last month."""

from __future__ import annotations

from datetime import datetime

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.leaderboard import period_board
from bot.rules.leaderboard_history import last_board
from bot.telegram import board_view
from bot.telegram.callbacks import BoardCb, BoardTab
from bot.telegram.reply import show
from db.models import User


def router() -> Router:
    router = Router(name="leaderboard")
    router.message.register(show_board, Command("leaderboard"))
    router.callback_query.register(switch_board, BoardCb.filter())
    return router


async def render(session: AsyncSession, learner: User, now: datetime, tab: BoardTab) -> str:
    if tab in board_view.PAST_TABS:
        past = await last_board(session, learner, board_view.PAST_TABS[tab], now)
        return board_view.past_board_text(past)
    board = await period_board(session, learner, board_view.LIVE_TABS[tab])
    return board_view.board_text(board, tab)


async def show_board(message: Message, learner: User, session: AsyncSession, now: datetime) -> None:
    text = await render(session, learner, now, BoardTab.ALL_TIME)
    await message.answer(text, reply_markup=board_view.board_keyboard(BoardTab.ALL_TIME))


async def switch_board(
    callback: CallbackQuery,
    callback_data: BoardCb,
    learner: User,
    session: AsyncSession,
    now: datetime,
) -> None:
    await callback.answer()
    text = await render(session, learner, now, callback_data.tab)
    await show(callback, text, board_view.board_keyboard(callback_data.tab))
