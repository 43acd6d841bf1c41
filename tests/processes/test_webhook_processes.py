"""Two `learnbot webhook` processes on one MariaDB and one Redis, as behind a load
balancer: a learner's onboarding alternates between them and completes."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import create_engine, create_session_factory
from db.models import User
from tests.support.botapi_stub import BotAPIStub, RecordedCall
from tests.support.factories import make_course
from tests.support.flows import button
from tests.support.processes import free_port, patience, seeded_mysql, spawn, stop

SECRET = "two-processes"
LEARNER = 990_001


async def a_course(session: AsyncSession) -> None:
    await make_course(session, [2])


@pytest.fixture
async def mysql_url(tmp_path: Path) -> AsyncIterator[str]:
    async with seeded_mysql(tmp_path, a_course) as url:
        yield url


async def test_onboarding_alternating_between_two_webhook_processes(mysql_url: str) -> None:
    ports = [free_port(), free_port()]
    async with BotAPIStub() as stub, aiohttp.ClientSession() as http:
        processes = []
        for port in ports:
            env = {**os.environ, "BOT_TOKEN": "42:WH", "TELEGRAM_API_BASE": stub.base_url,
                   "DATABASE_URL": mysql_url, "REDIS_URL": "redis://127.0.0.1:6379/14",
                   "WEBHOOK_URL": f"http://127.0.0.1:{port}/hook", "WEBHOOK_SECRET": SECRET,
                   "WEBHOOK_HOST": "127.0.0.1", "WEBHOOK_PORT": str(port),
                   "METRICS_PORT": str(free_port())}  # fmt: skip
            processes.append(await spawn(
                sys.executable, "-m", "bot", "webhook", env=env,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            ))  # fmt: skip
        await stub.wait_until(lambda: len(stub.calls_of("setWebhook")) == 2, timeout=patience(240))
        turn = iter(ports * 10)
        update_ids = iter(range(1, 100))

        async def send(update: dict[str, Any], expect: str) -> RecordedCall:
            update = {**update, "update_id": next(update_ids)}
            start = len(stub.calls)
            port = next(turn)
            async with http.post(
                f"http://127.0.0.1:{port}/hook",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            ) as r:
                assert r.status == 200
            return await stub.wait_for(expect, timeout=patience(60), start=start)

        welcome = await send(stub.make_message_update(LEARNER, "/start"), "sendMessage")
        times = await send(stub.make_callback_update(LEARNER, button(welcome, "Berlin")),
                           "editMessageText")  # fmt: skip
        ready = await send(stub.make_callback_update(LEARNER, button(times, "08:00")),
                           "editMessageText")  # fmt: skip
        lesson = await send(stub.make_callback_update(LEARNER, button(ready, "Start")),
                            "sendMessage")  # fmt: skip
        assert "Lesson 1.1" in lesson.params["text"]
        await asyncio.gather(*(stop(process) for process in processes))
    engine = create_engine(mysql_url)
    async with create_session_factory(engine)() as session:
        user = await session.scalar(sa.select(User).where(User.telegram_id == LEARNER))
    await engine.dispose()
    assert user is not None
    assert (user.time_zone, user.lesson_minute) == ("Europe/Berlin", 480)
    assert user.onboarded_at is not None
