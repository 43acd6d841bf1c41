"""Review at 100,000 learners with 50 cards each (5,000,000 cards) on MariaDB/MySQL.

    .venv/bin/python -m bench.review [--learners 100000] [--samples 500]

Prints the seed time; p50/p95 of selecting one learner's due cards (the /review
session's own statement, for random learners) and its plan (must be a range of
`ix_review_cards_user_id_retired_due`); and for the daily push in one time-zone slot: the
job's due-learner selection and the due-review counts of those learners (the job's
two statements; target: under 200 ms together), with the count statement's plan.
The database is a throwaway one, dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects import mysql

from bench.common import create_numbers, peak_rss_mb, percentile, throwaway_mysql
from bot.rules.reach.pushes import DAILY_LESSON_GRACE, due_for_daily_lesson, slot
from bot.rules.review.sessions import REVIEW_SESSION_SIZE, due_cards_statement
from bot.rules.review.stats import due_counts_statement, due_review_counts
from db.engine import create_engine, create_session_factory
from db.migrate import upgrade_to_head

FIRST_ID = 3_000_000_000
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Honolulu"]
LESSONS, QUESTIONS_PER_LESSON = 10, 5  # 50 cards per learner
USERS_PER_BATCH = 10_000  # 500,000 cards per INSERT … SELECT
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
SPREAD_MINUTES = 14 * 24 * 60  # due dates from a week ago to a week ahead: half are due


async def seed(url: str, learners: int) -> None:
    """Content, learners (5 zones, lesson times spread over the day) and their cards."""
    engine = create_engine(url)
    now = NOW.replace(tzinfo=None)
    async with engine.begin() as conn:
        await conn.execute(text("SET foreign_key_checks = 0, unique_checks = 0"))
        await create_numbers(conn)
        await conn.execute(
            text(
                "INSERT INTO modules (id, slug, title, `order`, is_published, created_at,"
                " updated_at) VALUES (1, 'm1', 'Module', 1, 1, :now, :now)"
            ),
            {"now": now},
        )
        await conn.execute(
            text(
                "INSERT INTO lessons (module_id, slug, title, content, `order`, is_published,"
                " points, pass_mark, created_at, updated_at) SELECT 1, CONCAT('l', n),"
                " CONCAT('Lesson ', n), 'Body', n, 1, 50, 60, :now, :now FROM seq"
                " WHERE n BETWEEN 1 AND :lessons"
            ),
            {"now": now, "lessons": LESSONS},
        )
        await conn.execute(
            text(
                "INSERT INTO quiz_questions (lesson_id, slug, `order`, question, options,"
                " correct_option_ids, created_at, updated_at) SELECT l.id, CONCAT('q', s.n),"
                " s.n, CONCAT('Question ', s.n), JSON_ARRAY('a', 'b', 'c'), JSON_ARRAY(0),"
                " :now, :now FROM lessons l, seq s WHERE s.n BETWEEN 1 AND :per_lesson"
            ),
            {"now": now, "per_lesson": QUESTIONS_PER_LESSON},
        )
        zones = " ".join(f"WHEN {i} THEN '{zone}'" for i, zone in enumerate(ZONES))
        await conn.execute(
            text(
                "INSERT INTO users (telegram_id, first_name, is_active, time_zone, lesson_minute,"
                " reminders_enabled, show_on_leaderboard, role, onboarded_at, created_at,"
                f" updated_at) SELECT :first + n, 'Learner', 1, CASE n % {len(ZONES)} {zones}"
                " END, (n * 7) % 1440, 1, 1, 'LEARNER', :now, :now, :now FROM seq WHERE n < :count"
            ),
            {"first": FIRST_ID, "now": now, "count": learners},
        )
    bounds = (await _scalar(engine, "SELECT MIN(id) FROM users"), learners)
    for first in range(bounds[0], bounds[0] + bounds[1], USERS_PER_BATCH):
        async with engine.begin() as conn:
            await conn.execute(text("SET foreign_key_checks = 0, unique_checks = 0"))
            await conn.execute(
                text(
                    "INSERT INTO review_cards (user_id, question_id, state, step, stability,"
                    " difficulty, due, last_review, reviews, retired, created_at)"
                    " SELECT u.id, q.id, 2, NULL, 4.5, 5.5,"
                    " DATE_ADD(:now, INTERVAL"
                    " ((u.id * 7919 + q.id * 104729) % :spread) - :half MINUTE),"
                    " DATE_SUB(:now, INTERVAL 3 DAY), 2, 0, :now"
                    " FROM users u, quiz_questions q WHERE u.id >= :lo AND u.id < :hi"
                ),
                {
                    "now": now,
                    "spread": SPREAD_MINUTES,
                    "half": SPREAD_MINUTES // 2,
                    "lo": first,
                    "hi": first + USERS_PER_BATCH,
                },
            )
    async with engine.begin() as conn:
        await conn.execute(text("ANALYZE TABLE review_cards, users"))
    await engine.dispose()


async def _scalar(engine: Any, sql: str) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(text(sql)) or 0)


def explain_rows(rows: Any) -> list[str]:
    return [
        f"  plan: table={row.get('table')} type={row.get('type')} key={row.get('key')}"
        f" rows={row.get('rows')} extra={row.get('Extra')}"
        for row in (dict(r._mapping) for r in rows)
    ]


def literal(statement: Any) -> str:
    return str(statement.compile(dialect=mysql.dialect(), compile_kwargs={"literal_binds": True}))


async def due_cards(url: str, learners: int, samples: int) -> None:
    engine = create_engine(url)
    factory = create_session_factory(engine)
    first = await _scalar(engine, "SELECT MIN(id) FROM users")
    rng = random.Random(14)
    timings: list[float] = []
    found = 0
    async with factory() as session:
        for _ in range(samples):
            user_id = first + rng.randrange(learners)
            started = time.perf_counter()
            rows = (
                await session.scalars(due_cards_statement(user_id, NOW, REVIEW_SESSION_SIZE))
            ).all()
            timings.append(time.perf_counter() - started)
            found += len(rows)
        plan = await session.execute(
            text("EXPLAIN " + literal(due_cards_statement(first, NOW, REVIEW_SESSION_SIZE)))
        )
        lines = explain_rows(plan)
    await engine.dispose()
    timings.sort()
    print(
        f"one learner's due cards (≤{REVIEW_SESSION_SIZE}, longest overdue first):"
        f" p50 {1000 * percentile(timings, 0.5):.2f} ms,"
        f" p95 {1000 * percentile(timings, 0.95):.2f} ms"
        f" over {samples} learners ({found / samples:.1f} cards each)"
    )
    print("\n".join(lines))


async def push_slot(url: str, runs: int = 5) -> None:
    """The job's two statements for one slot, first (cold) and then warm: the median of runs."""
    engine = create_engine(url)
    factory = create_session_factory(engine)
    window = slot("Europe/Berlin", NOW, DAILY_LESSON_GRACE)
    timings: list[tuple[float, float]] = []
    async with factory() as session:
        for _ in range(runs):
            started = time.perf_counter()
            due = await due_for_daily_lesson(session, window)  # the job's own selection
            selected = time.perf_counter()
            counts = await due_review_counts(session, [user.id for user in due], NOW)
            timings.append((selected - started, time.perf_counter() - selected))
            session.expunge_all()
        statement = due_counts_statement([user.id for user in due[:3]] or [0], NOW)
        plan = await session.execute(text("EXPLAIN " + literal(statement)))
        lines = explain_rows(plan)
    await engine.dispose()
    first, last = window.first_minute, window.last_minute
    print(
        f"daily push, one slot (Berlin {first // 60:02d}:{first % 60:02d}"
        f"–{last // 60:02d}:{last % 60:02d}): {len(due)} learners, {len(counts)} with reviews due"
    )
    for label, (select_s, count_s) in (
        ("first run", timings[0]),
        (f"median of {runs}", sorted(timings, key=sum)[runs // 2]),
    ):
        print(
            f"  {label}: learners selected in {1000 * select_s:.0f} ms, their due reviews"
            f" counted in {1000 * count_s:.0f} ms, total {1000 * (select_s + count_s):.0f} ms"
        )
    print("\n".join(lines))


async def run(url: str, learners: int, samples: int) -> None:
    await upgrade_to_head(url)
    started = time.perf_counter()
    await seed(url, learners)
    cards = await _scalar(create_engine(url), "SELECT COUNT(*) FROM review_cards")
    print(
        f"seeded {learners:,} learners and {cards:,} cards in {time.perf_counter() - started:.0f} s"
    )
    await due_cards(url, learners, samples)
    await push_slot(url)
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--mysql", help="server URL (default: BENCH_MYSQL_URL or root@127.0.0.1)")
    args = parser.parse_args()
    with throwaway_mysql(args.mysql) as url:
        asyncio.run(run(url, args.learners, args.samples))


if __name__ == "__main__":
    main()
