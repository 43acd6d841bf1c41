"""Leaderboards at a million learners on MariaDB/MySQL.

    .venv/bin/python -m bench.leaderboard [--learners 1000000] [--samples 500]

Prints, in one run, the time of a full rebuild of the boards (into an empty cache), of a
refresh when nothing changed, and of a refresh after 10 % of the learners earned points
(a ledger row and their stats, as the rewards do), each also as a ratio to the full
rebuild; the nightly rebuild (every row checked, every `rank` written), alone, then again
with p50/p95 of /leaderboard while it runs; p50/p95 and statements per update
of every tab (today, this week, this month, all time) for random learners through the real
dispatcher; keeping the top 100 of a week and of a month (the snapshot), the kept boards'
tabs, and a refresh across the week's end. Each phase starts once the server has purged
the undo history of the one before. Targets: nothing changed ≤ 0.05 × the rebuild, 10 %
changed ≤ 0.5 ×, each tab p95 ≤ 30 ms in ≤ 3 statements, a snapshot ≤ 2 s, the nightly
rebuild ≤ 1.5 × the full rebuild with /leaderboard p95 ≤ 60 ms meanwhile.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta

from aiogram import Bot, Dispatcher
from aiogram.types import CallbackQuery, Chat, Message, Update, User
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bench.common import StatementCounter, current_kind, peak_rss_mb, percentile, throwaway_mysql
from bot.entry.app import build_bot, build_dispatcher
from bot.entry.offline import OfflineSession
from bot.rules.clock import Clock, SystemClock
from bot.rules.motivation.board_history import take_snapshots
from bot.rules.motivation.board_periods import (
    day_start,
    month_start,
    next_start,
    period_start,
    week_start,
)
from bot.rules.motivation.board_rebuild import rebuild_leaderboard
from bot.rules.motivation.leaderboard_refresh import refresh_leaderboard
from bot.telegram.callbacks import BoardCb, BoardTab
from db.engine import create_engine, create_session_factory
from db.enums import BoardPeriod
from db.migrate import upgrade_to_head

FIRST_ID = 1_000_000_000
LIVE = (BoardTab.TODAY, BoardTab.WEEK, BoardTab.MONTH, BoardTab.ALL_TIME)


async def seed(url: str, learners: int, weekly_awards: int) -> None:
    """Learners, stats and this week's ledger rows, generated inside the server."""
    engine = create_engine(url)
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    monday = week_start(datetime.now(UTC)).replace(tzinfo=None)
    first = month_start(datetime.now(UTC)).replace(tzinfo=None)
    today = day_start(datetime.now(UTC)).replace(tzinfo=None)
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
                " reminders_enabled, show_on_leaderboard, role, last_seen_at, onboarded_at,"
                " created_at, updated_at) SELECT :first + n, CONCAT('Learner ', n), 1, 'UTC',"
                " 540, 1, n % 50 <> 0, 'LEARNER', :now, :now, :now, :now FROM seq"
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
        # A tenth earn today, a third earlier this month (or on Monday, when it began later).
        for key, when, share in (("bench-today", today, 10), ("bench-month", first, 3)):
            await conn.execute(
                text(
                    "INSERT INTO points_ledger (user_id, points, reason, award_key, created_at)"
                    " SELECT id, FLOOR(RAND(9) * 100), 'ADJUSTMENT', :key, :when"
                    " FROM users WHERE id % :share = 1"
                ),
                {"key": key, "when": max(when, first), "share": share},
            )
    await engine.dispose()


class Bench:
    """The dispatcher over the seeded database, fed commands and buttons of random learners."""

    def __init__(self, factory: async_sessionmaker[AsyncSession], learners: int) -> None:
        self.factory = factory
        self.learners = learners
        self.session = OfflineSession()
        self.bot = build_bot("42:BENCH", session=self.session)
        self.rng = random.Random(11)
        self.index = 0

    async def latencies(self, samples: int, tab: BoardTab | None, clock: Clock) -> list[float]:
        """Seconds per update: /leaderboard (tab None) or a tab's button, random learners."""
        dispatcher = build_dispatcher(self.factory, clock)
        await self.feed(dispatcher, tab)  # loads the course map, as a running bot has
        current_kind.set(str(tab))
        values = [await self.feed(dispatcher, tab) for _ in range(samples)]
        current_kind.set("setup")
        return sorted(values)

    async def feed(self, dispatcher: Dispatcher, tab: BoardTab | None) -> float:
        self.index += 1
        return await feed(dispatcher, self.bot, self.session, self.rng, self.learners,
                          self.index, tab=tab)  # fmt: skip


# Undo history the server may still have to purge before a figure is taken: a phase timed
# while the previous one's delete-marked rows are being purged pays for both.
PURGED = 10_000
PURGE_WAIT = timedelta(minutes=3)


async def settled(engine: AsyncEngine) -> None:
    """Wait until InnoDB has purged the history of the work before (at most PURGE_WAIT)."""
    started = time.perf_counter()
    query = text(
        "SELECT `COUNT` FROM information_schema.INNODB_METRICS WHERE NAME = 'trx_rseg_history_len'"
    )
    while time.perf_counter() - started < PURGE_WAIT.total_seconds():
        async with engine.connect() as conn:
            if int(await conn.scalar(query) or 0) < PURGED:
                return
        await asyncio.sleep(0.5)


def figures(values: list[float]) -> str:
    return (
        f"p50 {1000 * percentile(values, 0.5):.1f} ms, p95 {1000 * percentile(values, 0.95):.1f} ms"
    )


async def timed(work: Awaitable[object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = await work
    return time.perf_counter() - started, result


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
    counter = StatementCounter(engine)
    rebuild = await refreshes(engine, factory)
    bench = Bench(factory, learners)
    await nightly(engine, factory, bench, rebuild)
    clock = SystemClock()
    for tab in (None, *LIVE):
        values = await bench.latencies(samples if tab is None else samples // 5, tab, clock)
        per_update = counter.statements[str(tab)] / len(values)
        name = "/leaderboard (all time)" if tab is None else f"{tab.name.lower()} tab"
        print(f"{name}: {figures(values)}, {per_update:.2f} statements per update"
              f" over {len(values)} learners")  # fmt: skip
    await closes(factory, bench, counter, rebuild, samples // 5)
    await engine.dispose()
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


async def refreshes(engine: AsyncEngine, factory: async_sessionmaker[AsyncSession]) -> float:
    """The full rebuild, then two incremental refreshes; returns the rebuild's seconds."""
    rebuild = 0.0
    for label in ("full rebuild (empty cache)", "nothing changed", "after 10% earned points"):
        if label.startswith("after"):
            await earn_points(engine, share=10)
        await settled(engine)
        started = time.perf_counter()
        async with factory() as session, session.begin():
            rewritten = await refresh_leaderboard(session, datetime.now(UTC))
        elapsed = time.perf_counter() - started
        rebuild = rebuild or elapsed
        print(
            f"refresh, {label}: {elapsed:.2f} s = {elapsed / rebuild:.3f} x the rebuild"
            f" ({rewritten:,} learners rewritten)"
        )
    return rebuild


async def nightly(
    engine: AsyncEngine, factory: async_sessionmaker[AsyncSession], bench: Bench, rebuild: float
) -> None:
    """The nightly rebuild alone; then, every rank reset to 0 again, once more with
    /leaderboard from random learners all the while (one at a time, as the tabs are timed),
    in the same process (as `learnbot run` has it)."""
    await settled(engine)
    elapsed, report = await timed(rebuild_leaderboard(factory, datetime.now(UTC)))
    print(f"nightly rebuild: {elapsed:.2f} s = {elapsed / rebuild:.3f} x the full rebuild"
          f" ({report})")  # fmt: skip
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE leaderboard_cache SET `rank` = 0"))
    await settled(engine)
    dispatcher = build_dispatcher(factory, SystemClock())
    task = asyncio.create_task(timed(rebuild_leaderboard(factory, datetime.now(UTC))))
    during: list[float] = []
    while not task.done():
        during.append(await bench.feed(dispatcher, None))
    elapsed, report = await task
    print(f"nightly rebuild again, /leaderboard meanwhile: {figures(sorted(during))}"
          f" over {len(during)} updates; the rebuild {elapsed:.2f} s")  # fmt: skip
    await settled(engine)


async def closes(
    factory: async_sessionmaker[AsyncSession],
    bench: Bench,
    counter: StatementCounter,
    rebuild: float,
    samples: int,
) -> None:
    """Keeping the top 100 of a week and of a month as they end (the points in the cache
    taken as last week's and last month's), the kept boards' tabs, then a refresh across
    this week's end (bringing the boards to its last second, keeping its top 100, starting
    the new day and week)."""
    now = datetime.now(UTC)
    for period in (BoardPeriod.WEEK, BoardPeriod.MONTH):
        await settled(factory.kw["bind"])
        async with factory() as session, session.begin():
            end = period_start(period, now)
            elapsed, kept = await timed(take_snapshots(session, [period], end))
        print(f"snapshot, {period.name.lower()} closed: {elapsed:.3f} s"
              f" = {elapsed / rebuild:.4f} x the rebuild ({kept} learners kept)")  # fmt: skip
    for tab in (BoardTab.LAST_WEEK, BoardTab.LAST_MONTH):
        values = await bench.latencies(samples, tab, SystemClock())
        per_update = counter.statements[str(tab)] / len(values)
        print(f"{tab.name.lower()} tab: {figures(values)}, {per_update:.2f} statements"
              f" per update over {len(values)} learners")  # fmt: skip
    after = next_start(BoardPeriod.WEEK, week_start(now)) + timedelta(seconds=30)
    await settled(factory.kw["bind"])
    async with factory() as session, session.begin():
        elapsed, rewritten = await timed(refresh_leaderboard(session, after))
    print(
        f"refresh across the week's end (catch-up, top 100 kept, new day and week):"
        f" {elapsed:.2f} s = {elapsed / rebuild:.3f} x the rebuild ({rewritten:,} rewritten)"
    )


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
    learners: int, index: int, *, tab: BoardTab | None,
) -> float:  # fmt: skip
    """/leaderboard (tab None) or a tab's button from a random learner; seconds taken."""
    number = rng.randrange(learners)
    telegram_id = FIRST_ID + number
    user = User(id=telegram_id, is_bot=False, first_name=f"Learner {number}")
    chat = Chat(id=telegram_id, type="private")
    message = Message(message_id=index, date=datetime.now(UTC), chat=chat, from_user=user,
                      text="/leaderboard")  # fmt: skip
    if tab is not None:
        callback = CallbackQuery(id=str(index), from_user=user, chat_instance="b",
                                 message=message, data=BoardCb(tab=tab).pack())  # fmt: skip
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
