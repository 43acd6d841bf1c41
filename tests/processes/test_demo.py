"""`learnbot demo` as a process, typed to through stdin: self-contained and alive.

A learner finishes a lesson and sees themself on the leaderboard without anyone
running a job; a broadcast reaches the sample learners; the production database file
is never created; logs stay out of the chat. The demo shows what Telegram shows without
a message (a quiz answer's verdict, the open question a quiz waits on), keeps the files
the bot sends next to its database, and goes on where it was after a restart.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiogram.methods import SendPhoto
from aiogram.types import BufferedInputFile

from bot.entry.app import build_bot
from bot.entry.demo import DEMO_USER, Terminal, Uploads
from bot.entry.offline import OfflineSession
from tests.support.databases import ROOT
from tests.support.demo import OPTION, DemoChat

BUNDLED = ROOT / "content" / "git-essentials"


def demo_environment() -> dict[str, str]:
    unset = {"BOT_TOKEN", "DATABASE_URL", "REDIS_URL", "ADMIN_IDS", "LOG_LEVEL", "LOG_FORMAT"}
    return {name: value for name, value in os.environ.items() if name not in unset}


def databases_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.glob("*.db"))


def files_in(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def log_of(folder: Path) -> str:
    return (folder / "learnbot-demo.log").read_text(encoding="utf-8")


def not_ignored_by_git(names: list[str]) -> list[str]:
    """The names (relative to the repository) that git would offer to commit."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin"],
        cwd=ROOT,
        input="\n".join(names),
        capture_output=True,
        text=True,
        check=False,
    ).stdout.splitlines()
    return [name for name in names if name not in ignored]


StartDemo = Callable[..., Awaitable[DemoChat]]


@pytest.fixture
async def start_demo(tmp_path: Path) -> AsyncIterator[StartDemo]:
    """Start `learnbot demo` in the test's folder (again: a restart); stopped at the end."""
    started: list[DemoChat] = []

    async def start(**env: str) -> DemoChat:
        chat = await DemoChat.start(
            [sys.executable, "-m", "bot", "demo"],
            cwd=tmp_path,
            env={**demo_environment(), "PYTHONPATH": str(ROOT), **env},
            course=BUNDLED,
        )
        started.append(chat)
        return chat

    yield start
    for chat in started:
        if chat.process.returncode is None:
            chat.process.kill()
            await chat.process.wait()


@pytest.fixture
async def demo(start_demo: StartDemo) -> DemoChat:
    return await start_demo()


async def finish_onboarding(demo: DemoChat) -> None:
    """Onboarding, then Git essentials from the catalogue (the demo has several courses)."""
    await demo.say("/start")
    await demo.press("Berlin")
    catalogue = await demo.press("08:00")
    assert "Goals that stick — new" in catalogue
    await demo.press("Git essentials")
    await demo.press("Start")  # the card's: the course is started, the placement check offered
    await demo.press("from the beginning")  # its first lesson offered


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


async def test_a_typed_number_presses_the_buttons_shown_last_and_a_waiting_quiz_comes_back(
    demo: DemoChat,
) -> None:
    await finish_onboarding(demo)
    await demo.press("Start")
    quiz = await demo.press("quiz")
    assert "1/4" in quiz
    modules = await demo.say("/modules")
    assert re.search(r"^Pick 1(–\d+)? \(the buttons shown last\)\.$", await demo.say("99"), re.M)
    assert demo.screen.count("\n") < 4  # only the hint: the bot was not asked
    assert "2/4" not in modules
    pressed = await demo.say("1")
    assert "2/4" not in pressed  # the open question was not answered
    assert "First steps" in pressed  # the first module's button was pressed instead
    await demo.say("/learn")
    waiting = await demo.press("quiz")
    assert "quiz is waiting above" in waiting
    # In the terminal, "above" has scrolled away: the open question is shown again.
    assert re.search(r"^❓ 1/4 · .+\n(   \d\) .+\n){2,}", waiting, re.M), waiting
    options = len(OPTION.findall(waiting))
    assert f"Pick 1–{options} (the options shown last)." in await demo.say(str(options + 1))
    assert "❓ 2/4 · " in await demo.answer()  # the next number answered the open question
    assert "Passed: 4 of 4" in await demo.pass_quiz()
    assert "I didn't get that" not in demo.transcript


async def test_each_quiz_answer_says_right_or_wrong_with_the_explanation(demo: DemoChat) -> None:
    await finish_onboarding(demo)
    await demo.press("Start")
    await demo.press("quiz")
    question = demo.question()
    assert question is not None
    wrong = await demo.answer(right=False)
    (right_option,) = demo.answers[question]
    assert f"❌ Wrong. The right answer: {right_option}\n💡 {demo.explanations[question]}" in wrong
    question = demo.question()
    assert question is not None
    right = await demo.answer()
    assert f"✅ Right!\n💡 {demo.explanations[question]}" in right


async def test_after_a_restart_the_open_question_comes_back_and_new_quizzes_work(
    start_demo: StartDemo,
) -> None:
    first = await start_demo()
    await finish_onboarding(first)
    await first.press("Start")
    await first.press("quiz")
    assert "Passed: 4 of 4" in await first.pass_quiz()
    await first.press("Next")
    await first.press("quiz")
    assert "❓ 2/4 · " in await first.answer()  # question 2 is open when the demo ends
    assert await first.quit() == (0, "")

    second = await start_demo()
    assert "Sample learners added" not in second.screen
    await second.say("/learn")
    waiting = await second.press("quiz")
    assert "quiz is waiting above" in waiting
    assert "❓ 2/4 · " in waiting  # the last run's poll, answered in this one
    # The questions that follow are new polls: their ids must not clash with the last run's.
    assert "Passed: 4 of 4" in await second.pass_quiz()
    code, errors = await second.quit()
    assert (code, errors) == (0, "")
    assert "went wrong" not in second.transcript


async def test_documents_the_bot_sends_are_saved_next_to_the_database_and_ignored_by_git(
    demo: DemoChat, tmp_path: Path
) -> None:
    await finish_onboarding(demo)
    exported = await demo.say("/export")
    saved = re.search(r"^📎 \[document saved as (.+)\]$", exported, re.M)
    assert saved is not None, exported
    assert saved.group(1) == "learnbot-demo-files/learnbot-my-data.json"
    data = json.loads((tmp_path / saved.group(1)).read_text(encoding="utf-8"))
    assert data["profile"]["first_name"] == "Demo"
    exported = await demo.say("/exportcsv")
    saved = re.search(
        r"^📎 \[document saved as (learnbot-demo-files/learners-.+\.csv)\]$", exported, re.M
    )
    assert saved is not None, exported
    rows = csv.DictReader(io.StringIO((tmp_path / saved.group(1)).read_text(encoding="utf-8")))
    assert {"900001", "1001"} <= {row["telegram_id"] for row in rows}
    assert await demo.quit() == (0, "")
    left = files_in(tmp_path)
    assert "learnbot-demo.log" in left
    assert not_ignored_by_git(left) == []  # what the demo leaves is never offered to commit


async def test_a_certificate_picture_is_saved_with_the_documents_and_its_path_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    offline = OfflineSession()
    folder = tmp_path / "learnbot-demo-files"
    terminal = Terminal(uploads=Uploads(offline.uploads, folder))
    png = BufferedInputFile(b"\x89PNG certificate", filename="certificate-K7Q2.png")
    photo = SendPhoto(chat_id=DEMO_USER.id, photo=png, caption="🎓 Your certificate")
    terminal.show(photo, await offline.make_request(build_bot("42:DEMO", session=offline), photo))
    assert (folder / "certificate-K7Q2.png").read_bytes() == b"\x89PNG certificate"
    shown = capsys.readouterr().out
    assert f"🖼  [photo saved as {folder / 'certificate-K7Q2.png'}]\n🤖 🎓 Your certificate" in shown


async def test_the_demo_never_uses_the_database_the_bot_would_use(
    start_demo: StartDemo, tmp_path: Path
) -> None:
    chat = await start_demo(DATABASE_URL="sqlite+aiosqlite:///learnbot.db")
    await chat.say("/start")
    code, _errors = await chat.quit()
    assert code == 0
    assert databases_in(tmp_path) == ["learnbot-demo.db"]


PLACEMENT_QUESTION = re.compile(r"^❓ 🧪 (\d+)/\d+ · (.*)$", re.MULTILINE)


async def test_the_placement_check_is_played_in_the_terminal(demo: DemoChat) -> None:
    """The first module's questions right, the rest wrong: the first module is skipped."""
    await demo.say("/start")
    await demo.press("Berlin")
    await demo.press("08:00")
    await demo.press("Git essentials")
    await demo.press("Start")
    screen = await demo.press("Check what I know")
    while (asked := PLACEMENT_QUESTION.findall(screen)) != []:
        number, question = asked[-1]
        rights = demo.answers[question]
        options = OPTION.findall(screen[screen.rindex(question) :])
        right = int(number) <= 2  # two questions of the first module
        screen = await demo.say(next(n for n, text in options if (text in rights) == right))
    assert "✓ 1. First steps — skipped (2/2 right)" in screen
    assert "▶ 2. Everyday work — starts here (0/2 right)" in screen
    assert "First lesson to take: See and stage exactly what changed" in screen
    assert "See and stage exactly what changed" in await demo.press("Start")
