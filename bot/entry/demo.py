"""`learnbot demo`: chat with the real dispatcher and handlers in the terminal.

No token, no network: an offline Bot API session records what the bot sends and the
demo prints it. Buttons are numbered, and so are a quiz poll's options: a typed number
goes to whichever was shown last. Commands are typed as in Telegram (/learn, /modules…).

The demo is self-contained: its own SQLite file (never the production default), a few
sample learners, and the scheduler's jobs in the same process: the leaderboard and
broadcasts run after every message, every job once a minute, and what they push to
other learners is shown in the terminal as it goes out. Logs go to a file.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import logging
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageText,
    SendDocument,
    SendMessage,
    SendPhoto,
    SendPoll,
    TelegramMethod,
)
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    Chat,
    InlineKeyboardMarkup,
    Message,
    PollAnswer,
    Update,
    User,
)

from bot.entry.app import build_bot, build_dispatcher
from bot.entry.config import Settings
from bot.entry.database import prepare_database
from bot.entry.demo_seed import SAMPLES, sample_chat_ids, seed_sample_learners
from bot.entry.offline import OfflineSession
from bot.entry.runner import build_jobs
from bot.observability.logs import TextFormatter
from bot.rules.clock import SystemClock
from bot.rules.course import CourseCache
from bot.rules.shorten import shorten
from db.engine import create_session_factory
from scheduler.jobs import Jobs
from scheduler.names import JOB_EVERY, JobName
from scheduler.runner import job_table, run_job

log = logging.getLogger(__name__)

DEMO_DATABASE = "sqlite+aiosqlite:///learnbot-demo.db"
DEMO_LOG = Path("learnbot-demo.log")
DEMO_USER = User(id=1001, is_bot=False, first_name="Demo", language_code="en")
# Bold and dim text in a terminal; plain text when the output is a pipe or a file.
BOLD, DIM, RESET = ("\033[1m", "\033[2m", "\033[0m") if sys.stdout.isatty() else ("", "", "")
# What a learner expects to see at once.
AFTER_EVERY_MESSAGE = (JobName.LEADERBOARD, JobName.BROADCASTS)
PUSH_PREVIEW = 60  # characters of a push to another learner shown in the terminal
TICK = JOB_EVERY[JobName.DAILY_LESSONS].total_seconds()  # the cadence of the per-minute jobs


def to_terminal(text: str) -> str:
    """Telegram HTML to terminal text: bold kept, other tags dropped, entities decoded."""
    text = re.sub(r"</?(b|strong)>", lambda m: RESET if m.group(0)[1] == "/" else BOLD, text)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


class Terminal:
    """What the demo learner sees, and what a typed number would press or answer."""

    def __init__(self, names: dict[int, str] | None = None) -> None:
        self.names = names or {}  # other learners' chat ids, for the pushes they get
        self.buttons: list[tuple[str, str]] = []  # (label, callback data)
        self.button_message_id = 0
        self.poll: tuple[str, int] | None = None  # (poll id, option count)
        self.latest: str | None = None  # "buttons" or "poll": the choice shown last

    def show(self, method: TelegramMethod[Any], result: Any) -> None:
        chat_id = getattr(method, "chat_id", DEMO_USER.id)
        if chat_id is not None and str(chat_id) != str(DEMO_USER.id):
            self._pushed_elsewhere(chat_id, method)
        elif isinstance(method, SendMessage | EditMessageText):
            print(f"\n🤖 {to_terminal(method.text or '')}")
            self._keyboard(method.reply_markup, result)
        elif isinstance(method, SendPhoto):
            print(f"\n🖼  [photo {_photo_label(method.photo)}]")
            if method.caption:
                print(f"🤖 {to_terminal(method.caption)}")
            self._keyboard(method.reply_markup, result)
        elif isinstance(method, SendDocument):
            name = getattr(method.document, "filename", None) or method.document
            print(f"\n📎 [document {name}] {to_terminal(method.caption or '')}")
        elif isinstance(method, SendPoll):
            print(f"\n❓ {method.question}")
            for number, option in enumerate(method.options, start=1):
                text = option if isinstance(option, str) else option.text
                print(f"   {number}) {text}")
            self.poll = (result.poll.id, len(method.options))
            self.latest = "poll"
            print(f"{DIM}(type the number of your answer){RESET}")
        elif isinstance(method, AnswerCallbackQuery) and method.text:
            print(f"\n💬 {method.text}")

    def _pushed_elsewhere(self, chat_id: int | str, method: TelegramMethod[Any]) -> None:
        text = getattr(method, "text", None) or getattr(method, "caption", None)
        if isinstance(method, SendMessage | SendPhoto) and text:
            preview = shorten(" ".join(to_terminal(text).split()), PUSH_PREVIEW)
            name = self.names.get(int(chat_id), f"learner {chat_id}")
            print(f"\n{DIM}📨 sent to {name}: {preview}{RESET}")

    def _keyboard(self, markup: Any, result: Any) -> None:
        if not isinstance(markup, InlineKeyboardMarkup):
            return
        self.buttons = [
            (button.text, button.callback_data or "")
            for row in markup.inline_keyboard
            for button in row
        ]
        self.button_message_id = result.message_id if isinstance(result, Message) else 0
        self.latest = "buttons"
        for number, (label, _data) in enumerate(self.buttons, start=1):
            print(f"   [{number}] {label}")

    def choice(self, line: str) -> tuple[str, int] | None:
        """A typed number as ("poll" or "buttons", index), for the choice shown last."""
        if not line.isdigit():
            return None
        index = int(line) - 1
        if self.latest == "poll" and self.poll is not None and 0 <= index < self.poll[1]:
            return "poll", index
        if self.latest == "buttons" and 0 <= index < len(self.buttons):
            return "buttons", index
        return None


class DemoScheduler:
    """The scheduler's jobs in the demo's process, one run at a time."""

    def __init__(self, jobs: Jobs) -> None:
        self.table = job_table(jobs)
        self.lock = asyncio.Lock()
        self.running: set[asyncio.Task[None]] = set()

    async def run(self, names: tuple[JobName, ...]) -> None:
        async with self.lock:
            for name in names:
                try:
                    await run_job(name, self.table[name], self.running)
                except Exception:  # a failing job must not end the chat; the log has it
                    log.exception("job %s failed", name)

    async def every_minute(self) -> None:
        while True:
            await self.run(tuple(name for name in self.table if name in JOB_EVERY))
            await asyncio.sleep(TICK)


def log_to_file(settings: Settings) -> None:
    """Everything to learnbot-demo.log; only errors reach the terminal, after the chat."""
    to_file = logging.FileHandler(DEMO_LOG, encoding="utf-8")
    to_file.setFormatter(TextFormatter())
    errors = logging.StreamHandler(sys.stderr)
    errors.setLevel(logging.ERROR)
    errors.setFormatter(TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [to_file, errors]
    root.setLevel(settings.log_level)
    for name in ("aiogram.event", "alembic", "apscheduler"):
        logging.getLogger(name).setLevel(logging.WARNING)


async def run_demo(settings: Settings) -> int:
    log_to_file(settings)
    engine = await prepare_database(DEMO_DATABASE, migrate=True)
    factory = create_session_factory(engine)
    clock = SystemClock()
    samples = await seed_sample_learners(factory, clock.now())
    session = OfflineSession()
    terminal = Terminal(dict(zip(sample_chat_ids(), (s.name for s in SAMPLES), strict=True)))
    original = session.make_request

    async def make_request(bot: Any, method: Any, timeout: int | None = None) -> Any:
        result = await original(bot, method, timeout)
        terminal.show(method, result)
        return result

    session.make_request = make_request  # type: ignore[method-assign]
    bot = build_bot("42:DEMO", session=session)
    course_cache = CourseCache()
    # The demo learner is an admin too, so /admin, /stats and the rest can be tried.
    dispatcher = build_dispatcher(
        factory, clock, course_cache=course_cache, admin_ids={DEMO_USER.id}
    )
    scheduler = DemoScheduler(build_jobs(settings, engine, bot, clock, course_cache))
    print(f"{BOLD}LearnBot demo{RESET} — type /start, then numbers to press buttons. Ctrl-D quits.")
    print(f"{DIM}Database: learnbot-demo.db; logs: {DEMO_LOG}.{RESET}")
    if samples:
        print(f"{DIM}Sample learners added: {', '.join(samples)}.{RESET}")
    ticking = asyncio.create_task(scheduler.every_minute())
    update_ids = itertools.count(1)
    chat = Chat(id=DEMO_USER.id, type="private")
    try:
        while True:
            try:
                line = (await asyncio.to_thread(input, "\n> ")).strip()
            except EOFError:
                break
            if not line:
                continue
            update = _update(next(update_ids), line, terminal, chat)
            await dispatcher.feed_update(bot, update)
            await scheduler.run(AFTER_EVERY_MESSAGE)
    finally:
        ticking.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticking
        await engine.dispose()
    return 0


def _update(update_id: int, line: str, terminal: Terminal, chat: Chat) -> Update:
    now = datetime.now(UTC)
    match terminal.choice(line):
        case ("poll", index) if terminal.poll is not None:
            poll_id, _count = terminal.poll
            terminal.poll = None
            answer = PollAnswer(
                poll_id=poll_id,
                option_ids=[index],
                option_persistent_ids=[str(index)],
                user=DEMO_USER,
            )
            return Update(update_id=update_id, poll_answer=answer)
        case ("buttons", index):
            message = Message(
                message_id=terminal.button_message_id, date=now, chat=chat, from_user=DEMO_USER
            )
            callback = CallbackQuery(
                id=str(update_id),
                from_user=DEMO_USER,
                chat_instance="demo",
                message=message,
                data=terminal.buttons[index][1],
            )
            return Update(update_id=update_id, callback_query=callback)
    message = Message(
        message_id=10_000 + update_id, date=now, chat=chat, from_user=DEMO_USER, text=line
    )
    return Update(update_id=update_id, message=message)


def _photo_label(photo: object) -> str:
    """An uploaded picture (a certificate) is saved in the working directory to be opened."""
    if isinstance(photo, BufferedInputFile):
        path = Path(photo.filename or "photo.png").name
        Path(path).write_bytes(photo.data)
        return f"saved as {path}"
    return str(photo)
