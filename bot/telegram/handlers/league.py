"""/league: the learner's league group this week, their place and the lines."""

from __future__ import annotations

from datetime import datetime

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.formats.html_split import split_html
from bot.rules.motivation.league_table import league_view
from bot.telegram.views import motivation
from db.models import User


def router() -> Router:
    router = Router(name="league")
    router.message.register(show_league, Command("league"))
    return router


async def show_league(
    message: Message, learner: User, session: AsyncSession, now: datetime
) -> None:
    view = await league_view(session, learner, now)
    for chunk in split_html(motivation.league_text(view)):
        await message.answer(chunk)
