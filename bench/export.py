"""The admins' CSV of learners at a million learners on MariaDB/MySQL.

    .venv/bin/python -m bench.export [--learners 1000000]

Seeds, inside the server, the learners and a stats row each (set-based: INSERT … SELECT from a
numbers table; names in Latin, Cyrillic and CJK, 5 % blocked), then runs the real command,
`learnbot export learners PATH`, in a process of its own, and prints its wall time and peak
RSS (targets: under 60 s and under 300 MB), the file's size, and checks it has one row per
learner. The throwaway database is dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from bench.common import throwaway_mysql
from db.engine import create_engine
from db.migrate import upgrade_to_head

FIRST_ID = 1_000_000_000
TARGET_SECONDS = 60
TARGET_MB = 300


async def seed(url: str, learners: int) -> None:
    engine = create_engine(url)
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    async with engine.begin() as conn:
        run = conn.execute
        await run(text("CREATE TEMPORARY TABLE digits (d INT PRIMARY KEY)"))
        await run(text("INSERT INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)"))
        await run(text("CREATE TEMPORARY TABLE seq (n INT PRIMARY KEY)"))
        await run(
            text(
                "INSERT INTO seq SELECT x.n FROM (SELECT a.d + 10*b.d + 100*c.d + 1000*d.d"
                " + 10000*e.d + 100000*f.d + 1000000*g.d AS n FROM digits a, digits b, digits c,"
                " digits d, digits e, digits f, digits g) x WHERE x.n < :n"
            ),
            {"n": learners},
        )
        await run(
            text(
                "INSERT INTO users (telegram_id, first_name, language_code, language, is_active,"
                " time_zone, lesson_minute, reminders_enabled, show_on_leaderboard, role,"
                " blocked_at, last_seen_at, onboarded_at, created_at, updated_at)"
                " SELECT :first + n, ELT(1 + n % 3, CONCAT('Learner ', n),"
                " CONCAT('Ученик ', n), CONCAT('学生', n)),"
                " ELT(1 + n % 2, 'en', 'ru'), IF(n % 7 = 0, 'ru', NULL), 1, 'UTC', 540, 1, 1,"
                " 'LEARNER', IF(n % 20 = 0, :now - INTERVAL (n % 1000) HOUR, NULL),"
                " :now - INTERVAL (n % 86400) MINUTE, :now, :now - INTERVAL n SECOND, :now"
                " FROM seq ORDER BY n"
            ),
            {"first": FIRST_ID, "now": now},
        )
        await run(
            text(
                "INSERT INTO user_stats (user_id, points, level, current_streak, longest_streak,"
                " last_active_date, lessons_completed, perfect_quizzes, updated_at)"
                " SELECT id, (id % 17) * 75, (id % 17) * 75 DIV 100 + 1, id % 30, id % 45,"
                " DATE(:now) - INTERVAL (id % 60) DAY, id % 17, id % 5, :now FROM users"
            ),
            {"now": now},
        )
    await engine.dispose()


def export(url: str, path: Path) -> tuple[float, float, float]:
    """Run `learnbot export learners PATH`; its wall time (s), CPU time (s), peak RSS (MB)."""
    environment = {**os.environ, "DATABASE_URL": url, "LOG_FORMAT": "text"}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bot", "export", "learners", str(path)], env=environment, check=True
    )
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def count_rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as source:
        return sum(1 for _row in csv.reader(source)) - 1  # the header


async def run(url: str, learners: int) -> None:
    await upgrade_to_head(url)
    started = time.perf_counter()
    await seed(url, learners)
    print(f"seeded {learners:,} learners in {time.perf_counter() - started:.1f} s")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load} (other work shares them)")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "learners.csv"
        wall, cpu, peak = await asyncio.to_thread(export, url, path)
        rows = count_rows(path)
        size = path.stat().st_size / 2**20
    verdict = "within" if wall < TARGET_SECONDS and peak < TARGET_MB else "OVER"
    print(
        f"learnbot export learners: {wall:.1f} s wall ({cpu:.1f} s CPU), peak RSS {peak:.0f} MB,"
        f" {rows:,} rows,"
        f" {size:.0f} MB of CSV ({verdict} the targets of {TARGET_SECONDS} s and {TARGET_MB} MB)"
    )
    if rows != learners:
        raise SystemExit(f"expected {learners:,} rows, got {rows:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1_000_000)
    args = parser.parse_args()
    with throwaway_mysql() as url:
        asyncio.run(run(url, args.learners))


if __name__ == "__main__":
    main()
