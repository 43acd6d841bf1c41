"""Admin /stats at a million learners on MariaDB/MySQL.

    .venv/bin/python -m bench.admin [--learners 1000000] [--lessons 60] [--repeat 5]

Seeds, inside the server, a million learners (sign-ups over the last year, last seen
skewed to recent days, 5 % blocked, a stats row each) and a 60-lesson course (6
published modules of 10 lessons, plus an unpublished module and lesson that the
funnel must leave out). Progress is a realistic funnel: learner i reached the first
k_i lessons, k_i geometric with a 15 % loss per lesson (10 % never start, about 5.7
progress rows per learner, ~5.7 M rows); every reached lesson but the last is
COMPLETED, the last one is COMPLETED for 30 % of learners and IN_PROGRESS otherwise.

Then times `overview` and `funnel` (first call and the median of --repeat calls;
target: each within 1 s), prints their figures, the number of statements each
issued, and the EXPLAIN of every statement they ran.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bench.common import peak_rss_mb, throwaway_mysql
from bot.entry.app import build_i18n
from bot.rules.admin.stats import Overview, funnel, overview
from bot.rules.clock import SystemClock
from bot.telegram.handlers.admin.stats import render
from db.engine import MYSQL8_SQL_MODE, create_engine, create_session_factory
from db.migrate import upgrade_to_head

FIRST_ID = 1_000_000_000
LESSONS_PER_MODULE = 10
KEEP_GOING = 0.85  # share of a lesson's reachers who go on to the next lesson
START = 0.90  # share of learners who start the first lesson
LAST_DONE = 0.30  # share whose last reached lesson is completed too

T = TypeVar("T")


async def seed(url: str, learners: int, lessons: int) -> None:
    """Learners, stats, the course and the progress funnel, generated inside the server."""
    engine = create_engine(url)
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    modules = -(-lessons // LESSONS_PER_MODULE)
    async with engine.begin() as conn:
        run = conn.execute
        await run(text("CREATE TEMPORARY TABLE digits (d INT PRIMARY KEY)"))
        await run(text("INSERT INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)"))
        # n, the sign-up age in seconds, and a uniform draw for the last-seen age.
        await run(text(
            "CREATE TEMPORARY TABLE seq (n INT PRIMARY KEY, age INT NOT NULL,"
            " seen DOUBLE NOT NULL)"
        ))  # fmt: skip
        await run(
            text(
                "INSERT INTO seq SELECT x.n, FLOOR(RAND(1) * 365 * 86400), RAND(2) FROM"
                " (SELECT a.d + 10*b.d + 100*c.d + 1000*d.d + 10000*e.d + 100000*f.d"
                " + 1000000*g.d AS n FROM digits a, digits b, digits c, digits d, digits e,"
                " digits f, digits g) x WHERE x.n < :n"
            ),
            {"n": learners},
        )
        # Last seen: 10 % never came back after sign-up (NULL is not possible for a
        # learner who wrote once, so they keep their sign-up time); the others were
        # seen at a point skewed towards now, never before they signed up.
        await run(
            text(
                "INSERT INTO users (telegram_id, first_name, is_active, time_zone,"
                " lesson_minute, reminders_enabled, show_on_leaderboard, role, blocked_at,"
                " last_seen_at, created_at, updated_at)"
                " SELECT :first + n, CONCAT('Learner ', n), 1, 'UTC', 540, 1, 1, 'LEARNER',"
                " IF(n % 20 = 0, :now - INTERVAL (n % 1000) HOUR, NULL),"
                " :now - INTERVAL IF(n % 10 = 0, age, FLOOR(age * POW(seen, 4))) SECOND,"
                " :now - INTERVAL age SECOND, :now FROM seq ORDER BY n"
            ),
            {"first": FIRST_ID, "now": now},
        )
        for m in range(1, modules + 2):
            published = m <= modules  # the last module is an unpublished draft
            await run(
                text(
                    "INSERT INTO modules (title, `order`, is_published, slug, created_at,"
                    " updated_at) VALUES (:title, :order, :pub, :slug, :now, :now)"
                ),
                {"title": f"Module {m}", "order": m, "pub": published, "slug": f"m{m}",
                 "now": now},
            )  # fmt: skip
            count = min(LESSONS_PER_MODULE, lessons - (m - 1) * LESSONS_PER_MODULE)
            count = count if published else 2
            # One unpublished lesson in the middle of the first module, too.
            extra = 1 if m == 1 else 0
            for n in range(1, count + 1 + extra):
                await run(
                    text(
                        "INSERT INTO lessons (module_id, title, `order`, is_published, slug,"
                        " points, pass_mark, created_at, updated_at) SELECT id, :title,"
                        " :order, :pub, :slug, 50, 60, :now, :now FROM modules WHERE slug = :m"
                    ),
                    {"title": f"Lesson {m}.{n} <b>&</b>", "order": n if n <= count else 5,
                     "pub": published and n <= count, "slug": f"m{m}-l{n}", "m": f"m{m}",
                     "now": now},
                )  # fmt: skip
        await run(text(
            "CREATE TEMPORARY TABLE course (pos INT PRIMARY KEY, lesson_id INT NOT NULL)"
        ))  # fmt: skip
        await run(text(
            "INSERT INTO course SELECT ROW_NUMBER() OVER (ORDER BY m.`order`, l.`order`, l.id),"
            " l.id FROM lessons l JOIN modules m ON m.id = l.module_id"
            " WHERE l.is_published AND m.is_published"
        ))  # fmt: skip
        # k = lessons reached: 0 with probability 1 - START, else 1 + Geometric(KEEP_GOING).
        await run(
            text(
                "CREATE TEMPORARY TABLE reach (user_id INT PRIMARY KEY, k INT NOT NULL,"
                " last_done BOOL NOT NULL)"
            )
        )
        await run(
            text(
                "INSERT INTO reach SELECT id, IF(r >= :start, 0,"
                " LEAST(:lessons, 1 + FLOOR(LN(1 - RAND(6)) / LN(:keep)))), RAND(7) < :last"
                " FROM (SELECT id, RAND(5) AS r FROM users) u"
            ),
            {"start": START, "lessons": lessons, "keep": KEEP_GOING, "last": LAST_DONE},
        )
        await run(
            text(
                "INSERT INTO user_progress (user_id, lesson_id, status, score, attempts,"
                " started_at, completed_at, created_at, updated_at)"
                " SELECT r.user_id, c.lesson_id,"
                " IF(c.pos < r.k OR r.last_done, 'COMPLETED', 'IN_PROGRESS'),"
                " IF(c.pos < r.k OR r.last_done, 100, NULL), 1, :now,"
                " IF(c.pos < r.k OR r.last_done, :now, NULL), :now, :now"
                " FROM reach r STRAIGHT_JOIN course c ON c.pos <= r.k"
            ),
            {"now": now},
        )
        # Every learner has a stats row; its lessons_completed counts their COMPLETED rows,
        # as the completion path keeps it.
        await run(
            text(
                "INSERT INTO user_stats (user_id, points, level, current_streak, longest_streak,"
                " lessons_completed, perfect_quizzes, updated_at)"
                " SELECT user_id, 0, 1, FLOOR(POW(RAND(4), 3) * 40), 0,"
                " IF(k = 0, 0, k - 1 + last_done), 0, :now FROM reach"
            ),
            {"now": now},
        )
    await engine.dispose()


class Recorder:
    """Keeps the SQL statements (and parameters) the engine runs while on."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.on = False
        self.statements: list[tuple[str, Any]] = []
        event.listen(engine.sync_engine, "before_cursor_execute", self._record)

    def _record(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if self.on:
            self.statements.append((statement, parameters))


async def timed(
    factory: async_sessionmaker[AsyncSession],
    recorder: Recorder,
    call: Callable[[AsyncSession], Awaitable[T]],
    repeat: int,
) -> tuple[T, list[float], list[tuple[str, Any]]]:
    times: list[float] = []
    result: T | None = None
    statements: list[tuple[str, Any]] = []
    for attempt in range(repeat):
        recorder.statements.clear()
        recorder.on = True
        async with factory() as session:
            started = time.perf_counter()
            result = await call(session)
            times.append(time.perf_counter() - started)
        recorder.on = False
        if attempt == 0:
            statements = list(recorder.statements)
    assert result is not None
    return result, times, statements


async def explain(engine: AsyncEngine, statements: list[tuple[str, Any]]) -> None:
    async with engine.connect() as conn:
        for statement, parameters in statements:
            print("  " + " ".join(statement.split()))
            result = await conn.exec_driver_sql("EXPLAIN " + statement, parameters)
            keys = list(result.keys())
            wanted = [k for k in ("id", "select_type", "table", "type", "key", "rows", "Extra")
                      if k in keys]  # fmt: skip
            for row in result.mappings():
                print("    " + " | ".join(f"{k}={row[k]}" for k in wanted))


def print_overview(figures: Overview) -> None:
    print(f"  learners {figures.learners:,}, blocked {figures.blocked:,}")
    for label, windows in (("new", figures.new), ("active", figures.active)):
        print(f"  {label}: 1 d {windows.day:,}, 7 d {windows.week:,}, 30 d {windows.month:,}")
    streak = "-" if figures.average_streak is None else f"{figures.average_streak:.2f}"
    print(f"  lessons completed {figures.lessons_completed:,}, average streak {streak}")


def report(name: str, times: list[float], statements: int) -> None:
    print(
        f"{name}: first {1000 * times[0]:.0f} ms, median {1000 * statistics.median(times):.0f} ms,"
        f" max {1000 * max(times):.0f} ms over {len(times)} calls; {statements} statements"
    )


async def run(url: str, learners: int, lessons: int, repeat: int) -> None:
    await upgrade_to_head(url)
    started = time.perf_counter()
    await seed(url, learners, lessons)
    print(
        f"seeded {learners:,} learners, {lessons} lessons in {time.perf_counter() - started:.1f} s"
    )
    engine = create_engine(url, sql_mode=MYSQL8_SQL_MODE)
    async with engine.connect() as conn:
        pool = await conn.scalar(text("SELECT @@innodb_buffer_pool_size"))
        version = await conn.scalar(text("SELECT VERSION()"))
        progress_rows = await conn.scalar(text("SELECT COUNT(*) FROM user_progress"))
        await conn.execute(text("ANALYZE TABLE users, user_progress, user_stats, lessons"))
    print(f"server {version}, buffer pool {int(pool or 0) // 2**20} MB")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load} (other work shares them)")
    print(
        f"user_progress rows: {progress_rows:,} ({(progress_rows or 0) / learners:.2f} per learner)"
    )
    factory = create_session_factory(engine)
    recorder = Recorder(engine)
    now = datetime.now(UTC)
    figures, overview_times, overview_sql = await timed(
        factory, recorder, lambda s: overview(s, now), repeat
    )
    rows, funnel_times, funnel_sql = await timed(factory, recorder, funnel, repeat)
    report("overview", overview_times, len(overview_sql))
    report("funnel", funnel_times, len(funnel_sql))
    print("overview figures:")
    print_overview(figures)
    print(f"funnel ({len(rows)} published lessons):")
    for index, row in enumerate(rows, start=1):
        drop = "" if row.drop is None else f", drop {100 * row.drop:.1f}%"
        print(f"  {index:2d}. {row.slug}: started {row.started:,}, finished {row.finished:,}{drop}")
    # Cross-check: lessons completed, counted from the progress rows themselves.
    async with engine.connect() as conn:
        started = time.perf_counter()
        completed_rows = await conn.scalar(
            text("SELECT COUNT(*) FROM user_progress WHERE status = 'COMPLETED'")
        )
        elapsed = time.perf_counter() - started
    agree = "agrees" if completed_rows == figures.lessons_completed else "DISAGREES"
    print(
        f"cross-check: COUNT(user_progress COMPLETED) = {completed_rows:,} in"
        f" {1000 * elapsed:.0f} ms; {agree} with the overview's sum of user_stats"
    )
    # The whole /stats answer as the handler renders it (both calls and the text).
    i18n = build_i18n()
    clock = SystemClock()
    with i18n.context(), i18n.use_locale("en"):
        messages, render_times, render_sql = await timed(
            factory, recorder, lambda s: render(s, clock), repeat
        )
    report("/stats rendered", render_times, len(render_sql))
    sizes = ", ".join(str(len(message)) for message in messages)
    print(f"  {len(messages)} message(s) of {sizes} characters")
    print("EXPLAIN of the funnel:")
    await explain(engine, funnel_sql)
    print("EXPLAIN of the overview:")
    await explain(engine, overview_sql)
    await engine.dispose()
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--learners", type=int, default=1_000_000)
    parser.add_argument("--lessons", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--mysql", help="server URL (default: BENCH_MYSQL_URL or root@127.0.0.1)")
    args = parser.parse_args()
    with throwaway_mysql(args.mysql) as url:
        asyncio.run(run(url, args.learners, args.lessons, args.repeat))


if __name__ == "__main__":
    main()
