"""One learner's updates one after another across processes (REDIS_URL): two webhook
processes, a learner's quiz answers alternating between them, each answer arriving while
the other process is still inside the update that sent its poll."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import create_engine, create_session_factory
from db.models import QuizPoll, User
from tests.support.botapi_stub import BotAPIStub, Fault
from tests.support.factories import make_course, make_user
from tests.support.flows import button
from tests.support.processes import (
    environment,
    free_port,
    learnbot,
    patience,
    seeded_mysql,
    stop,
)

SECRET = "isolated"
LEARNER = 770_001
QUESTIONS = 4
REDIS_URL = "redis://127.0.0.1:6379/14"


async def learner_at_a_lesson(session: AsyncSession) -> None:
    await make_course(session, [1], questions=QUESTIONS)
    await make_user(session, LEARNER)


@pytest.fixture
async def mysql_url(tmp_path: Path) -> AsyncIterator[str]:
    async with seeded_mysql(tmp_path, learner_at_a_lesson) as url:
        yield url


async def test_quiz_answers_alternating_between_processes_are_each_counted_once_in_order(
    mysql_url: str,
) -> None:
    ports = [free_port(), free_port()]
    async with BotAPIStub() as stub, aiohttp.ClientSession() as http:
        polls: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

        def slow_polls(method: str, params: dict[str, Any]) -> Fault | None:
            if method != "sendPoll":
                return None
            polls.put_nowait(params)
            return Fault.slow(0.5)  # the learner answers before the bot hears back

        stub.fault_hook = slow_polls
        processes = [
            await learnbot(
                "webhook",
                env=environment(
                    stub,
                    mysql_url,
                    REDIS_URL=REDIS_URL,
                    WEBHOOK_URL=f"http://127.0.0.1:{port}/hook",
                    WEBHOOK_SECRET=SECRET,
                    WEBHOOK_HOST="127.0.0.1",
                    WEBHOOK_PORT=str(port),
                    LOG_LEVEL="WARNING",
                ),
            )
            for port in ports
        ]
        turn = iter(ports * QUESTIONS * 2)

        async def deliver(update: dict[str, Any]) -> None:
            async with http.post(
                f"http://127.0.0.1:{next(turn)}/hook",
                json={**update, "update_id": len(stub.calls) + 1},
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            ) as response:
                assert response.status == 200

        await stub.wait_until(lambda: len(stub.calls_of("setWebhook")) == 2, timeout=patience(240))
        start = len(stub.calls)
        await deliver(stub.make_message_update(LEARNER, "/learn"))
        lesson = await stub.wait_for("sendMessage", timeout=patience(60), start=start)
        await deliver(stub.make_callback_update(LEARNER, button(lesson, "quiz")))
        for number in range(1, QUESTIONS + 1):
            poll = await asyncio.wait_for(polls.get(), patience(60))
            right = [int(option) for option in poll["correct_option_ids"]]
            await deliver(stub.make_poll_answer_update(LEARNER, f"poll-{number}", right))
        result = await stub.wait_for(
            lambda call: call.method == "sendMessage" and "Passed" in call.params["text"],
            timeout=patience(60),
        )
        await asyncio.gather(*(stop(process) for process in processes))
    assert f"{QUESTIONS} of {QUESTIONS}" in result.params["text"]
    engine = create_engine(mysql_url)
    async with create_session_factory(engine)() as session:
        answered = (
            await session.scalars(
                sa.select(QuizPoll.poll_id)
                .join(User, User.id == QuizPoll.user_id)
                .where(User.telegram_id == LEARNER, QuizPoll.is_correct.is_(True))
                .order_by(QuizPoll.answered_at, QuizPoll.id)
            )
        ).all()
    await engine.dispose()
    assert answered == [f"poll-{n}" for n in range(1, QUESTIONS + 1)]
