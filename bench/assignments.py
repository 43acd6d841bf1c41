"""Assignments with a backlog, on MariaDB/MySQL.

    .venv/bin/python -m bench.assignments [--learners 100000] [--size 50] [--samples 300]

Seeds `learners` learners, each with one submission waiting for review (100,000 waiting,
the oldest first in the second half), the first half in cohorts of `size` with a mentor
each, the other half with no mentor (the admins review them). Prints, each beside a
baseline timed in the same run:
- the admin's /reviews (50,000 waiting for them, 100,000 in all): p50/p95 and statements
  per update, the handler's own apart from the learner middleware's;
- a mentor's /reviews (their cohort's 50);
- baselines: a learner's /progress, and the admin's (an admin's update passes the admin
  router's filters first).
Targets: /reviews p95 ≤ 30 ms and ≤ 3 statements of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from datetime import UTC, datetime

from aiogram import Bot, Dispatcher
from aiogram.types import Chat, Message, Update, User
from sqlalchemy import text

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
from bot.rules.clock import FixedClock
from db.engine import create_engine, create_session_factory
from db.migrate import upgrade_to_head

FIRST_ID = 1_000_000_000
FIRST_MENTOR_ID = 2_000_000_000
ADMIN_ID = 3_000_000_000
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
ASSIGNMENT = {
    "review": "mentor",
    "fields": [
        {"id": "woop.wish", "prompt": "Your wish", "kind": "text", "required": True,
         "min": 3, "max": 80, "options": []},
    ],
}  # fmt: skip


async def seed(url: str, learners: int, size: int) -> None:
    """Learner n waits since n minutes before NOW; the first half sit in cohorts of `size`,
    cohort c mentored by mentor c."""
    engine = create_engine(url)
    now = NOW.replace(tzinfo=None)
    mentored = learners // 2
    async with engine.begin() as conn:
        await create_numbers(conn)
        statements = [
            "INSERT INTO courses (slug, title, `order`, is_published, created_at, updated_at)"
            " VALUES ('bench', 'Bench course', 1, 1, :now, :now)",
            "INSERT INTO modules (course_id, title, `order`, is_published, slug, created_at,"
            " updated_at) SELECT id, 'Bench module', 1, 1, 'bench', :now, :now FROM courses",
            "INSERT INTO lessons (module_id, title, content, `order`, is_published, slug,"
            " points, pass_mark, assignment, created_at, updated_at) SELECT id, 'Your wish',"
            " 'Body', 1, 1, 'wish', 50, 60, :assignment, :now, :now FROM modules",
            "INSERT INTO users (telegram_id, first_name, is_active, time_zone, lesson_minute,"
            " reminders_enabled, show_on_leaderboard, role, onboarded_at, last_seen_at,"
            " created_at, updated_at) SELECT :first + n, CONCAT('Learner ', n), 1, 'UTC', 540,"
            " 1, 1, 'LEARNER', :now, :now, :now, :now FROM seq WHERE n < :learners",
            "INSERT INTO user_progress (user_id, lesson_id, status, attempts, started_at,"
            " created_at, updated_at) SELECT u.id, l.id, 'IN_PROGRESS', 0, :now, :now, :now"
            " FROM users u, lessons l",
            "INSERT INTO cohorts (name, code, joining_open, created_at) SELECT"
            " CONCAT('Cohort ', n), CONCAT('c', n), 1, :now FROM seq WHERE n < :cohorts",
            "INSERT INTO cohort_members (cohort_id, user_id, joined_at) SELECT"
            " (telegram_id - :first) DIV :size + 1, id, :now FROM users"
            " WHERE telegram_id < :first + :mentored",
            "INSERT INTO users (telegram_id, first_name, is_active, time_zone, lesson_minute,"
            " reminders_enabled, show_on_leaderboard, role, onboarded_at, last_seen_at,"
            " created_at, updated_at) SELECT :mentors + n, CONCAT('Mentor ', n), 1, 'UTC', 540,"
            " 1, 1, 'LEARNER', :now, :now, :now, :now FROM seq WHERE n < :cohorts",
            "INSERT INTO cohort_roles (cohort_id, user_id, role, added_at) SELECT"
            " telegram_id - :mentors + 1, id, 'MENTOR', :now FROM users"
            " WHERE telegram_id >= :mentors AND telegram_id < :admin",
            "INSERT INTO submissions (user_id, lesson_id, cohort_id, version, status, data,"
            " created_at, updated_at, submitted_at) SELECT u.id, l.id, IF(u.telegram_id < :first"
            " + :mentored, (u.telegram_id - :first) DIV :size + 1, NULL), 1, 'SUBMITTED',"
            " JSON_OBJECT('woop.wish', JSON_OBJECT('kind', 'text', 'text', CONCAT('Wish ', u.id))),"
            " :now, :now, DATE_SUB(:now, INTERVAL u.telegram_id - :first MINUTE)"
            " FROM users u, lessons l WHERE u.telegram_id < :first + :learners",
            "INSERT INTO users (telegram_id, first_name, is_active, time_zone, lesson_minute,"
            " reminders_enabled, show_on_leaderboard, role, onboarded_at, last_seen_at,"
            " created_at, updated_at) VALUES (:admin, 'Admin', 1, 'UTC', 540, 1, 1, 'LEARNER',"
            " :now, :now, :now, :now)",
        ]
        values = {"now": now, "first": FIRST_ID, "learners": learners, "size": size,
                  "cohorts": mentored // size, "mentors": FIRST_MENTOR_ID, "admin": ADMIN_ID,
                  "mentored": mentored, "assignment": json.dumps(ASSIGNMENT)}  # fmt: skip
        for statement in statements:
            await conn.execute(text(statement), values)
        await conn.execute(text("ANALYZE TABLE submissions, cohort_members, cohort_roles, users"))
    await engine.dispose()


def message_update(telegram_id: int, index: int, command: str) -> Update:
    user = User(id=telegram_id, is_bot=False, first_name="Someone")
    chat = Chat(id=telegram_id, type="private")
    message = Message(message_id=index, date=NOW, chat=chat, from_user=user, text=command)
    return Update(update_id=index, message=message)


async def timed(
    dispatcher: Dispatcher,
    bot: Bot,
    offline: OfflineSession,
    counter: StatementCounter,
    kind: str,
    updates: list[Update],
) -> tuple[list[float], float]:
    token = current_kind.set(kind)
    values = []
    for update in updates:
        started = time.perf_counter()
        await dispatcher.feed_update(bot, update)
        values.append(time.perf_counter() - started)
        offline.calls.clear()
        offline.results.clear()
    current_kind.reset(token)
    return sorted(values), counter.statements[kind] / len(updates)


def report(name: str, values: list[float], statements: float, own: float | None = None) -> str:
    line = (
        f"{name}: p50 {1000 * percentile(values, 0.5):.1f} ms, p95"
        f" {1000 * percentile(values, 0.95):.1f} ms, {statements:.1f} statements per update"
    )
    return line + (f" (the handler's own: {own:.1f})" if own is not None else "")


async def run(url: str, learners: int, size: int, samples: int) -> None:
    await upgrade_to_head(url)
    started = time.perf_counter()
    await seed(url, learners, size)
    print(f"seeded {learners:,} learners, each with a submission waiting, the first half in"
          f" {learners // 2 // size:,} cohorts of {size}, in"
          f" {time.perf_counter() - started:.1f} s")  # fmt: skip
    engine = create_engine(url)
    counter = StatementCounter(engine)
    factory = create_session_factory(engine)
    offline = OfflineSession()
    bot = build_bot("42:BENCH", session=offline)
    dispatcher = build_dispatcher(factory, FixedClock(NOW), admin_ids={ADMIN_ID})
    rng = random.Random(25)
    cohorts = learners // 2 // size
    mentors = [FIRST_MENTOR_ID + rng.randrange(cohorts) for _ in range(samples)]
    members = [FIRST_ID + rng.randrange(learners) for _ in range(samples)]
    admins = [ADMIN_ID] * samples

    def updates(who: list[int], command: str, first: int) -> list[Update]:
        return [message_update(tid, first + i, command) for i, tid in enumerate(who)]

    # Warm (the course map; each person's first visit writes their language), then the
    # learner middleware's own statements: an unknown command.
    await timed(dispatcher, bot, offline, counter, "warm", updates(admins[:1], "/reviews", 1))
    for who in (mentors, admins, members):
        await timed(dispatcher, bot, offline, counter, "first visit", updates(who, "/x", 10))
    _v, floor = await timed(dispatcher, bot, offline, counter, "floor", updates(admins, "/x", 20))
    runs = [
        ("baseline: learner /progress", members, "/progress"),
        ("mentor /reviews (their cohort's 50)", mentors, "/reviews"),
        ("admin /reviews (50,000 theirs of 100,000 waiting)", admins, "/reviews"),
        ("baseline: the admin's /progress", admins, "/progress"),
    ]
    for number, (name, who, command) in enumerate(runs):
        values, statements = await timed(
            dispatcher, bot, offline, counter, name, updates(who, command, 1000 * (number + 1))
        )
        own = statements - floor if command == "/reviews" else None
        print(report(name, values, statements, own))
    print(f"  the learner middleware's statements (an unknown command): {floor:.1f}")
    await engine.dispose()
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--size", type=int, default=50)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--mysql", help="server URL (default: BENCH_MYSQL_URL or root@127.0.0.1)")
    args = parser.parse_args()
    with throwaway_mysql(args.mysql) as url:
        asyncio.run(run(url, args.learners, args.size, args.samples))


if __name__ == "__main__":
    main()
