"""The dashboard (the Mini App's API) at a million learners on MariaDB/MySQL.

    .venv/bin/python -m bench.dashboard [--learners 1000000] [--size 50] [--samples 200]

Seeds `learners` learners registered over the last 40 days (stats with a usual hour, a
journey, two lessons done and a review card each, one review answer each, spread over 30
days), in cohorts of `size` with a mentor each; then times every section of the API over
HTTP (aiohttp's test server, initData signed and checked as in production), as the
learner, the mentor and the admin, and prints p50/p95 and statements per answer (the
viewer's lookup included).

Baselines in the same run: the page itself (no database), and for the admin's charts what
the daily aggregates save: the same 30 days' figures and the funnel read live from the
tables. It also times the `dashboard-days` job (the first fill of 30 days, then a run with
nothing to do) and prints the plans (EXPLAIN) of the statements behind the 30-day charts.
Targets: each answer ≤ 4 statements, p95 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select, text
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import make_url

from bench.common import (
    DEFAULT_SERVER,
    StatementCounter,
    create_numbers,
    current_kind,
    peak_rss_mb,
    percentile,
    throwaway_mysql,
)
from bot.rules.admin.stats import counts_statement
from bot.rules.clock import FixedClock
from bot.rules.course import CourseCache
from bot.rules.dashboard.daily import day_figures, fill_days, window
from bot.rules.dashboard.init_data import demo_init_data
from bot.webapp.app import WebAppConfig, standalone
from db.engine import create_engine, create_session_factory
from db.migrate import upgrade_to_head
from db.models import DashboardDay

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TOKEN = "42:BENCH"
FIRST_ID = 1_000_000_000
FIRST_MENTOR_ID = 2_000_000_000
ADMIN_ID = 3_000_000_000
LESSONS = 6


SEED = [
    "INSERT INTO courses (slug, title, `order`, is_published, created_at, updated_at)"
    " VALUES ('bench', 'Bench course', 1, 1, :now, :now)",
    "INSERT INTO modules (course_id, title, `order`, is_published, slug, created_at,"
    " updated_at) SELECT id, 'Bench module', 1, 1, 'bench', :now, :now FROM courses",
    "INSERT INTO lessons (module_id, title, content, `order`, is_published, slug,"
    " points, pass_mark, created_at, updated_at) SELECT m.id, CONCAT('Lesson ', s.n),"
    " 'Body', s.n, 1, CONCAT('l', s.n), 50, 60, :now, :now FROM modules m, seq s"
    " WHERE s.n BETWEEN 1 AND :lessons",
    "INSERT INTO quiz_questions (lesson_id, slug, `order`, question, options,"
    " correct_option_ids, created_at, updated_at) SELECT id, 'q1', 1, 'Why?',"
    " '[\"a\", \"b\"]', '[0]', :now, :now FROM lessons",
    "INSERT INTO users (telegram_id, first_name, is_active, time_zone, lesson_minute,"
    " reminders_enabled, show_on_leaderboard, role, onboarded_at, last_seen_at,"
    " current_course_id, created_at, updated_at) SELECT :first + n, CONCAT('Learner ', n), 1,"
    " 'UTC', 540, 1, 1, 'LEARNER', :now, DATE_SUB(:now, INTERVAL n % 20 DAY),"
    " (SELECT MIN(id) FROM courses), DATE_SUB(:now, INTERVAL n % 57600 MINUTE), :now FROM seq",
    "INSERT INTO users (telegram_id, first_name, is_active, time_zone, lesson_minute,"
    " reminders_enabled, show_on_leaderboard, role, onboarded_at, last_seen_at,"
    " created_at, updated_at) SELECT :mentors + n, CONCAT('Mentor ', n), 1, 'UTC', 540,"
    " 1, 1, 'LEARNER', :now, :now, :now, :now FROM seq WHERE n < :cohorts",
    "INSERT INTO users (telegram_id, first_name, time_zone, role, created_at, updated_at)"
    " VALUES (:admin, 'Admin', 'UTC', 'ADMIN', :now, :now)",
    "INSERT INTO user_stats (user_id, points, level, current_streak, longest_streak,"
    " lessons_completed, perfect_quizzes, usual_hour, updated_at) SELECT id, id % 5000, 1,"
    " id % 9, id % 30, 2, 0, id % 24, :now FROM users WHERE telegram_id < :mentors",
    "INSERT INTO leaderboard_cache (user_id, `rank`, total_score, lessons_completed,"
    " achievements_count, updated_at, week_points) SELECT id, 0, id % 5000, 2, 0, :now,"
    " id % 300 FROM users WHERE telegram_id < :mentors",
    "INSERT INTO leaderboard_ranks (board, points, learners, `rank`) SELECT 'WEEK', p, c,"
    " 1 + COALESCE(SUM(c) OVER (ORDER BY p DESC ROWS BETWEEN UNBOUNDED PRECEDING AND"
    " 1 PRECEDING), 0) FROM (SELECT week_points AS p, COUNT(*) AS c FROM leaderboard_cache"
    " GROUP BY week_points) AS g",
    "INSERT INTO user_journeys (user_id, course_id, status, started_at, created_at,"
    " updated_at) SELECT id, current_course_id, 'ACTIVE', created_at, :now, :now FROM users"
    " WHERE telegram_id < :mentors",
    "INSERT INTO user_progress (user_id, lesson_id, status, score, attempts, started_at,"
    " completed_at, created_at, updated_at) SELECT u.id, l.id, 'COMPLETED', 100, 1,"
    " DATE_SUB(:now, INTERVAL (u.id + l.`order`) % 43200 MINUTE),"
    " DATE_SUB(:now, INTERVAL (u.id + l.`order`) % 43200 MINUTE), :now, :now"
    " FROM users u JOIN lessons l ON l.`order` <= 2 WHERE u.telegram_id < :mentors",
    "INSERT INTO review_cards (user_id, question_id, state, stability, difficulty, due,"
    " last_review, reviews, retired, created_at) SELECT u.id, q.id, 2, 3 + u.id % 20, 5,"
    " DATE_ADD(:now, INTERVAL u.id % 9 DAY), DATE_SUB(:now, INTERVAL u.id % 30 DAY), 1, 0,"
    " :now FROM users u JOIN quiz_questions q JOIN lessons l ON l.id = q.lesson_id"
    " AND l.`order` = 1 WHERE u.telegram_id < :mentors",
    "INSERT INTO review_log (card_id, user_id, source, rating, reviewed_at, due) SELECT id,"
    " user_id, 'REVIEW', 1 + id % 4, DATE_SUB(:now, INTERVAL id % 43200 MINUTE), due"
    " FROM review_cards",
    "INSERT INTO cohorts (name, code, joining_open, created_at) SELECT CONCAT('Cohort ', n),"
    " CONCAT('c', n), 1, :now FROM seq WHERE n < :cohorts",
    "INSERT INTO cohort_members (cohort_id, user_id, joined_at) SELECT"
    " (u.telegram_id - :first) DIV :size + 1, u.id, :now FROM users u"
    " WHERE u.telegram_id < :mentors",
    "INSERT INTO cohort_roles (cohort_id, user_id, role, added_at) SELECT"
    " telegram_id - :mentors + 1, id, 'MENTOR', :now FROM users"
    " WHERE telegram_id >= :mentors AND telegram_id < :admin",
]


async def seed(url: str, learners: int, size: int) -> None:
    engine = create_engine(url)
    values = {"now": NOW.replace(tzinfo=None), "first": FIRST_ID, "lessons": LESSONS,
              "size": size, "cohorts": learners // size, "mentors": FIRST_MENTOR_ID,
              "admin": ADMIN_ID}  # fmt: skip
    async with engine.begin() as conn:
        await create_numbers(conn)
        await conn.execute(text("DELETE FROM seq WHERE n >= :n"), {"n": learners})
        await conn.execute(text("ALTER TABLE seq ADD PRIMARY KEY (n)"))
        for statement in SEED:
            await conn.execute(text(statement), values)
    await engine.dispose()


def report(name: str, values: list[float], statements: float) -> str:
    return (
        f"{name}: p50 {1000 * percentile(values, 0.5):.1f} ms, p95"
        f" {1000 * percentile(values, 0.95):.1f} ms, {statements:.1f} statements per answer"
    )


async def time_paths(
    client: TestClient, counter: StatementCounter, name: str, asks: list[tuple[str, int]]
) -> str:
    # The server handles requests in tasks of its own: statements are counted by difference.
    before = sum(counter.statements.values())
    values = []
    for path, telegram_id in asks:
        raw = demo_init_data(TOKEN, telegram_id, "Bench", NOW)
        started = time.perf_counter()
        response = await client.get(path, headers={"Authorization": f"tma {raw}"})
        await response.read()
        values.append(time.perf_counter() - started)
        assert response.status == 200, (path, response.status)
    statements = sum(counter.statements.values()) - before
    return report(name, sorted(values), statements / len(asks))


async def explain(engine, label: str, statement) -> None:  # type: ignore[no-untyped-def]
    sql = str(statement.compile(dialect=mysql.dialect(), compile_kwargs={"literal_binds": True}))
    async with engine.connect() as conn:
        rows = (await conn.execute(text("EXPLAIN " + sql))).all()
    print(f"EXPLAIN {label}:")
    for row in rows:
        shown = dict(row._mapping)
        print("   ", {k: shown[k] for k in ("table", "type", "key", "rows", "Extra") if k in shown})


async def baselines(engine, factory) -> None:  # type: ignore[no-untyped-def]
    """What the aggregates save: the 30 days and the funnel read live from the tables."""
    started = time.perf_counter()
    async with factory() as session:
        for day in window(NOW.date()):
            await day_figures(session, day)
    live = time.perf_counter() - started
    started = time.perf_counter()
    async with factory() as session:
        (await session.execute(counts_statement())).all()
    funnel = time.perf_counter() - started
    print(f"baseline: the 30 days' figures read live {1000 * live:.0f} ms (120 statements),"
          f" the funnel read live {1000 * funnel:.0f} ms")  # fmt: skip


async def run(url: str, learners: int, size: int, samples: int, seeded: bool) -> None:
    cohorts = learners // size
    await upgrade_to_head(url)
    if not seeded:  # with --url: the days are there, the job's first run writes none
        started = time.perf_counter()
        await seed(url, learners, size)
        print(f"seeded {learners:,} learners in {cohorts:,} cohorts of {size} in"
              f" {time.perf_counter() - started:.1f} s")  # fmt: skip
    engine = create_engine(url)
    counter = StatementCounter(engine)
    factory = create_session_factory(engine)
    started, written, slowest = time.perf_counter(), 0, 0.0
    while True:  # as the job runs: a day per transaction
        day_started = time.perf_counter()
        async with factory() as session, session.begin():
            if not await fill_days(session, NOW, limit=1):
                break
        written += 1
        slowest = max(slowest, time.perf_counter() - day_started)
    took = time.perf_counter() - started
    print(f"dashboard-days job, first run: {written} days in {took:.1f} s"
          f" (longest transaction {slowest:.1f} s)")  # fmt: skip
    token = current_kind.set("job-again")
    started = time.perf_counter()
    async with factory() as session, session.begin():
        await fill_days(session, NOW)
    print(f"dashboard-days job, nothing to do: {1000 * (time.perf_counter() - started):.1f} ms,"
          f" {counter.statements['job-again']} statement(s)")  # fmt: skip
    current_kind.reset(token)
    cache = CourseCache()
    async with factory() as session:
        await cache.get(session)
    config = WebAppConfig(TOKEN, factory, FixedClock(NOW), cache, frozenset({ADMIN_ID}))
    rng = random.Random(28)
    learner_ids = [FIRST_ID + rng.randrange(learners) for _ in range(samples)]
    cohort_numbers = [rng.randrange(cohorts) for _ in range(samples)]
    async with TestClient(TestServer(standalone(config))) as client:
        await client.get("/app/")  # warm: templates compiled once
        runs: list[tuple[str, list[tuple[str, int]]]] = [
            ("baseline: the page (no database)", [("/app/", i) for i in learner_ids]),
            ("learner home", [("/app/api/home", i) for i in learner_ids]),
            ("learner courses", [("/app/api/courses", i) for i in learner_ids]),
            ("learner calendar", [("/app/api/calendar", i) for i in learner_ids]),
            ("learner mastery", [("/app/api/mastery", i) for i in learner_ids]),
            ("learner board (week)", [("/app/api/board?period=week", i) for i in learner_ids]),
            ("mentor cohort (sorted by streak)", [
                (f"/app/api/cohort?cohort={n + 1}&sort=streak", FIRST_MENTOR_ID + n)
                for n in cohort_numbers]),
            ("mentor funnel", [(f"/app/api/funnel?cohort={n + 1}", FIRST_MENTOR_ID + n)
                               for n in cohort_numbers]),
            ("mentor member", [
                (f"/app/api/member?cohort={n + 1}&user={n * size + 2}", FIRST_MENTOR_ID + n)
                for n in cohort_numbers]),
            ("mentor member calendar", [
                (f"/app/api/calendar?cohort={n + 1}&user={n * size + 2}", FIRST_MENTOR_ID + n)
                for n in cohort_numbers]),
            ("admin home, cohorts tab (the first 200 of 20,000)",
             [("/app/api/home?tab=cohorts", ADMIN_ID)] * samples),
            ("admin school (30 days, funnel, hours)",
             [("/app/api/school", ADMIN_ID)] * samples),
            ("admin school page (HTML with SVG)", [("/app/part/school", ADMIN_ID)] * samples),
        ]  # fmt: skip
        for name, asks in runs:
            print(await time_paths(client, counter, name, asks))
    await baselines(engine, factory)
    days = window(NOW.date())
    thirty_days = (
        select(DashboardDay)
        .where(DashboardDay.day >= days[0], DashboardDay.day <= days[-1])
        .order_by(DashboardDay.day)
    )
    await explain(engine, "the admin's 30 days (dashboard_days)", thirty_days)
    await explain_job_day(engine)
    await engine.dispose()
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


async def explain_job_day(engine) -> None:  # type: ignore[no-untyped-def]
    """The plans of one day's figures, as the job reads them (a day-sized index range each)."""
    day = NOW.date() - timedelta(days=1)
    start, end = f"'{day} 00:00:00'", f"'{day + timedelta(days=1)} 00:00:00'"
    for label, sql in (
        ("a day's learners", f"SELECT COUNT(*) FROM users WHERE created_at < {end}"),
        ("a day's new learners", "SELECT COUNT(*) FROM users WHERE created_at >= "
         f"{start} AND created_at < {end}"),
        ("a day's lessons", "SELECT COUNT(*) FROM user_progress WHERE completed_at >= "
         f"{start} AND completed_at < {end} AND status = 'COMPLETED'"),
        ("a day's reviews", "SELECT COUNT(*) FROM review_log WHERE reviewed_at >= "
         f"{start} AND reviewed_at < {end} AND source = 'REVIEW'"),
    ):  # fmt: skip
        async with engine.connect() as conn:
            rows = (await conn.execute(text("EXPLAIN " + sql))).all()
        print(f"EXPLAIN {label} (the dashboard-days job):")
        for row in rows:
            shown = dict(row._mapping)
            print("   ", {k: shown[k] for k in ("table", "type", "key", "rows", "Extra")})


@contextmanager
def create_database(url: str) -> Iterator[None]:
    """A fresh database of that name, left on the server afterwards (drop it by hand)."""
    target = make_url(url)
    admin = sa.create_engine(target.set(drivername="mysql+pymysql", database="mysql"),
                             isolation_level="AUTOCOMMIT")  # fmt: skip
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{target.database}`"))
        conn.execute(sa.text(f"CREATE DATABASE `{target.database}` CHARACTER SET utf8mb4"))
    admin.dispose()
    yield


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1_000_000)
    parser.add_argument("--size", type=int, default=50)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--url", help="a database this bench seeded before (kept with --keep)")
    parser.add_argument("--keep", action="store_true", help="seed a database and keep it")
    args = parser.parse_args()
    if args.url:
        asyncio.run(run(args.url, args.learners, args.size, args.samples, seeded=True))
    elif args.keep:
        url = f"{DEFAULT_SERVER.rsplit('/', 1)[0]}/lbbench_dashboard"
        with create_database(url):
            asyncio.run(run(url, args.learners, args.size, args.samples, seeded=False))
        print(f"kept: --url {url}")
    else:
        with throwaway_mysql() as url:
            asyncio.run(run(url, args.learners, args.size, args.samples, seeded=False))


if __name__ == "__main__":
    main()
