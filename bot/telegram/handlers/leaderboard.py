"""/leaderboard: the top 10 of all time or of this week, and the learner's own rank."""

from __future__ import annotations

from datetime import datetime

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.motivation.leaderboard import all_time_board, weekly_board
from bot.telegram.callbacks import BoardCb
from bot.telegram.reply import show
from bot.telegram.views import motivation
from bot.telegram.views.motivation import board_keyboard
from db.models import User


def router() -> Router:
    router = Router(name="leaderboard")
    router.message.register(show_board, Command("leaderboard"))
    router.callback_query.register(switch_board, BoardCb.filter())
    return router


async def render(session: AsyncSession, learner: User, now: datetime, week: bool) -> str:
    if week:
        board = await weekly_board(session, learner, now)
    else:
        board = await all_time_board(session, learner)
    return motivation.board_text(board, week)


async def show_board(message: Message, learner: User, session: AsyncSession, now: datetime) -> None:
    text = await render(session, learner, now, week=False)
    await message.answer(text, reply_markup=board_keyboard(week=False))


async def switch_board(
    callback: CallbackQuery,
    callback_data: BoardCb,
    learner: User,
    session: AsyncSession,
    now: datetime,
) -> None:
    await callback.answer()
    text = await render(session, learner, now, callback_data.week)
    markup = board_keyboard(callback_data.week)
    await show(callback, text, markup)
