"""`learnbot demo`: chat with the real dispatcher and handlers in the terminal.

No token, no network: an offline Bot API session records what the bot sends and the
demo prints it. Buttons are numbered, and so are a quiz poll's options: a typed number
goes to whichever was shown last. Commands are typed as in Telegram (/learn, /modules…).
What Telegram shows without a message is printed too: whether a quiz answer was right,
with the question's explanation, and, when the bot says a quiz is waiting above, that
open question again. Documents and pictures the bot sends are saved next to the database.

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
import uuid
from dataclasses import dataclass
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
    SendVideo,
    SendVoice,
    TelegramMethod,
)
from aiogram.types import (
    CallbackQuery,
    Chat,
    Document,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    PhotoSize,
    PollAnswer,
    Update,
    User,
    Video,
    Voice,
)
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.entry.app import build_bot, build_dispatcher
from bot.entry.config import Settings
from bot.entry.database import prepare_database
from bot.entry.demo_dashboard import demo_dashboard, demo_link
from bot.entry.demo_seed import SAMPLES, sample_chat_ids, seed_sample_learners
from bot.entry.offline import OfflineSession
from bot.entry.runner import build_jobs
from bot.observability.logs import TextFormatter
from bot.rules.clock import SystemClock
from bot.rules.course import CourseCache
from bot.rules.formats.shorten import shorten
from bot.telegram.callbacks import QuizCb
from bot.telegram.polls import quiz_poll
from db.engine import create_session_factory
from db.models import QuizPoll
from db.models import User as Learner
from scheduler.jobs import Jobs
from scheduler.names import JOB_EVERY, JobName
from scheduler.runner import job_table, run_job

log = logging.getLogger(__name__)

DEMO_FILE = Path("learnbot-demo.db")
DEMO_DATABASE = f"sqlite+aiosqlite:///{DEMO_FILE}"
DEMO_FILES = DEMO_FILE.with_name("learnbot-demo-files")  # what the bot sends as files
DEMO_LOG = Path("learnbot-demo.log")
DEMO_TOKEN = (
    "42:DEMO"  # the offline session never sends it; the dashboard's links are signed with it
)
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


class Uploads:
    """The files the bot sent in the demo, written to a folder to be opened."""

    def __init__(self, sent: dict[str, bytes], folder: Path) -> None:
        self.sent = sent  # file name -> content, as the offline session received them
        self.folder = folder

    def save(self, name: str) -> Path:
        self.folder.mkdir(exist_ok=True)
        path = self.folder / Path(name).name
        path.write_bytes(self.sent.pop(name, b""))
        return path


@dataclass(frozen=True)
class ShownPoll:
    """A quiz poll on screen: what a typed number answers, and what Telegram would then show."""

    poll_id: str
    options: tuple[str, ...]
    correct: tuple[int, ...]  # positions of the right options, as shown
    explanation: str | None

    def verdict(self, index: int) -> list[str]:
        """Right or wrong, and the explanation: what Telegram shows on an answered quiz."""
        if index in self.correct:
            lines = ["✅ Right!"]
        else:
            right = " · ".join(self.options[i] for i in self.correct)
            lines = [f"❌ Wrong. The right answer: {right}"]
        if self.explanation:
            lines.append(f"💡 {self.explanation}")
        return lines


class Terminal:
    """What the demo learner sees, and what a typed number would press or answer."""

    def __init__(self, names: dict[int, str] | None = None, uploads: Uploads | None = None) -> None:
        self.names = names or {}  # other learners' chat ids, for the pushes they get
        self.uploads = uploads  # where the files the bot sends are kept, None: not kept
        self.buttons: list[tuple[str, str]] = []  # (label, callback data)
        self.button_message_id = 0
        self.poll: ShownPoll | None = None
        self.polls_shown = 0
        self.latest: str | None = None  # "buttons" or "poll": the choice shown last

    def show(self, method: TelegramMethod[Any], result: Any) -> None:
        chat_id = getattr(method, "chat_id", DEMO_USER.id)
        if chat_id is not None and str(chat_id) != str(DEMO_USER.id):
            self._pushed_elsewhere(chat_id, method)
        elif isinstance(method, SendMessage | EditMessageText):
            print(f"\n🤖 {to_terminal(method.text or '')}")
            self._keyboard(method.reply_markup, result)
        elif isinstance(method, SendPhoto):
            print(f"\n🖼  [photo {self._file_label(method.photo)}]")
            if method.caption:
                print(f"🤖 {to_terminal(method.caption)}")
            self._keyboard(method.reply_markup, result)
        elif isinstance(method, SendDocument):
            print(f"\n📎 [document {self._file_label(method.document)}]")
            if method.caption:
                print(f"🤖 {to_terminal(method.caption)}")
        elif isinstance(method, SendVoice | SendVideo):
            kind = "voice" if isinstance(method, SendVoice) else "video"
            print(f"\n🎞  [{kind}]" + (f" {to_terminal(method.caption)}" if method.caption else ""))
        elif isinstance(method, SendPoll):
            self.show_poll(method, result.poll.id)
        elif isinstance(method, AnswerCallbackQuery) and method.text:
            print(f"\n💬 {method.text}")

    def show_poll(self, method: SendPoll, poll_id: str) -> None:
        """A quiz poll, its options numbered: the next number answers it."""
        options = tuple(
            option if isinstance(option, str) else option.text for option in method.options
        )
        print(f"\n❓ {method.question}")
        for number, text in enumerate(options, start=1):
            print(f"   {number}) {text}")
        correct = tuple(method.correct_option_ids or ())
        self.poll = ShownPoll(poll_id, options, correct, method.explanation)
        self.polls_shown += 1
        self.latest = "poll"
        print(f"{DIM}(type the number of your answer){RESET}")

    def answer(self, index: int) -> str:
        """Answer the poll on screen with option `index`: Telegram's verdict, and the poll id."""
        assert self.poll is not None
        print("\n".join(["", *self.poll.verdict(index)]))
        poll_id, self.poll = self.poll.poll_id, None
        return poll_id

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

    def _file_label(self, file: InputFile | str) -> str:
        """An uploaded file is saved to be opened; a file id or a link is shown as it is."""
        if isinstance(file, InputFile) and self.uploads is not None:
            return f"saved as {self.uploads.save(file.filename or 'document')}"
        return str(getattr(file, "filename", None) or file)

    def _choices(self) -> int:
        """How many numbers the choice shown last has."""
        if self.latest == "poll" and self.poll is not None:
            return len(self.poll.options)
        return len(self.buttons) if self.latest == "buttons" else 0

    def choice(self, line: str) -> tuple[str, int] | None:
        """A typed number as ("poll" or "buttons", index), for the choice shown last."""
        if not line.isdecimal() or not 0 < int(line) <= self._choices():
            return None
        assert self.latest is not None
        return self.latest, int(line) - 1

    def out_of_range(self, line: str) -> str | None:
        """The hint for a number that no option or button shown last has ("Pick 1–3")."""
        count = self._choices()
        if not line.isdecimal() or not count or self.choice(line) is not None:
            return None
        what = "options" if self.latest == "poll" else "buttons"
        picks = f"1–{count}" if count > 1 else "1"
        return f"Pick {picks} (the {what} shown last)."


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
    samples = await seed_sample_learners(factory, clock.now(), DEMO_USER.id)
    session = OfflineSession()
    names = dict(zip(sample_chat_ids(), (s.name for s in SAMPLES), strict=True))
    terminal = Terminal(names, Uploads(session.uploads, DEMO_FILES))
    original = session.make_request

    async def make_request(bot: Any, method: Any, timeout: int | None = None) -> Any:
        result = await original(bot, method, timeout)
        terminal.show(method, result)
        return result

    session.make_request = make_request  # type: ignore[method-assign]
    bot = build_bot(DEMO_TOKEN, session=session)
    course_cache = CourseCache()
    # The demo learner is an admin too, so /admin, /stats and the rest can be tried.
    dispatcher = build_dispatcher(
        factory, clock, course_cache=course_cache, admin_ids={DEMO_USER.id}
    )
    dispatcher["review_own_work"] = True  # one person: their assignments come back to them
    scheduler = DemoScheduler(build_jobs(settings, engine, bot, clock, course_cache))
    await scheduler.run((JobName.DASHBOARD_DAYS,))  # the admin's charts from the first look
    served = contextlib.AsyncExitStack()
    dashboard_url = await served.enter_async_context(
        demo_dashboard(
            settings, DEMO_TOKEN, factory, clock, course_cache, frozenset({DEMO_USER.id})
        )
    )
    print(f"{BOLD}LearnBot demo{RESET} — type /start, then numbers to press buttons. Ctrl-D quits.")
    print(
        f"{DIM}An assignment takes [photo], [document], [voice] or [video] typed as a line; "
        f"your submissions come back to you to review (/reviews).{RESET}"
    )
    print(
        f"{DIM}Database: {DEMO_FILE}; files the bot sends: {DEMO_FILES}/; logs: {DEMO_LOG}.{RESET}"
    )
    if samples:
        print(f"{DIM}Sample learners added: {', '.join(samples)}.{RESET}")
    print_dashboard_links(dashboard_url, clock.now())
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
            if (hint := terminal.out_of_range(line)) is not None:
                print(f"\n{hint}")
                continue
            update = _update(next(update_ids), line, terminal, chat)
            polls_shown = terminal.polls_shown
            await dispatcher.feed_update(bot, update)
            if terminal.polls_shown == polls_shown and (lesson_id := _quiz_pressed(update)):
                # "Your quiz is waiting above": in a terminal, above has scrolled away.
                await _show_open_question(factory, course_cache, terminal, lesson_id)
            await scheduler.run(AFTER_EVERY_MESSAGE)
    finally:
        ticking.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticking
        await served.aclose()
        await engine.dispose()
    return 0


def print_dashboard_links(base: str | None, now: datetime) -> None:
    """The Mini App's links: as the demo learner, as the demo admin (the same person), and
    as a sample learner with a few weeks behind them."""
    if base is None:
        print(f"{DIM}The dashboard is off: its port is taken (WEBAPP_PORT).{RESET}")
        return
    sample_id, sample_name = sample_chat_ids()[0], SAMPLES[0].name
    links = (
        ("as you, the learner", demo_link(base, DEMO_TOKEN, DEMO_USER.id, "Demo", now)),
        ("as you, the admin", demo_link(base, DEMO_TOKEN, DEMO_USER.id, "Demo", now, "school")),
        (f"as {sample_name}", demo_link(base, DEMO_TOKEN, sample_id, sample_name, now)),
    )
    print(f"{BOLD}Dashboard{RESET} (the Mini App; open a link in a browser, valid for an hour):")
    for label, url in links:
        print(f"  {label}: {url}")


def _update(update_id: int, line: str, terminal: Terminal, chat: Chat) -> Update:
    now = datetime.now(UTC)
    match terminal.choice(line):
        case ("poll", index):
            answer = PollAnswer(
                poll_id=terminal.answer(index),
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
        message_id=10_000 + update_id, date=now, chat=chat, from_user=DEMO_USER, **_content(line)
    )
    return Update(update_id=update_id, message=message)


def _content(line: str) -> dict[str, Any]:
    """A typed line as a message: text, or `[photo]`, `[document]`, `[voice]`, `[video]` as
    that kind of file (a made-up file_id: an assignment field takes it like a real one)."""
    file_id = f"demo-{line.strip('[]')}-{uuid.uuid4().hex[:8]}"
    match line:
        case "[photo]":
            return {
                "photo": [PhotoSize(file_id=file_id, file_unique_id=file_id, width=1, height=1)]
            }
        case "[document]":
            return {
                "document": Document(file_id=file_id, file_unique_id=file_id, file_name="notes.pdf")
            }
        case "[voice]":
            return {"voice": Voice(file_id=file_id, file_unique_id=file_id, duration=3)}
        case "[video]":
            return {
                "video": Video(
                    file_id=file_id, file_unique_id=file_id, width=1, height=1, duration=3
                )
            }
    return {"text": line}


def _quiz_pressed(update: Update) -> int | None:
    """The lesson whose quiz button the update pressed, if it pressed one."""
    data = update.callback_query.data if update.callback_query is not None else None
    if data is None or not data.startswith(f"{QuizCb.__prefix__}{QuizCb.__separator__}"):
        return None
    return QuizCb.unpack(data).lesson_id


async def _show_open_question(
    factory: async_sessionmaker[AsyncSession],
    course_cache: CourseCache,
    terminal: Terminal,
    lesson_id: int,
) -> None:
    """Show the demo learner's unanswered question of a lesson's quiz again, as it was sent
    (maybe by an earlier run of the demo): the next number answers it."""
    async with factory() as session:
        catalogue = await course_cache.get(session)
        poll = await session.scalar(
            select(QuizPoll)
            .join(Learner, Learner.id == QuizPoll.user_id)
            .where(
                Learner.telegram_id == DEMO_USER.id,
                QuizPoll.lesson_id == lesson_id,
                QuizPoll.answered_at.is_(None),
            )
            .order_by(QuizPoll.id.desc())
            .limit(1)
        )
    lesson = catalogue.lesson(lesson_id)
    if poll is None or lesson is None:
        return
    question = next((q for q in lesson.questions if q.id == poll.question_id), None)
    if question is None:
        return
    order = tuple(poll.option_order or range(len(question.options)))
    counter = f"{lesson.questions.index(question) + 1}/{len(lesson.questions)}"
    terminal.show_poll(quiz_poll(DEMO_USER.id, question, order, counter=counter), poll.poll_id)
