"""/leaderboard: the top 10 of all time or of this week, and the learner's own rank."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InaccessibleMessage, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.clock import Clock
from bot.rules.leaderboard import all_time_board, weekly_board
from bot.telegram import texts
from bot.telegram.keyboards import BoardCb, board_keyboard
from db.models import User


def router() -> Router:
    router = Router(name="leaderboard")
    router.message.register(show_board, Command("leaderboard"))
    router.callback_query.register(switch_board, BoardCb.filter())
    return router


async def render(session: AsyncSession, learner: User, clock: Clock, week: bool) -> str:
    if week:
        board = await weekly_board(session, learner, clock.now())
    else:
        board = await all_time_board(session, learner)
    return texts.board_text(board, week)


async def show_board(message: Message, learner: User, session: AsyncSession, clock: Clock) -> None:
    text = await render(session, learner, clock, week=False)
    await message.answer(text, reply_markup=board_keyboard(week=False))


async def switch_board(
    callback: CallbackQuery,
    callback_data: BoardCb,
    learner: User,
    session: AsyncSession,
    clock: Clock,
) -> None:
    await callback.answer()
    text = await render(session, learner, clock, callback_data.week)
    markup = board_keyboard(callback_data.week)
    if callback.message is None or isinstance(callback.message, InaccessibleMessage):
        await callback.bot.send_message(learner.telegram_id, text, reply_markup=markup)  # type: ignore[union-attr]
    else:
        await callback.message.edit_text(text, reply_markup=markup)
