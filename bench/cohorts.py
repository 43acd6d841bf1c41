"""Cohorts at a million learners on MariaDB/MySQL.

    .venv/bin/python -m bench.cohorts [--learners 1000000] [--size 50] [--samples 300]

Seeds `learners` learners (onboarded, with stats, a leaderboard row and two lessons of
progress each) in cohorts of `size`, each with a mentor of its own and linked to a group.
Prints, each beside a baseline timed in the same run:
- a mentor's /cohort: p50/p95 and statements per update, beside a learner's /progress;
- the cohort board tab: p50/p95, beside the whole bot's /leaderboard week button;
- the Monday posts: the time to claim every cohort's post in one job run (one INSERT …
  SELECT), beside claiming a broadcast to every learner (per row claimed).
Targets: /cohort p95 ≤ 50 ms and ≤ 4 statements (the handler's, after the learner
middleware's), the board tab p95 ≤ 30 ms, every post claimed in one run.
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
from sqlalchemy import func, select, text

from bench.common import StatementCounter, current_kind, peak_rss_mb, percentile, throwaway_mysql
from bot.entry.app import build_bot, build_dispatcher
from bot.entry.offline import OfflineSession
from bot.rules.clock import FixedClock
from bot.rules.cohorts.boards import claim_weekly_posts
from bot.telegram.callbacks import BoardCb, BoardTab, CohortBoardCb
from db.engine import create_engine, create_session_factory
from db.enums import BroadcastStatus
from db.migrate import upgrade_to_head
from db.models import Broadcast, Cohort, Delivery
from scheduler.broadcasts import claim_statement

FIRST_ID = 1_000_000_000
FIRST_MENTOR_ID = 2_000_000_000  # a mentor per cohort, not one of its members
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
LESSONS = 6


async def seed(url: str, learners: int, size: int) -> None:
    """Everything generated inside the server: learner n is in cohort n // size + 1, which
    mentor n // size (a learner of their own, with no cohort of theirs) mentors."""
    engine = create_engine(url)
    now = MONDAY.replace(tzinfo=None)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TEMPORARY TABLE digits (d INT PRIMARY KEY)"))
        await conn.execute(
            text("INSERT INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)")
        )
        await conn.execute(text("CREATE TEMPORARY TABLE seq (n INT PRIMARY KEY)"))
        await conn.execute(
            text(
                "INSERT INTO seq SELECT a.d + 10*b.d + 100*c.d + 1000*d.d + 10000*e.d"
                " + 100000*f.d + 1000000*g.d FROM digits a, digits b, digits c, digits d,"
                " digits e, digits f, digits g WHERE a.d + 10*b.d + 100*c.d + 1000*d.d"
                " + 10000*e.d + 100000*f.d + 1000000*g.d < :n"
            ),
            {"n": learners},
        )
        statements = [
            "INSERT INTO courses (slug, title, `order`, is_published, created_at, updated_at)"
            " VALUES ('bench', 'Bench course', 1, 1, :now, :now)",
            "INSERT INTO modules (course_id, title, `order`, is_published, slug, created_at,"
            " updated_at) SELECT id, 'Bench module', 1, 1, 'bench', :now, :now FROM courses",
            "INSERT INTO lessons (module_id, title, content, `order`, is_published, slug,"
            " points, pass_mark, created_at, updated_at) SELECT m.id, CONCAT('Lesson ', s.n),"
            " 'Body', s.n, 1, CONCAT('l', s.n), 50, 60, :now, :now FROM modules m, seq s"
            " WHERE s.n BETWEEN 1 AND :lessons",
            "INSERT INTO users (telegram_id, first_name, is_active, time_zone, lesson_minute,"
            " reminders_enabled, show_on_leaderboard, role, onboarded_at, last_seen_at,"
            " created_at, updated_at) SELECT :first + n, CONCAT('Learner ', n), 1, 'UTC', 540,"
            " 1, n % 50 <> 7, 'LEARNER', :now,"
            " DATE_SUB(:now, INTERVAL n % 20 DAY), :now, :now FROM seq",
            "INSERT INTO user_stats (user_id, points, level, current_streak, longest_streak,"
            " lessons_completed, perfect_quizzes, updated_at) SELECT id, id % 5000, 1,"
            " id % 9, id % 30, 2, 0, :now FROM users",
            "INSERT INTO leaderboard_cache (user_id, `rank`, total_score, lessons_completed,"
            " achievements_count, updated_at, week_points) SELECT id, 0, id % 5000, 2, 0, :now,"
            " id % 300 FROM users",
            "INSERT INTO user_progress (user_id, lesson_id, status, score, attempts,"
            " started_at, completed_at, created_at, updated_at) SELECT u.id, l.id, 'COMPLETED',"
            " 100, 1, :now, :now, :now, :now FROM users u JOIN lessons l ON l.`order` <= 2",
            "INSERT INTO cohorts (name, code, joining_open, created_at, group_chat_id)"
            " SELECT CONCAT('Cohort ', n), CONCAT('c', n), 1, :now, -1000000000000 - n"
            " FROM seq WHERE n < :cohorts",
            "INSERT INTO cohort_members (cohort_id, user_id, joined_at) SELECT"
            " (u.telegram_id - :first) DIV :size + 1, u.id, :now FROM users u"
            " WHERE u.telegram_id < :mentors",
            "INSERT INTO users (telegram_id, first_name, is_active, time_zone, lesson_minute,"
            " reminders_enabled, show_on_leaderboard, role, onboarded_at, last_seen_at,"
            " created_at, updated_at) SELECT :mentors + n, CONCAT('Mentor ', n), 1, 'UTC', 540,"
            " 1, 1, 'LEARNER', :now, :now, :now, :now FROM seq WHERE n < :cohorts",
            "INSERT INTO cohort_roles (cohort_id, user_id, role, added_at) SELECT"
            " telegram_id - :mentors + 1, id, 'MENTOR', :now FROM users"
            " WHERE telegram_id >= :mentors",
            "UPDATE cohorts c JOIN cohort_roles r ON r.cohort_id = c.id SET c.group_linked_by"
            " = r.user_id",
        ]
        values = {"now": now, "first": FIRST_ID, "lessons": LESSONS, "size": size,
                  "cohorts": learners // size, "mentors": FIRST_MENTOR_ID}  # fmt: skip
        for statement in statements:
            await conn.execute(text(statement), values)
    await engine.dispose()


def message_update(number: int, index: int, command: str, first: int = FIRST_ID) -> Update:
    telegram_id = first + number
    user = User(id=telegram_id, is_bot=False, first_name=f"Learner {number}")
    chat = Chat(id=telegram_id, type="private")
    message = Message(message_id=index, date=MONDAY, chat=chat, from_user=user, text=command)
    return Update(update_id=index, message=message)


def button_update(number: int, index: int, data: str) -> Update:
    telegram_id = FIRST_ID + number
    user = User(id=telegram_id, is_bot=False, first_name=f"Learner {number}")
    chat = Chat(id=telegram_id, type="private")
    message = Message(message_id=index, date=MONDAY, chat=chat, from_user=user, text="board")
    callback = CallbackQuery(id=str(index), from_user=user, chat_instance="b", message=message,
                             data=data)  # fmt: skip
    return Update(update_id=index, callback_query=callback)


async def timed(
    dispatcher: Dispatcher,
    bot: Bot,
    offline: OfflineSession,
    counter: StatementCounter,
    kind: str,
    updates: list[Update],
) -> tuple[list[float], float]:
    """Seconds per update, sorted; statements per update (the learner middleware's included)."""
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


def report(name: str, values: list[float], statements: float) -> str:
    return (
        f"{name}: p50 {1000 * percentile(values, 0.5):.1f} ms, p95"
        f" {1000 * percentile(values, 0.95):.1f} ms, {statements:.1f} statements per update"
    )


async def run(url: str, learners: int, size: int, samples: int) -> None:
    await upgrade_to_head(url)
    started = time.perf_counter()
    await seed(url, learners, size)
    cohorts = learners // size
    print(f"seeded {learners:,} learners in {cohorts:,} cohorts of {size} in"
          f" {time.perf_counter() - started:.1f} s")  # fmt: skip
    engine = create_engine(url)
    counter = StatementCounter(engine)
    factory = create_session_factory(engine)
    offline = OfflineSession()
    bot = build_bot("42:BENCH", session=offline)
    dispatcher = build_dispatcher(factory, FixedClock(MONDAY))
    rng = random.Random(26)
    mentors = [rng.randrange(cohorts) for _ in range(samples)]
    members = [rng.randrange(learners) for _ in range(samples)]
    # Warm the caches (course map, statements) once before timing.
    warm = [message_update(0, 0, "/cohort", FIRST_MENTOR_ID)]
    await timed(dispatcher, bot, offline, counter, "warm", warm)
    runs: list[tuple[str, Callable[[int, int], Update], list[int]]] = [
        ("mentor /cohort", lambda n, i: message_update(n, i, "/cohort", FIRST_MENTOR_ID),
         mentors),
        ("baseline: learner /progress", lambda n, i: message_update(n, i, "/progress"), members),
        ("cohort board tab", lambda n, i: button_update(
            n, i, CohortBoardCb(cohort_id=n // size + 1, week=True).pack()), members),
        ("baseline: /leaderboard week button",
         lambda n, i: button_update(n, i, BoardCb(tab=BoardTab.WEEK).pack()), members),
    ]  # fmt: skip
    # First an unknown command from each mentor: the learner middleware's own statements.
    base_statements = await middleware_statements(dispatcher, bot, offline, counter, mentors)
    for name, make, who in runs:
        updates = [make(number, 1000 + index) for index, number in enumerate(who)]
        values, statements = await timed(dispatcher, bot, offline, counter, name, updates)
        print(report(name, values, statements))
        if name == "mentor /cohort":
            print(
                f"  of which the learner middleware's: {base_statements:.1f} (an unknown"
                f" command, timed before), the handler's: {statements - base_statements:.1f}"
            )
    await monday(factory, cohorts)
    await engine.dispose()
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


async def middleware_statements(
    dispatcher: Dispatcher,
    bot: Bot,
    offline: OfflineSession,
    counter: StatementCounter,
    who: list[int],
) -> float:
    """Statements of an update that reaches no handler's database work (an unknown command)."""
    updates = [message_update(number, 5000 + i, "/frobnicate", FIRST_MENTOR_ID)
               for i, number in enumerate(who)]  # fmt: skip
    # Twice: the first update of a seeded learner writes their language and last visit.
    await timed(dispatcher, bot, offline, counter, "first visit", updates)
    _values, statements = await timed(dispatcher, bot, offline, counter, "unknown", updates)
    return statements


async def monday(factory: Callable[[], object], cohorts: int) -> None:
    """Claim every cohort's Monday post in one statement, beside a broadcast's claim of every
    learner (the same INSERT … SELECT shape), per row."""
    async with factory() as session, session.begin():  # type: ignore[attr-defined]
        started = time.perf_counter()
        claimed = await claim_weekly_posts(session, MONDAY)
        posts = time.perf_counter() - started
        count = await session.scalar(select(func.count()).select_from(Delivery))
        linked = await session.scalar(
            select(func.count()).select_from(Cohort).where(Cohort.group_chat_id.is_not(None))
        )
    async with factory() as session, session.begin():  # type: ignore[attr-defined]
        broadcast = Broadcast(text="bench", audience={}, status=BroadcastStatus.SENDING,
                              created_at=MONDAY)  # fmt: skip
        session.add(broadcast)
        await session.flush()
        started = time.perf_counter()
        await session.execute(claim_statement(session, broadcast, MONDAY))
        baseline = time.perf_counter() - started
        total = int(await session.scalar(select(func.count()).select_from(Delivery)) or 0)
    learners = total - int(count or 0)
    per_post = posts / max(1, int(count or 0)) * 1e6
    per_learner = baseline / max(1, learners) * 1e6
    print(
        f"Monday posts: {count:,} of {linked:,} linked cohorts claimed in one job run (one"
        f" statement, {claimed:,} rows) in {posts:.2f} s = {per_post:.1f} µs a post;"
        f" baseline: a broadcast's claim of all {learners:,} learners in {baseline:.2f} s ="
        f" {per_learner:.1f} µs a learner ({per_post / per_learner:.2f} x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1_000_000)
    parser.add_argument("--size", type=int, default=50)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--mysql", help="server URL (default: BENCH_MYSQL_URL or root@127.0.0.1)")
    args = parser.parse_args()
    with throwaway_mysql(args.mysql) as url:
        asyncio.run(run(url, args.learners, args.size, args.samples))


if __name__ == "__main__":
    main()
