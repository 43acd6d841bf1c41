"""Weekly leagues at a million learners on MariaDB/MySQL.

    .venv/bin/python -m bench.league [--learners 1000000] [--earners 200000] [--samples 500]

Seeds the learners (tiers spread over the five), of whom `--earners` earned points this
week, then prints the time to place all of them into groups (one INSERT … SELECT), p50/p95
of /league through the real dispatcher for random members, and the time to close the week
(final standings, new tiers, one result message per member claimed in the delivery
ledger), then the time of a second close (a no-op). Targets: close < 60 s, /league p95
< 30 ms. /help through the same dispatcher is printed as the floor (the update pipeline
alone), so a loaded machine shows as such.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import UTC, datetime

from sqlalchemy import text

from bench.common import peak_rss_mb, percentile, throwaway_mysql
from bench.leaderboard import feed, seed
from bot.entry.app import build_bot, build_dispatcher
from bot.entry.offline import OfflineSession
from bot.rules.clock import SystemClock
from bot.rules.motivation.leagues import WEEK, close_week, place_newcomers, week_of
from db.engine import create_engine, create_session_factory
from db.migrate import upgrade_to_head


async def run(url: str, learners: int, earners: int, samples: int) -> None:
    await upgrade_to_head(url)
    started = time.perf_counter()
    await seed(url, learners, weekly_awards=earners)
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE user_stats SET league_tier = user_id % 5"))
        await conn.execute(text("UPDATE users SET onboarded_at = created_at"))
        pool = await conn.scalar(text("SELECT @@innodb_buffer_pool_size"))
    print(
        f"seeded {learners:,} learners, {earners:,} earning this week,"
        f" in {time.perf_counter() - started:.1f} s"
    )
    print(f"server buffer pool: {int(pool or 0) // 2**20} MB")
    factory = create_session_factory(engine)
    now = datetime.now(UTC)
    started = time.perf_counter()
    async with factory() as session, session.begin():
        await place_newcomers(session, now)
    print(f"placing {earners:,} learners into groups: {time.perf_counter() - started:.1f} s")
    async with engine.connect() as conn:
        groups = await conn.scalar(
            text("SELECT COUNT(*) FROM (SELECT DISTINCT tier, group_no FROM league_members) g")
        )
    print(f"groups: {groups:,}")
    session = OfflineSession()
    bot = build_bot("42:BENCH", session=session)
    dispatcher = build_dispatcher(factory, SystemClock())
    rng = random.Random(13)
    timings = [
        await feed(dispatcher, bot, session, rng, earners, index, week=False, command="/league")
        for index in range(samples)
    ]
    # The same dispatcher's floor on this machine now: /help reads nothing but the learner.
    floor = [
        await feed(dispatcher, bot, session, rng, earners, index, week=False, command="/help")
        for index in range(samples)
    ]
    for name, values in (("/league", timings), ("/help (the floor)", floor)):
        values.sort()
        print(
            f"{name}: p50 {1000 * percentile(values, 0.5):.1f} ms,"
            f" p95 {1000 * percentile(values, 0.95):.1f} ms over {len(values)} members"
        )
    week = week_of(now)
    for label in ("closing the week", "closing it again (a no-op)"):
        started = time.perf_counter()
        async with factory() as session, session.begin():
            closed = await close_week(session, week, now + WEEK)
        print(f"{label}: {time.perf_counter() - started:.1f} s (closed: {closed})")
    async with engine.connect() as conn:
        moved = (
            await conn.execute(
                text("SELECT SUM(new_tier > tier), SUM(new_tier < tier) FROM league_members")
            )
        ).one()
        claimed = await conn.scalar(
            text("SELECT COUNT(*) FROM deliveries WHERE kind = 'LEAGUE_RESULT'")
        )
    print(f"promoted {int(moved[0]):,}, demoted {int(moved[1]):,}, messages claimed {claimed:,}")
    await engine.dispose()
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1_000_000)
    parser.add_argument("--earners", type=int, default=200_000)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--mysql", help="server URL (default: BENCH_MYSQL_URL or root@127.0.0.1)")
    args = parser.parse_args()
    with throwaway_mysql(args.mysql) as url:
        asyncio.run(run(url, args.learners, args.earners, args.samples))


if __name__ == "__main__":
    main()
