"""The catalogue at a million learners on MariaDB/MySQL.

    .venv/bin/python -m bench.courses [--learners 1000000] [--courses 50] [--samples 400]

Seeds `--learners` learners, `--courses` published courses (2 modules of 3 lessons each,
every fifth course starting a chain of prerequisites), three journeys per learner (the
current course ACTIVE, one PAUSED, one COMPLETED) and two completed lessons each. Then,
through the real dispatcher, for random learners: p50/p95, SQL statements and COMMITs per
update of `/courses` and of a course's card (the button), printed beside the baseline
measured in the same run on the same rows: `/modules`, the command a learner sent before
there was a catalogue (targets: at most 3 statements, no COMMIT, p95 ≤ 30 ms).

Last, the daily-lessons selection for one time slot (the job's own query, `due_for_daily_
lesson`) with and without the pause filter the job now applies to its result in Python:
the selection's SQL is the one it was, so the filter is all a pause adds.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime

from aiogram import Bot, Dispatcher
from aiogram.types import CallbackQuery, Chat, Message, Update, User
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.common import (
    StatementCounter,
    create_numbers,
    current_kind,
    peak_rss_mb,
    percentile,
    throwaway_mysql,
)
from bot.entry.app import build_bot, build_dispatcher
from bot.entry.offline import OfflineSession
from bot.rules.clock import SystemClock
from bot.rules.learning.pause import is_paused
from bot.rules.reach.pushes import DAILY_LESSON_GRACE, due_for_daily_lesson, slot
from bot.telegram.callbacks import CourseAction, CourseCb
from db.engine import create_engine, create_session_factory
from db.migrate import upgrade_to_head

FIRST_ID = 1_000_000_000
MODULES, LESSONS = 2, 3  # per course, per module
SLOTS = 36  # lesson times 06:00 … 23:30, every half hour


async def seed(url: str, learners: int, courses: int) -> None:
    """Courses, learners, journeys and progress, generated inside the server."""
    engine = create_engine(url)
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    lessons = MODULES * LESSONS
    async with engine.begin() as conn:
        await create_numbers(conn)
        statements = [
            "INSERT INTO courses (id, slug, title, description, `order`, is_published,"
            " created_at, updated_at) SELECT n + 1, CONCAT('course-', n), CONCAT('Course ', n),"
            " 'A course.', n + 1, 1, :now, :now FROM seq WHERE n < :courses",
            "INSERT INTO course_prerequisites (course_id, required_course_id)"
            " SELECT n + 1, n FROM seq WHERE n > 0 AND n < :courses AND n % 5 <> 0",
            f"INSERT INTO modules (id, course_id, title, `order`, is_published, slug, created_at,"
            f" updated_at) SELECT n + 1, n DIV {MODULES} + 1, CONCAT('Module ', n), n + 1, 1,"
            f" CONCAT('m', n), :now, :now FROM seq WHERE n < :courses * {MODULES}",
            f"INSERT INTO module_prerequisites (module_id, required_module_id)"
            f" SELECT n + 1, n FROM seq WHERE n < :courses * {MODULES} AND n % {MODULES} <> 0",
            f"INSERT INTO lessons (id, module_id, title, content, `order`, estimated_duration,"
            f" is_published, slug, points, pass_mark, created_at, updated_at)"
            f" SELECT n + 1, n DIV {LESSONS} + 1, CONCAT('Lesson ', n), 'A lesson.',"
            f" n % {LESSONS} + 1, 3, 1, CONCAT('l', n), 50, 60, :now, :now"
            f" FROM seq WHERE n < :courses * {lessons}",
            f"INSERT INTO users (telegram_id, first_name, is_active, time_zone, lesson_minute,"
            f" reminders_enabled, show_on_leaderboard, role, onboarded_at, last_seen_at,"
            f" current_course_id, created_at, updated_at) SELECT :first + n,"
            f" CONCAT('Learner ', n), 1, 'UTC', 360 + 30 * (n % {SLOTS}), 1, 1, 'LEARNER',"
            f" :now, :now, n % :courses + 1, :now, :now FROM seq WHERE n < :learners",
            "INSERT INTO user_stats (user_id, updated_at) SELECT id, :now FROM users",
            # Three journeys: the current course, the next one (paused), the one after (done).
            "INSERT INTO user_journeys (user_id, course_id, status, started_at, completed_at,"
            " created_at, updated_at) SELECT u.id, (u.current_course_id - 1 + k.d) % :courses"
            " + 1, ELT(k.d + 1, 'ACTIVE', 'PAUSED', 'COMPLETED'), :now,"
            " IF(k.d = 2, :now, NULL), :now, :now FROM users u JOIN digits k ON k.d < 3",
            f"INSERT INTO user_progress (user_id, lesson_id, status, score, attempts, started_at,"
            f" completed_at, created_at, updated_at) SELECT u.id,"
            f" (u.current_course_id - 1) * {lessons} + 1 + k.d, 'COMPLETED', 100, 1, :now,"
            f" :now, :now, :now FROM users u JOIN digits k ON k.d < 2",
        ]
        values = {"now": now, "courses": courses, "learners": learners, "first": FIRST_ID}
        for statement in statements:
            await conn.execute(text(statement), values)
    await engine.dispose()


def command(telegram_id: int, index: int, body: str) -> Update:
    user = User(id=telegram_id, is_bot=False, first_name=f"Learner {telegram_id - FIRST_ID}")
    chat = Chat(id=telegram_id, type="private")
    message = Message(message_id=index, date=datetime.now(UTC), chat=chat, from_user=user,
                      text=body)  # fmt: skip
    return Update(update_id=index, message=message)


def card(telegram_id: int, index: int, course_id: int) -> Update:
    message = command(telegram_id, index, "/courses").message
    assert message is not None
    assert message.from_user is not None
    data = CourseCb(action=CourseAction.OPEN, course_id=course_id).pack()
    callback = CallbackQuery(id=str(index), from_user=message.from_user, chat_instance="c",
                             message=message, data=data)  # fmt: skip
    return Update(update_id=index, callback_query=callback)


async def measure(
    dispatcher: Dispatcher, bot: Bot, offline: OfflineSession, kind: str, updates: list[Update]
) -> list[float]:
    """Seconds per update; statements and commits are counted under `kind`."""
    token = current_kind.set(kind)
    times = []
    try:
        for update in updates:
            started = time.perf_counter()
            await dispatcher.feed_update(bot, update)
            times.append(time.perf_counter() - started)
            offline.calls.clear()
            offline.results.clear()
    finally:
        current_kind.reset(token)
    return times


async def run(url: str, learners: int, courses: int, samples: int) -> None:
    await upgrade_to_head(url)
    started = time.perf_counter()
    await seed(url, learners, courses)
    print(
        f"seeded {learners:,} learners, {courses} courses, {3 * learners:,} journeys in"
        f" {time.perf_counter() - started:.1f} s"
    )
    engine = create_engine(url)
    counter = StatementCounter(engine)
    factory = create_session_factory(engine)
    offline = OfflineSession()
    bot = build_bot("42:BENCH", session=offline)
    dispatcher = build_dispatcher(factory, SystemClock())
    rng = random.Random(23)

    def someone() -> int:
        return FIRST_ID + rng.randrange(learners)

    await dispatcher.feed_update(bot, command(someone(), 0, "/courses"))  # loads the catalogue
    offline.calls.clear()
    offline.results.clear()
    kinds: list[tuple[str, Callable[[int], Update]]] = [
        ("/modules (baseline)", lambda i: command(someone(), i, "/modules")),
        ("/courses", lambda i: command(someone(), i, "/courses")),
        ("course card", lambda i: card(someone(), i, rng.randrange(courses) + 1)),
    ]
    times: dict[str, list[float]] = {kind: [] for kind, _make in kinds}
    index = 1
    for _round in range(2):  # interleaved: the shared machine's noise hits each kind alike
        for kind, make in kinds:
            updates = [make(index + i) for i in range(samples // 2)]
            index += len(updates)
            times[kind] += await measure(dispatcher, bot, offline, kind, updates)
    for kind, values in times.items():
        values.sort()
        print(
            f"{kind}: p50 {1000 * percentile(values, 0.5):.1f} ms, p95"
            f" {1000 * percentile(values, 0.95):.1f} ms;"
            f" {counter.statements[kind] / len(values):.2f} statements and"
            f" {counter.commits[kind] / len(values):.2f} COMMITs per update,"
            f" over {len(values)} learners"
        )
    await slot_selection(factory)
    await engine.dispose()
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


async def slot_selection(factory: async_sessionmaker[AsyncSession]) -> None:
    """The daily-lessons selection for one slot, as before and with the pause filter."""
    at = datetime(2026, 6, 1, 9, 5, tzinfo=UTC)
    window = slot("UTC", at, DAILY_LESSON_GRACE)
    before, after = [], []
    found = 0
    for _ in range(5):
        async with factory() as session:
            started = time.perf_counter()
            due = await due_for_daily_lesson(session, window)
            before.append(time.perf_counter() - started)
            found = len([user for user in due if not is_paused(user, at)])
            after.append(time.perf_counter() - started)
    print(
        f"daily-lessons selection, one slot ({found:,} learners due): the query as before"
        f" {1000 * sorted(before)[2]:.0f} ms; with the pause filter {1000 * sorted(after)[2]:.0f}"
        " ms (medians of 5)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1_000_000)
    parser.add_argument("--courses", type=int, default=50)
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--mysql", help="server URL (default: BENCH_MYSQL_URL or root@127.0.0.1)")
    args = parser.parse_args()
    with throwaway_mysql(args.mysql) as url:
        asyncio.run(run(url, args.learners, args.courses, args.samples))


if __name__ == "__main__":
    main()
