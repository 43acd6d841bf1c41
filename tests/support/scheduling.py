"""The jobs on the offline bot with an injected clock, and the pushes they sent."""

from __future__ import annotations

from collections import Counter

from aiogram import Bot
from aiogram.methods import SendMessage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.entry.app import build_i18n
from bot.entry.offline import OfflineSession
from bot.rules.clock import FixedClock
from bot.rules.course import CourseCache
from scheduler.jobs import Jobs
from scheduler.sender import Sender
from tests.support.botapi_stub import BotAPIStub


def offline_jobs(
    session_factory: async_sessionmaker[AsyncSession], bot: Bot, clock: FixedClock
) -> Jobs:
    sender = Sender(bot, session_factory, clock, rate=1000, per_chat_interval=0)
    return Jobs(session_factory, sender, clock, build_i18n(), CourseCache(ttl=0))


def sent_texts(offline: OfflineSession, chat_id: int | None = None) -> list[str]:
    """Texts of the messages sent so far (to one chat, if given)."""
    return [
        str(call.text)
        for call in offline.calls
        if isinstance(call, SendMessage) and (chat_id is None or int(call.chat_id) == chat_id)
    ]


def delivered(stub: BotAPIStub) -> Counter[int]:
    """Messages Telegram (the stand-in) accepted, per chat."""
    return Counter(int(c.chat_id) for c in stub.calls if c.method == "sendMessage" and c.ok)
