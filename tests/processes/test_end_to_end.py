"""End to end: `learnbot run` as a real process against a local Bot API stand-in.

The learner goes from /start through onboarding to the end of the first module of
the bundled course, over HTTP, as Telegram would carry it. On MySQL the operator's
path is taken: `alembic upgrade head`, `learnbot content import content/`, then
`learnbot run`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest

from db.engine import is_sqlite
from tests.support.botapi_stub import BotAPIStub, RecordedCall
from tests.support.databases import ROOT, upgrade
from tests.support.flows import button, params
from tests.support.processes import free_port, patience, spawn, stop

USER_ID = 777_001
STEP_TIMEOUT = patience(60)


def learnbot(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=patience(180), check=False,
    )  # fmt: skip


@pytest.fixture
async def running_bot(
    fresh_database: str,
) -> AsyncIterator[tuple[BotAPIStub, asyncio.subprocess.Process]]:
    async with BotAPIStub() as stub:
        env = {**os.environ, "BOT_TOKEN": "42:E2E", "TELEGRAM_API_BASE": stub.base_url,
               "DATABASE_URL": fresh_database, "METRICS_PORT": str(free_port())}  # fmt: skip
        if not is_sqlite(fresh_database):
            await asyncio.to_thread(upgrade, fresh_database)
            imported = await asyncio.to_thread(learnbot, "content", "import", "content", env=env)
            assert imported.returncode == 0, imported.stderr
        process = await spawn(sys.executable, "-m", "bot", "run", env=env)
        await stub.wait_for("setMyCommands", timeout=patience(180))
        yield stub, process
        text = await stop(process)
        assert "Traceback" not in text, text


class Learner:
    def __init__(self, stub: BotAPIStub) -> None:
        self.stub = stub

    async def do(self, update: dict[str, Any], expect: str) -> RecordedCall:
        """Send an update and wait for the bot's call of method `expect` to this learner."""
        start = len(self.stub.calls)
        self.stub.push_update(update)
        return await self.stub.wait_for(
            lambda call: call.method == expect and str(call.chat_id) == str(USER_ID),
            timeout=STEP_TIMEOUT,
            start=start,
        )

    async def say(self, text: str, expect: str = "sendMessage") -> RecordedCall:
        return await self.do(self.stub.make_message_update(USER_ID, text, first_name="Zoë 🔥"),
                             expect)  # fmt: skip

    async def press(self, call: RecordedCall, label: str, expect: str) -> RecordedCall:
        data = button(call, label)
        message_id = call.result["message_id"] if isinstance(call.result, dict) else 1
        update = self.stub.make_callback_update(USER_ID, data, message_id=message_id)
        return await self.do(update, expect)

    async def answer(self, poll_call: RecordedCall, right: bool = True) -> None:
        poll = poll_call.result["poll"]
        correct = params(poll_call)["correct_option_ids"]
        options = correct if right else [next(i for i in range(5) if i not in correct)]
        self.stub.push_update(self.stub.make_poll_answer_update(USER_ID, poll["id"], options))


async def test_a_learner_finishes_the_first_module_over_http(
    running_bot: tuple[BotAPIStub, asyncio.subprocess.Process],
) -> None:
    stub, _process = running_bot
    learner = Learner(stub)
    welcome = await learner.say("/start")
    assert "Zoë 🔥" in welcome.params["text"]
    times = await learner.press(welcome, "Berlin", "editMessageText")
    catalogue = await learner.press(times, "08:00", "editMessageText")
    card = await learner.press(catalogue, "Git essentials", "editMessageText")
    started = await learner.press(card, "Start", "sendMessage")
    assert "You started «Git essentials»" in started.params["text"]
    # The course offers a placement check: this learner starts from the beginning.
    beginning = await learner.press(started, "from the beginning", "sendMessage")
    lesson = await learner.press(beginning, "Start", "sendMessage")
    for number in range(1, 5):
        assert "First steps" in lesson.params["text"]
        start = len(stub.calls)
        poll = await learner.press(lesson, "quiz", "sendPoll")
        assert params(poll)["type"] == "quiz"
        assert params(poll)["is_anonymous"] in (False, "false")
        questions = int(poll.params["question"].split(" · ")[0].split("/")[1])
        for _ in range(questions - 1):
            seen = len(stub.calls)
            await learner.answer(poll)
            poll = await stub.wait_for(
                "sendPoll", timeout=STEP_TIMEOUT, start=seen,
            )  # fmt: skip
        seen = len(stub.calls)
        await learner.answer(poll)
        result = await stub.wait_for(
            lambda c: c.method == "sendMessage" and "Passed" in c.params.get("text", ""),
            timeout=STEP_TIMEOUT, start=seen,
        )  # fmt: skip
        assert "Passed" in result.params["text"]
        assert len(stub.calls) > start
        if number < 4:
            lesson = await learner.press(result, "Next", "sendMessage")
    assert "Module master" in result.params["text"]  # the first module is done
    celebration = await stub.wait_for(
        lambda c: c.method == "sendMessage" and "finished!" in c.params.get("text", ""),
        timeout=STEP_TIMEOUT,
        start=seen,
    )
    assert "Next up: «Everyday work»" in celebration.params["text"]
    progress = await learner.say("/progress")
    assert "4/4" in progress.params["text"]


async def test_sigterm_during_a_burst_loses_no_update_telegram_was_told_was_handled(
    running_bot: tuple[BotAPIStub, asyncio.subprocess.Process],
) -> None:
    stub, process = running_bot
    first_user = 778_000
    updates = [stub.push_update(stub.make_message_update(first_user + n, "/help"))
               for n in range(40)]  # fmt: skip
    await stub.wait_until(
        lambda: sum(1 for c in stub.calls if c.method == "sendMessage") >= 3, timeout=STEP_TIMEOUT
    )
    process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(process.wait(), patience(60))
    confirmed = [u for u in updates if u["update_id"] < stub.confirmed_offset]
    answered = {int(c.chat_id) for c in stub.calls if c.method == "sendMessage" and c.ok}
    assert confirmed, "the bot confirmed nothing before it stopped"
    missing = [u["update_id"] for u in confirmed if u["message"]["chat"]["id"] not in answered]
    assert not missing, f"confirmed to Telegram but never handled: {missing}"
