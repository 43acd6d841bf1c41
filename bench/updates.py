"""Updates through the real dispatcher and handlers on MariaDB/MySQL, no network.

    .venv/bin/python -m bench.updates [--learners 1000] [--concurrency 32] [--rows N]

Each learner plays a conversation (/learn, /modules, the lesson button, the quiz
button and its answers, which complete lessons), learners run 32 at a time. Prints
updates/s, latency percentiles, SQL statements and commits per update by kind, and
peak RSS; then, in the same run, the baselines the figures are judged against (this
machine is shared, so only ratios measured together mean anything):

- the same updates, kind for kind, through a bare aiogram `Dispatcher` whose one handler
  answers once, through the same offline Bot API session at the same concurrency;
- the floors a database puts under any bot on this stack: that bare handler first reading
  the learner (one SQLAlchemy ORM SELECT over aiomysql), then also writing a row and
  committing;
- p95 when the updates are offered open loop at a quarter of LearnBot's own throughput
  (latency counted from when each update was due, so a slow answer cannot hide the queue);
- with `--rows N`: the same conversations with N learners in the tables instead of
  `--learners` (the same mix, more rows);
- memory: the peak RSS of a polling bot (`bench/polling_bot.py`: a process of its own,
  started as `learnbot run` starts, playing a third set of learners' conversations; the
  seeding and migrations here do not count) against a process that only imports aiogram.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import SendPoll, TelegramMethod
from aiogram.types import CallbackQuery, Chat, Message, PollAnswer, Update, User
from sqlalchemy import insert, text

from bench.common import (
    StatementCounter,
    current_kind,
    peak_rss_mb,
    percentile,
    throwaway_mysql,
)
from bot.entry.app import build_bot, build_dispatcher
from bot.entry.database import BUNDLED_COURSE
from bot.entry.offline import OfflineSession
from bot.rules.clock import SystemClock
from bot.rules.course import CourseCache
from bot.rules.learners import get_learner, log_activity
from bot.telegram.callbacks import LessonCb, QuizCb
from db.engine import create_engine, create_session_factory
from db.enums import ActivityType
from db.migrate import upgrade_to_head
from db.models import User as UserRow

FIRST_TELEGRAM_ID = 10_000_000


class BenchSession(OfflineSession):
    """Remembers the latest poll sent to each chat, so a learner can answer it."""

    def __init__(self, *, poll_prefix: str = "poll") -> None:
        super().__init__(poll_prefix=poll_prefix)
        self.open_polls: dict[int, tuple[str, list[int]]] = {}

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        result = await super().make_request(bot, method, timeout)
        self.calls.clear()
        self.results.clear()
        if isinstance(method, SendPoll):
            self.open_polls[int(method.chat_id)] = (
                result.poll.id,
                method.correct_option_ids or [0],
            )
        return result


class Learner:
    update_ids = itertools.count(1)

    def __init__(self, telegram_id: int, dispatcher: Any, bot: Bot, session: BenchSession) -> None:
        self.user = User(id=telegram_id, is_bot=False, first_name="Bench", language_code="en")
        self.chat = Chat(id=telegram_id, type="private")
        self.dispatcher, self.bot, self.session = dispatcher, bot, session
        self.latencies: dict[str, list[float]] = defaultdict(list)

    async def feed(self, kind: str, update: Update) -> None:
        current_kind.set(kind)
        started = time.perf_counter()
        await self.dispatcher.feed_update(self.bot, update)
        self.latencies[kind].append(time.perf_counter() - started)

    def _message(self, text: str) -> Update:
        message = Message(message_id=next(self.update_ids), date=datetime.now(UTC), chat=self.chat,
                          from_user=self.user, text=text)  # fmt: skip
        return Update(update_id=next(self.update_ids), message=message)

    def _press(self, data: str) -> Update:
        message = Message(message_id=1, date=datetime.now(UTC), chat=self.chat)
        callback = CallbackQuery(id=str(next(self.update_ids)), from_user=self.user,
                                 chat_instance="bench", message=message, data=data)  # fmt: skip
        return Update(update_id=next(self.update_ids), callback_query=callback)

    async def take_quiz(self, lesson_id: int, questions: int) -> None:
        await self.feed("quiz button", self._press(QuizCb(lesson_id=lesson_id).pack()))
        for number in range(questions):
            poll_id, correct = self.session.open_polls[self.user.id]
            kind = "quiz answer (completes)" if number == questions - 1 else "quiz answer"
            answer = PollAnswer(
                poll_id=poll_id,
                option_ids=correct,
                option_persistent_ids=[str(i) for i in correct],
                user=self.user,
            )
            await self.feed(kind, Update(update_id=next(self.update_ids), poll_answer=answer))

    async def play(self, lessons: list[tuple[int, int]]) -> None:
        (first, first_questions), (second, second_questions) = lessons[:2]
        await self.feed("/learn", self._message("/learn"))
        await self.feed("/modules", self._message("/modules"))
        await self.feed("lesson button", self._press(LessonCb(lesson_id=first).pack()))
        await self.take_quiz(first, first_questions)
        await self.feed("/learn", self._message("/learn"))
        await self.feed("lesson button", self._press(LessonCb(lesson_id=second).pack()))
        await self.take_quiz(second, second_questions)


async def seed(url: str, learners: int) -> list[tuple[int, int]]:
    # Here, not at the top: `bench.polling_bot` imports this module and must hold only
    # what a polling bot holds.
    from bot.rules import content

    await upgrade_to_head(url)
    engine = create_engine(url)
    factory = create_session_factory(engine)
    now = datetime.now(UTC)
    async with factory() as session, session.begin():
        course = content.load_course(BUNDLED_COURSE / "git-essentials")
        await content.apply_import(session, course, SystemClock())
        await session.execute(
            insert(UserRow),
            [
                {"telegram_id": FIRST_TELEGRAM_ID + i, "first_name": "Bench", "language_code": "en",
                 "time_zone": "UTC", "onboarded_at": now, "last_seen_at": now, "created_at": now,
                 "updated_at": now}
                for i in range(learners)
            ],
        )  # fmt: skip
        # Registration gives every learner a stats row; so does the seed.
        await session.execute(
            text("INSERT INTO user_stats (user_id, updated_at) SELECT id, created_at FROM users")
        )
        # Onboarding ends in the one course: it is current, with a journey through it.
        await session.execute(
            text("UPDATE users SET current_course_id = (SELECT MIN(id) FROM courses)")
        )
        await session.execute(
            text(
                "INSERT INTO user_journeys (user_id, course_id, status, started_at, created_at,"
                " updated_at) SELECT id, current_course_id, 'ACTIVE', created_at, created_at,"
                " created_at FROM users"
            )
        )
    async with factory() as session:
        course_map = (await CourseCache().get(session)).courses[0]
    await engine.dispose()
    return [(lesson.id, len(lesson.questions)) for lesson in course_map.lessons]


async def play_all(
    players: list[Learner], lessons: list[tuple[int, int]], concurrency: int
) -> float:
    """Every player's conversation, `concurrency` at a time; returns the seconds it took."""
    queue: asyncio.Queue[Learner] = asyncio.Queue()
    for player in players:
        queue.put_nowait(player)

    async def worker() -> None:
        while not queue.empty():
            await queue.get_nowait().play(lessons)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


async def run(url: str, learners: int, concurrency: int) -> float:
    # The second third plays the open-loop run, the last one the polling bot's.
    lessons = await seed(url, 3 * learners)
    engine = create_engine(url, pool_size=concurrency, max_overflow=0)
    counter = StatementCounter(engine)
    session = BenchSession()
    bot = build_bot("42:BENCH", session=session)
    dispatcher = build_dispatcher(create_session_factory(engine), SystemClock())
    players = [Learner(FIRST_TELEGRAM_ID + i, dispatcher, bot, session) for i in range(learners)]
    elapsed = await play_all(players, lessons, concurrency)
    await engine.dispose()
    report(players, counter, elapsed, concurrency)
    throughput = sum(len(v) for p in players for v in p.latencies.values()) / elapsed
    baseline = await bare_aiogram(lessons, learners, concurrency)
    print(f"baseline, bare aiogram: {baseline:,.0f} updates/s;"
          f" LearnBot {throughput:,.0f} = {throughput / baseline:.2f} × baseline"
          " (target ≥ 0.30)")  # fmt: skip
    await database_floors(url, lessons, learners, concurrency, baseline)
    p95 = await open_loop_p95(url, lessons, FIRST_TELEGRAM_ID + learners, learners,
                              throughput / 4, concurrency, session)  # fmt: skip
    print(f"open loop at {throughput / 4:,.0f} updates/s (a quarter of LearnBot's own):"
          f" p95 {p95:.1f} ms (target ≤ 50)")  # fmt: skip
    started, rss = polling_bot_rss(url, FIRST_TELEGRAM_ID + 2 * learners, learners,
                                   concurrency, lessons)  # fmt: skip
    bare_rss = aiogram_only_rss_mb()
    print(f"polling bot process: peak RSS {started:.0f} MB started,"
          f" {rss:.0f} MB after {learners} learners' conversations")  # fmt: skip
    print(f"peak RSS {rss:.0f} MB; a process importing aiogram only {bare_rss:.0f} MB:"
          f" {rss / bare_rss:.2f} × (target ≤ 1.3)")  # fmt: skip
    return throughput


def report(
    players: list[Learner], counter: StatementCounter, elapsed: float, concurrency: int
) -> None:
    by_kind: dict[str, list[float]] = defaultdict(list)
    for player in players:
        for kind, values in player.latencies.items():
            by_kind[kind].extend(values)
    every = sorted(value for values in by_kind.values() for value in values)
    print(f"learners: {len(players)}, concurrency: {concurrency}, updates: {len(every)}")
    print(f"throughput: {len(every) / elapsed:,.0f} updates/s over {elapsed:.1f} s")
    print(
        "latency ms: p50 {:.1f}  p95 {:.1f}  p99 {:.1f}  max {:.1f}".format(
            *(1000 * percentile(every, f) for f in (0.5, 0.95, 0.99, 1.0))
        )
    )
    header = ("kind", "updates", "p50 ms", "p95 ms", "stmts/upd", "commits/upd")
    print("{:26} {:>8} {:>7} {:>7} {:>10} {:>12}".format(*header))
    for kind, values in sorted(by_kind.items()):
        values.sort()
        print(
            f"{kind:26} {len(values):8d} {1000 * percentile(values, 0.5):7.1f}"
            f" {1000 * percentile(values, 0.95):7.1f}"
            f" {counter.statements[kind] / len(values):10.2f}"
            f" {counter.commits[kind] / len(values):12.2f}"
        )
    print(f"peak RSS: {peak_rss_mb():.0f} MB (this bench process: seeding and migrations too)")


def conversation_updates(telegram_id: int, lessons: list[tuple[int, int]]) -> list[Update]:
    """The updates of one learner's conversation, kind for kind, for the bare baseline."""
    player = Learner(telegram_id, None, None, None)  # type: ignore[arg-type]
    updates = []
    for lesson_id, questions in lessons[:2]:
        updates.append(player._message("/learn"))
        updates.append(player._press(LessonCb(lesson_id=lesson_id).pack()))
        updates.append(player._press(QuizCb(lesson_id=lesson_id).pack()))
        for _ in range(questions):
            answer = PollAnswer(poll_id="p", option_ids=[0], option_persistent_ids=["0"],
                                user=player.user)  # fmt: skip
            updates.append(Update(update_id=next(player.update_ids), poll_answer=answer))
    updates.append(player._message("/modules"))
    return updates


Work = Callable[[int], Awaitable[None]]


async def bare_aiogram(
    lessons: list[tuple[int, int]], learners: int, concurrency: int, work: Work | None = None
) -> float:
    """Updates/s of a bare Dispatcher answering every update once, same session, same mix;
    with `work`, its handler first does that with the learner's Telegram id."""
    session = BenchSession()
    bot = build_bot("42:BASELINE", session=session)
    dispatcher = Dispatcher()

    async def answer(event: Any, event_from_user: User) -> None:
        if work is not None:
            await work(event_from_user.id)
        await bot.send_message(event_from_user.id, "ok")

    for observer in (dispatcher.message, dispatcher.callback_query, dispatcher.poll_answer):
        observer.register(answer)
    queue: asyncio.Queue[list[Update]] = asyncio.Queue()
    total = 0
    for i in range(learners):
        updates = conversation_updates(FIRST_TELEGRAM_ID + i, lessons)
        total += len(updates)
        queue.put_nowait(updates)

    async def worker() -> None:
        while not queue.empty():
            for update in queue.get_nowait():
                await dispatcher.feed_update(bot, update)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return total / (time.perf_counter() - started)


async def database_floors(
    url: str, lessons: list[tuple[int, int]], learners: int, concurrency: int, baseline: float
) -> None:
    """What any bot on this stack pays per update before doing anything: the bare Dispatcher
    again, its handler first reading the learner (one ORM SELECT in a session of its own),
    then also writing one row and committing, through an engine like LearnBot's."""
    engine = create_engine(url, pool_size=concurrency, max_overflow=0)
    factory = create_session_factory(engine)

    async def read(telegram_id: int) -> None:
        async with factory() as session:
            await get_learner(session, telegram_id)

    async def read_and_write(telegram_id: int) -> None:
        async with factory() as session:
            learner = await get_learner(session, telegram_id)
            assert learner is not None
            await log_activity(session, learner.id, ActivityType.LOGIN, datetime.now(UTC))
            await session.commit()

    for label, work in (("one ORM read", read), ("one read, one INSERT, COMMIT", read_and_write)):
        floor = await bare_aiogram(lessons, learners, concurrency, work)
        print(f"floor, bare aiogram + {label}: {floor:,.0f} updates/s ="
              f" {floor / baseline:.2f} × baseline")  # fmt: skip
    await engine.dispose()


async def open_loop_p95(
    url: str,
    lessons: list[tuple[int, int]],
    first: int,
    learners: int,
    rate: float,
    concurrency: int,
    session: BenchSession,
) -> float:
    """p95 (ms) with each of `concurrency` learners sending its next update when it is due."""
    engine = create_engine(url, pool_size=concurrency, max_overflow=0)
    bot = build_bot("42:BENCH", session=session)
    dispatcher = build_dispatcher(create_session_factory(engine), SystemClock())
    interval = concurrency / rate
    latencies: list[float] = []
    queue: asyncio.Queue[Learner] = asyncio.Queue()
    for i in range(learners):
        queue.put_nowait(Learner(first + i, dispatcher, bot, session))

    async def worker(offset: float) -> None:
        due = time.perf_counter() + offset
        while not queue.empty():
            player = queue.get_nowait()
            original = player.feed

            async def paced(kind: str, update: Update, player: Learner = player) -> None:
                nonlocal due
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                await dispatcher.feed_update(player.bot, update)
                latencies.append(time.perf_counter() - due)
                due += interval

            player.feed = paced  # type: ignore[method-assign]
            await player.play(lessons)
            player.feed = original  # type: ignore[method-assign]

    await asyncio.gather(*(worker(i * interval / concurrency) for i in range(concurrency)))
    await engine.dispose()
    latencies.sort()
    return 1000 * percentile(latencies, 0.95)


def polling_bot_rss(
    url: str, first: int, learners: int, concurrency: int, lessons: list[tuple[int, int]]
) -> tuple[float, float]:
    """Peak RSS (MB) of a polling bot's process after its start and after `learners`
    conversations from `first` on (see `bench/polling_bot.py`)."""
    pairs = ",".join(f"{lesson}:{questions}" for lesson, questions in lessons)
    args = [url, str(first), str(learners), str(concurrency), pairs]
    # Its log (a failed update, say) goes to our stderr.
    output = subprocess.run([sys.executable, "-m", "bench.polling_bot", *args],
                            stdout=subprocess.PIPE, text=True, check=True).stdout  # fmt: skip
    started, peak = output.split()[-2:]
    return float(started), float(peak)


def aiogram_only_rss_mb() -> float:
    """Peak RSS of a fresh process that imports aiogram and nothing of ours."""
    # VmHWM, as own_peak_rss_mb reads it (bench.common itself would load SQLAlchemy).
    code = (
        "import aiogram, aiogram.types, aiogram.utils.i18n;"
        "print(next(int(l.split()[1]) for l in open('/proc/self/status')"
        " if l.startswith('VmHWM')) / 1024)"
    )
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                text=True, check=True).stdout)  # fmt: skip


async def scaled(url: str, rows: int, learners: int, concurrency: int) -> float:
    """Throughput of `learners` conversations with `rows` learners in the tables."""
    lessons = await seed(url, rows)
    engine = create_engine(url, pool_size=concurrency, max_overflow=0)
    session = BenchSession()
    bot = build_bot("42:BENCH", session=session)
    dispatcher = build_dispatcher(create_session_factory(engine), SystemClock())
    players = [Learner(FIRST_TELEGRAM_ID + i, dispatcher, bot, session) for i in range(learners)]
    elapsed = await play_all(players, lessons, concurrency)
    await engine.dispose()
    return sum(len(v) for p in players for v in p.latencies.values()) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rows", type=int, help="also run with this many learners in the tables")
    parser.add_argument("--mysql", help="server URL (default: BENCH_MYSQL_URL or root@127.0.0.1)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with throwaway_mysql(args.mysql) as url:
        throughput = asyncio.run(run(url, args.learners, args.concurrency))
    if args.rows:
        with throwaway_mysql(args.mysql) as url:
            more = asyncio.run(scaled(url, args.rows, args.learners, args.concurrency))
        print(f"with {args.rows:,} learners in the tables: {more:,.0f} updates/s ="
              f" {more / throughput:.2f} × the run above (target ≥ 0.9)")  # fmt: skip


if __name__ == "__main__":
    main()
