"""The dashboard served over HTTP by aiohttp's test server, over a seeded school."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rules.clock import FixedClock
from bot.rules.course import CourseCache
from bot.webapp.app import WebAppConfig, standalone
from tests.support.dashboard import ADMIN, TOKEN, Seeded, seed_school


@pytest.fixture
async def seeded(session_factory: async_sessionmaker[AsyncSession], clock: FixedClock) -> Seeded:
    async with session_factory() as session, session.begin():
        return await seed_school(session, clock.now())


@pytest.fixture
async def client(
    session_factory: async_sessionmaker[AsyncSession], clock: FixedClock, seeded: Seeded
) -> AsyncIterator[TestClient]:
    cache = CourseCache()
    async with session_factory() as session:
        await cache.get(session)  # loaded once, as a running bot holds it
    config = WebAppConfig(
        token=TOKEN,
        session_factory=session_factory,
        clock=clock,
        course_cache=cache,
        admin_ids=frozenset({ADMIN}),
        bot_username="learnbot_test_bot",
    )
    async with TestClient(TestServer(standalone(config))) as test_client:
        yield test_client
