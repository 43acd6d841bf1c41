"""Several bot processes share conversations through Redis (REDIS_URL).

Two dispatchers stand in for two processes behind a load balancer: an admin starts
composing a broadcast on one, and the next message, handled by the other, continues
the conversation; so does a dispatcher built after a "restart".
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.fsm.storage.redis import DefaultKeyBuilder, RedisStorage
from aiogram.types import User
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.entry.app import build_dispatcher
from bot.entry.offline import OfflineSession
from bot.rules.clock import FixedClock
from bot.rules.course import CourseCache
from tests.support.backends import IN_CI, redis_skipped
from tests.support.chat import Chat
from tests.support.flows import onboard

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ADMIN = 8801


@pytest.fixture
async def storage_factory() -> AsyncIterator[type[RedisStorage] | object]:
    """Storages on a throwaway key prefix of the test Redis."""
    probe = Redis.from_url(REDIS_URL)
    try:
        await probe.ping()
    except (RedisError, OSError) as exc:
        await probe.aclose()
        message = f"Redis at {REDIS_URL} is not answering: {exc}"
        if IN_CI:
            pytest.fail(message)
        redis_skipped.append(message)  # reported loudly at the end of the run
        pytest.skip(message)
    prefix = f"lbtest-{uuid.uuid4().hex[:8]}"
    made: list[RedisStorage] = []

    def make() -> RedisStorage:
        storage = RedisStorage.from_url(REDIS_URL, key_builder=DefaultKeyBuilder(prefix=prefix))
        made.append(storage)
        return storage

    yield make
    async for key in probe.scan_iter(f"{prefix}:*"):
        await probe.delete(key)
    await probe.aclose()
    for storage in made:
        await storage.close()


async def test_a_conversation_continues_on_another_process_and_after_a_restart(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    offline_session: OfflineSession,
    storage_factory: object,
) -> None:
    make = storage_factory  # type: ignore[assignment]

    def process() -> Chat:
        dispatcher = build_dispatcher(
            session_factory, clock, course_cache=CourseCache(ttl=0), admin_ids={ADMIN},
            storage=make(),  # type: ignore[operator]
        )  # fmt: skip
        user = User(id=ADMIN, is_bot=False, first_name="Boss", language_code="en")
        return Chat(dispatcher, bot, offline_session, user)

    first, second = process(), process()
    await onboard(first)
    sent = await first.send("/broadcast")
    assert "Send me the message" in first.texts(sent)[0]
    sent = await second.send("<b>Hello</b>, learners!")  # the other process gets it
    assert any("recipient" in text.lower() for text in second.texts(sent)), second.texts(sent)

    await first.send("/broadcast")
    restarted = process()  # a new process: new dispatcher, new connection to Redis
    sent = await restarted.send("Second message")
    assert any("recipient" in text.lower() for text in restarted.texts(sent))
    unknown = process()
    await unknown.send("/cancel")  # the conversation ended; plain text is now a hint
    sent = await unknown.send("just text")
    assert any("/help" in text for text in unknown.texts(sent))
