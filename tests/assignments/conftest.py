"""The assignments' fixtures: a school with one admin by ADMIN_IDS and the small WOOP course
(tests/support/courses/woop), and people's chats with it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import User as TgUser
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.entry.app import build_dispatcher
from bot.entry.offline import OfflineSession
from bot.rules.clock import FixedClock
from bot.rules.content import import_course
from bot.rules.course import CourseCache
from tests.support.chat import Chat

ADMIN_ID = 9001
WOOP_COURSE = Path(__file__).resolve().parents[1] / "support" / "courses" / "woop"


@pytest.fixture
def school(session_factory: async_sessionmaker[AsyncSession], clock: FixedClock) -> Dispatcher:
    return build_dispatcher(
        session_factory, clock, course_cache=CourseCache(ttl=0), admin_ids={ADMIN_ID}
    )


@pytest.fixture
async def woop(session: AsyncSession, clock: FixedClock) -> None:
    await import_course(session, WOOP_COURSE, clock)
    await session.commit()


@pytest.fixture
def chat_as(school: Dispatcher, bot: Bot, offline_session: OfflineSession) -> Callable[..., Chat]:
    def make(user_id: int, first_name: str = "Ada") -> Chat:
        user = TgUser(id=user_id, is_bot=False, first_name=first_name, language_code="en")
        return Chat(school, bot, offline_session, user)

    return make
