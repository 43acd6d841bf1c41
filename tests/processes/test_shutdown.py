"""SIGTERM in the middle of work: the work taken is finished, in webhook and scheduler mode."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import aiohttp
import sqlalchemy as sa

from db.engine import create_engine, create_session_factory
from db.models import User
from tests.support import databases
from tests.support.botapi_stub import BotAPIStub, Fault, when_nth
from tests.support.factories import make_course, make_user
from tests.support.processes import environment, free_port, learnbot, log_line, patience

SECRET = "drain-me"
LEARNER = 880_001
LEARNERS = 200


async def seed(url: str, learners: int = 0, minute: int = 0) -> None:
    await asyncio.to_thread(databases.upgrade, url)
    engine = create_engine(url)
    async with create_session_factory(engine)() as session:
        await make_course(session, [2])
        for index in range(learners):
            await make_user(session, 10_000 + index, zone="UTC", lesson_minute=minute)
        await session.commit()
    await engine.dispose()


async def learner_count(url: str, telegram_id: int) -> int:
    engine = create_engine(url)
    async with create_session_factory(engine)() as session:
        count = await session.scalar(
            sa.select(sa.func.count()).select_from(User).where(User.telegram_id == telegram_id)
        )
    await engine.dispose()
    return int(count or 0)


async def test_sigterm_to_a_webhook_process_lets_the_update_in_hand_finish(
    fresh_database: str,
) -> None:
    await seed(fresh_database)
    port = free_port()
    async with BotAPIStub() as stub, aiohttp.ClientSession() as http:
        arrived = asyncio.Event()

        def slow_answer(method: str, params: dict[str, Any]) -> Fault | None:
            if method == "sendMessage":
                arrived.set()
                return Fault.slow(3)  # Telegram takes its time; the answer still comes
            return None

        stub.fault_hook = slow_answer
        env = environment(
            stub,
            fresh_database,
            WEBHOOK_URL=f"http://127.0.0.1:{port}/hook",
            WEBHOOK_SECRET=SECRET,
            WEBHOOK_HOST="127.0.0.1",
            WEBHOOK_PORT=str(port),
        )
        process = await learnbot("webhook", env=env)
        await log_line(process, "webhook server on")
        update = {**stub.make_message_update(LEARNER, "/start"), "update_id": 1}
        async with http.post(
            f"http://127.0.0.1:{port}/hook",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        ) as r:
            assert r.status == 200  # Telegram was told the update is handled
        await asyncio.wait_for(arrived.wait(), patience(60))
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), patience(60))
        assert process.returncode == 0
        answered = [call for call in stub.calls if call.method == "sendMessage"]
        assert [call.ok for call in answered] == [True]
    # The handler's transaction committed: the answer was sent and the learner kept.
    assert await learner_count(fresh_database, LEARNER) == 1


async def test_sigterm_mid_push_lets_the_job_finish_and_a_restart_sends_nothing_twice(
    fresh_database: str,
) -> None:
    now = datetime.now(UTC)
    await seed(fresh_database, LEARNERS, minute=now.hour * 60 + now.minute)
    async with BotAPIStub() as stub:
        under_way = asyncio.Event()
        slow = Fault.slow(0.1)
        stub.fault_hook = when_nth("sendMessage", 40, under_way, before=slow, from_nth=slow)
        env = environment(stub, fresh_database, SEND_RATE="1000", SEND_CONCURRENCY="8")
        scheduler = await learnbot("scheduler", env=env)
        await asyncio.wait_for(under_way.wait(), patience(180))
        scheduler.send_signal(signal.SIGTERM)
        await asyncio.wait_for(scheduler.wait(), patience(60))
        assert scheduler.returncode == 0
        stub.fault_hook = None
        again = await learnbot("jobs", "run", "daily-lessons", env=env)
        output, _ = await asyncio.wait_for(again.communicate(), patience(180))
        assert again.returncode == 0, output.decode()
    delivered = Counter(int(c.chat_id) for c in stub.calls if c.method == "sendMessage" and c.ok)
    assert len(delivered) == LEARNERS
    assert set(delivered.values()) == {1}, {k: v for k, v in delivered.items() if v > 1}
