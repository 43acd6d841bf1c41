"""`learnbot demo` as a process, typed to through stdin: self-contained and alive.

A learner finishes a lesson and sees themself on the leaderboard without anyone
running a job; a broadcast reaches the sample learners; the production database file
is never created; logs stay out of the chat.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.databases import ROOT
from tests.support.demo import DemoChat

BUNDLED = ROOT / "content"


def demo_environment() -> dict[str, str]:
    unset = {"BOT_TOKEN", "DATABASE_URL", "REDIS_URL", "ADMIN_IDS", "LOG_LEVEL", "LOG_FORMAT"}
    return {name: value for name, value in os.environ.items() if name not in unset}


def databases_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.glob("*.db"))


def log_of(folder: Path) -> str:
    return (folder / "learnbot-demo.log").read_text(encoding="utf-8")


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[DemoChat]:
    chat = await DemoChat.start(
        [sys.executable, "-m", "bot", "demo"],
        cwd=tmp_path,
        env={**demo_environment(), "PYTHONPATH": str(ROOT)},
        course=BUNDLED,
    )
    yield chat
    if chat.process.returncode is None:
        chat.process.kill()
        await chat.process.wait()


async def finish_onboarding(demo: DemoChat) -> None:
    await demo.say("/start")
    await demo.press("Berlin")
    await demo.press("08:00")


async def test_a_learner_finishes_a_lesson_and_is_on_the_leaderboard_at_once(
    demo: DemoChat, tmp_path: Path
) -> None:
    assert "Sample learners added: Ada (sample)" in demo.screen
    await finish_onboarding(demo)
    await demo.press("Start")
    await demo.press("quiz")
    result = await demo.pass_quiz()
    assert "Passed: 4 of 4" in result
    board = await demo.say("/leaderboard")
    assert "Ada (sample)" in board
    assert re.search(r"^(4\.|🥇|🥈|🥉) Demo — \d+$", board, re.MULTILINE), board
    code, errors = await demo.quit()
    assert (code, errors) == (0, "")
    assert "Traceback" not in demo.transcript
    assert "INFO" not in demo.transcript  # the log is in its file, not in the chat
    assert "scheduler.runner" in log_of(tmp_path)
    assert databases_in(tmp_path) == ["learnbot-demo.db"]


async def test_a_broadcast_is_delivered_to_the_learners_while_the_admin_watches(
    demo: DemoChat, tmp_path: Path
) -> None:
    await finish_onboarding(demo)
    await demo.say("/broadcast")
    await demo.say("Hello from the demo admin")
    sent = await demo.press("Send")
    while "done" not in sent:  # a confirmation step, if there is one, is confirmed
        sent = await demo.press("Send")
    assert "📨 sent to Ada (sample): Hello from the demo admin" in sent
    assert "📨 sent to Alan (sample): Hello from the demo admin" in sent
    assert "🤖 Hello from the demo admin" in sent  # the demo learner is a learner too
    assert "Failed: 0" in sent
    code, _errors = await demo.quit()
    assert code == 0
    assert "learnbot.db" not in databases_in(tmp_path)


async def test_a_typed_number_presses_the_buttons_shown_last_not_an_open_poll(
    demo: DemoChat,
) -> None:
    await finish_onboarding(demo)
    await demo.press("Start")
    quiz = await demo.press("quiz")
    assert "1/4" in quiz
    await demo.say("/modules")
    pressed = await demo.say("1")
    assert "2/4" not in pressed  # the open question was not answered
    assert "First steps" in pressed  # the first module's button was pressed instead
    await demo.say("/learn")
    waiting = await demo.press("quiz")
    assert "quiz is waiting above" in waiting  # the question is still open


async def test_the_demo_never_uses_the_database_the_bot_would_use(tmp_path: Path) -> None:
    chat = await DemoChat.start(
        [sys.executable, "-m", "bot", "demo"],
        cwd=tmp_path,
        env={
            **demo_environment(),
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": "sqlite+aiosqlite:///learnbot.db",
        },
        course=BUNDLED,
    )
    await chat.say("/start")
    code, _errors = await chat.quit()
    assert code == 0
    assert databases_in(tmp_path) == ["learnbot-demo.db"]
