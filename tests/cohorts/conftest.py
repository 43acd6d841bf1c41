"""The cohorts' chat fixtures: a dispatcher with one admin by ADMIN_IDS, and people in it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import User as TgUser
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.entry.app import build_dispatcher
from bot.entry.offline import OfflineSession
from bot.rules.clock import FixedClock
from bot.rules.course import CourseCache
from tests.support.chat import Chat

ADMIN_ID = 9001


@pytest.fixture
def school(session_factory: async_sessionmaker[AsyncSession], clock: FixedClock) -> Dispatcher:
    return build_dispatcher(
        session_factory, clock, course_cache=CourseCache(ttl=0), admin_ids={ADMIN_ID}
    )


@pytest.fixture
def chat_as(school: Dispatcher, bot: Bot, offline_session: OfflineSession) -> Callable[..., Chat]:
    """A person's chat with the bot: private, or (chat_type="supergroup") their group's."""

    def make(user_id: int, first_name: str = "Ada", chat_type: str = "private") -> Chat:
        user = TgUser(id=user_id, is_bot=False, first_name=first_name, language_code="en")
        return Chat(school, bot, offline_session, user, chat_type=chat_type)

    return make
