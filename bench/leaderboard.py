"""Leaderboard at a million learners on MariaDB/MySQL.

    .venv/bin/python -m bench.leaderboard [--learners 1000000] [--samples 500]

Prints, in one run, the time of a full rebuild of the boards (into an empty cache), of a
refresh when nothing changed, and of a refresh after 10 % of the learners earned points
(a ledger row and their stats, as the rewards do), each also as a ratio to the full
rebuild; then p50/p95 of the /leaderboard handler (top 10 + the learner's own rank) and
of the weekly board, for random learners, through the real dispatcher. Targets: nothing
changed ≤ 0.05 × the rebuild, 10 % changed ≤ 0.5 ×, handler p95 ≤ 30 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import UTC, datetime

from aiogram import Bot, Dispatcher
from aiogram.types import CallbackQuery, Chat, Message, Update, User
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import peak_rss_mb, percentile, throwaway_mysql
from bot.entry.app import build_bot, build_dispatcher
from bot.entry.offline import OfflineSession
from bot.rules.clock import SystemClock
from bot.rules.leaderboard import refresh_leaderboard, week_start
from bot.telegram.callbacks import BoardCb, BoardTab
from db.engine import create_engine, create_session_factory
from db.migrate import upgrade_to_head

FIRST_ID = 1_000_000_000


async def seed(url: str, learners: int, weekly_awards: int) -> None:
    """Learners, stats and this week's ledger rows, generated inside the server."""
    engine = create_engine(url)
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    monday = week_start(datetime.now(UTC)).replace(tzinfo=None)
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
                " digits e, digits f, (SELECT d FROM digits WHERE d < 10) g"
                " WHERE a.d + 10*b.d + 100*c.d + 1000*d.d + 10000*e.d + 100000*f.d"
                " + 1000000*g.d < :n"
            ),
            {"n": learners},
        )
        await conn.execute(
            text(
                "INSERT INTO users (telegram_id, first_name, is_active, time_zone, lesson_minute,"
                " reminders_enabled, show_on_leaderboard, role, last_seen_at, created_at,"
                " updated_at) SELECT :first + n, CONCAT('Learner ', n), 1, 'UTC', 540, 1,"
                " n % 50 <> 0, 'LEARNER', :now, :now, :now FROM seq"
            ),
            {"first": FIRST_ID, "now": now},
        )
        await conn.execute(
            text(
                "INSERT INTO user_stats (user_id, points, level, current_streak, longest_streak,"
                " lessons_completed, perfect_quizzes, updated_at)"
                " SELECT id, FLOOR(RAND(7) * 5000), 1, 0, 0, 0, 0, :now FROM users"
            ),
            {"now": now},
        )
        await conn.execute(
            text(
                "INSERT INTO points_ledger (user_id, points, reason, award_key, created_at)"
                " SELECT id, FLOOR(RAND(3) * 200), 'ADJUSTMENT', 'bench', :monday"
                " FROM users ORDER BY id LIMIT :limit"
            ),
            {"monday": monday, "limit": weekly_awards},
        )
    await engine.dispose()


async def run(url: str, learners: int, samples: int) -> None:
    await upgrade_to_head(url)
    started = time.perf_counter()
    await seed(url, learners, weekly_awards=learners // 3)
    print(f"seeded {learners:,} learners in {time.perf_counter() - started:.1f} s")
    engine = create_engine(url)
    async with engine.connect() as conn:
        pool = await conn.scalar(text("SELECT @@innodb_buffer_pool_size"))
    print(f"server buffer pool: {int(pool or 0) // 2**20} MB")
    factory = create_session_factory(engine)
    rebuild = 0.0
    for label in ("full rebuild (empty cache)", "nothing changed", "after 10% earned points"):
        if label.startswith("after"):
            await earn_points(engine, share=10)
        started = time.perf_counter()
        async with factory() as session, session.begin():
            rewritten = await refresh_leaderboard(session, datetime.now(UTC))
        elapsed = time.perf_counter() - started
        rebuild = rebuild or elapsed
        print(
            f"refresh, {label}: {elapsed:.2f} s = {elapsed / rebuild:.3f} x the rebuild"
            f" ({rewritten:,} learners rewritten)"
        )
    session = OfflineSession()
    bot = build_bot("42:BENCH", session=session)
    dispatcher = build_dispatcher(factory, SystemClock())
    rng = random.Random(11)
    all_time = [await feed(dispatcher, bot, session, rng, learners, index, week=False)
                for index in range(samples)]  # fmt: skip
    weekly = [await feed(dispatcher, bot, session, rng, learners, index, week=True)
              for index in range(samples // 5)]  # fmt: skip
    await engine.dispose()
    for name, values in (("/leaderboard (all time)", all_time), ("week button", weekly)):
        values.sort()
        print(
            f"{name}: p50 {1000 * percentile(values, 0.5):.1f} ms,"
            f" p95 {1000 * percentile(values, 0.95):.1f} ms over {len(values)} learners"
        )
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


async def earn_points(engine: AsyncEngine, share: int) -> None:
    """One learner in `share` earns points now: a ledger row and their stats, in step."""
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO points_ledger (user_id, points, reason, award_key, created_at)"
                " SELECT user_id, 1 + FLOOR(RAND(5) * 300), 'ADJUSTMENT', 'bench-earned', :now"
                " FROM user_stats WHERE user_id % :share = 0"
            ),
            {"now": now, "share": share},
        )
        await conn.execute(
            text(
                "UPDATE user_stats s JOIN points_ledger l ON l.user_id = s.user_id"
                " AND l.award_key = 'bench-earned' SET s.points = s.points + l.points"
            )
        )


async def feed(
    dispatcher: Dispatcher, bot: Bot, session: OfflineSession, rng: random.Random,
    learners: int, index: int, *, week: bool, command: str = "/leaderboard",
) -> float:  # fmt: skip
    """One command (or the week button) from a random learner; seconds taken."""
    number = rng.randrange(learners)
    telegram_id = FIRST_ID + number
    user = User(id=telegram_id, is_bot=False, first_name=f"Learner {number}")
    chat = Chat(id=telegram_id, type="private")
    message = Message(message_id=index, date=datetime.now(UTC), chat=chat, from_user=user,
                      text=command)  # fmt: skip
    if week:
        callback = CallbackQuery(id=str(index), from_user=user, chat_instance="b",
                                 message=message, data=BoardCb(tab=BoardTab.WEEK).pack())  # fmt: skip
        update = Update(update_id=index, callback_query=callback)
    else:
        update = Update(update_id=index, message=message)
    started = time.perf_counter()
    await dispatcher.feed_update(bot, update)
    elapsed = time.perf_counter() - started
    session.calls.clear()
    session.results.clear()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--mysql", help="server URL (default: BENCH_MYSQL_URL or root@127.0.0.1)")
    args = parser.parse_args()
    with throwaway_mysql(args.mysql) as url:
        asyncio.run(run(url, args.learners, args.samples))


if __name__ == "__main__":
    main()
