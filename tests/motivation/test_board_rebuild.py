"""The nightly rebuild: every learner's `rank` is their exact all-time rank (RANK() over
points) afterwards, whatever the chunk size; rows that disagree with the stats are put
right; two rebuilds never run at once; the job runs daily at its setting's hour."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
import sqlalchemy as sa
from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.entry.app import build_i18n
from bot.entry.config import load_settings
from bot.rules.clock import FixedClock
from bot.rules.motivation.board_rebuild import rebuild_leaderboard
from bot.rules.motivation.leaderboard import all_time_board
from bot.rules.motivation.leaderboard_refresh import refresh_leaderboard
from db.models import LeaderboardCache, UserStats
from scheduler.jobs import Jobs
from scheduler.leader import Leadership
from scheduler.leaderboard_rebuild import rebuild_lease
from scheduler.names import JobName
from scheduler.runner import build_scheduler, catch_up
from scheduler.sender import Sender
from tests.support.boards import award, learners_with_points

NIGHT = datetime(2026, 11, 26, 4, 0, tzinfo=UTC)
POINTS = [500, 300, 500, 100, 300, 300, 50, 7, 500, 1, 100]


async def ranks_and_window_ranks(session: AsyncSession) -> tuple[list[int], list[int]]:
    """Each learner's stored `rank` and their RANK() over points, by learner."""
    window = sa.func.rank().over(order_by=LeaderboardCache.total_score.desc())
    rows = (
        await session.execute(
            sa.select(LeaderboardCache.user_id, LeaderboardCache.rank, window).order_by(
                LeaderboardCache.user_id
            )
        )
    ).all()
    return [row[1] for row in rows], [row[2] for row in rows]


@pytest.mark.parametrize("chunk", [3, 1000])
async def test_after_a_rebuild_the_rank_column_equals_rank_over_points(
    session_factory: async_sessionmaker[AsyncSession], chunk: int
) -> None:
    async with session_factory() as session, session.begin():
        users = await learners_with_points(session, POINTS)
        await refresh_leaderboard(session, NIGHT)
        await award(session, users[6], 460, NIGHT, "climb")  # 50 → 510: first now
    report = await rebuild_leaderboard(session_factory, NIGHT, chunk=chunk)
    async with session_factory() as session:
        stored, window = await ranks_and_window_ranks(session)
    assert stored == window
    assert sorted(stored) == [1, 2, 2, 2, 5, 5, 5, 8, 8, 10, 11]
    assert (report.learners, report.ranks_written) == (len(POINTS), len(POINTS))


async def test_a_learner_new_to_the_board_has_rank_0_until_the_next_rebuild(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session, session.begin():
        users = await learners_with_points(session, [10, 20, 0])
    await rebuild_leaderboard(session_factory, NIGHT)
    async with session_factory() as session, session.begin():
        await award(session, users[2], 30, NIGHT, "first-points")
        await refresh_leaderboard(session, NIGHT.replace(hour=5))
        rows = await session.execute(sa.select(LeaderboardCache.user_id, LeaderboardCache.rank))
        stored = {user_id: rank for user_id, rank in rows}
        live = await all_time_board(session, users[2])
    assert stored == {users[0].id: 2, users[1].id: 1, users[2].id: 0}
    assert live.me is not None
    assert live.me.rank == 1  # the boards themselves are live


async def test_the_rebuild_puts_right_rows_the_refresh_could_not_see(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session, session.begin():
        users = await learners_with_points(session, [10, 20, 30])
        await refresh_leaderboard(session, NIGHT)
        # Changed without a ledger row: invisible to the incremental refresh.
        await session.execute(
            sa.update(UserStats).where(UserStats.user_id == users[0].id).values(points=99)
        )
        await session.execute(
            sa.update(UserStats).where(UserStats.user_id == users[2].id).values(points=0)
        )
    report = await rebuild_leaderboard(session_factory, NIGHT, chunk=2)
    async with session_factory() as session:
        board = await all_time_board(session, users[0])
        stored, window = await ranks_and_window_ranks(session)
    assert report.corrected == 2
    assert [(entry.name, entry.rank, entry.points) for entry in board.top] == [
        ("L0", 1, 99), ("L1", 2, 20),
    ]  # fmt: skip
    assert stored == window == [1, 2]


@pytest.fixture
async def mysql_jobs(
    backend: str,
    session_factory: async_sessionmaker[AsyncSession],
    bot: Bot,
    clock: FixedClock,
) -> Jobs:
    """The jobs, with two learners with points, on MySQL only (leases are MySQL's)."""
    if backend == "sqlite":
        pytest.skip("SQLite is one process: its lease is always granted")
    async with session_factory() as session, session.begin():
        await learners_with_points(session, [10, 20])
    return Jobs(session_factory, Sender(bot, session_factory, clock), clock, build_i18n())


async def test_a_second_rebuild_while_one_runs_does_nothing(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession], mysql_jobs: Jobs
) -> None:
    jobs = mysql_jobs
    running = rebuild_lease(engine)
    assert await running.try_acquire()
    try:
        report = await jobs.leaderboard_rebuild()
    finally:
        await running.release()
    async with session_factory() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(LeaderboardCache)) == 0
    assert report.due == 0
    report = await jobs.leaderboard_rebuild()
    assert (report.due, report.outcomes["RANKS_WRITTEN"]) == (2, 2)


async def test_the_rebuild_runs_while_the_scheduler_holds_its_lease(
    engine: AsyncEngine, bot: Bot, mysql_jobs: Jobs
) -> None:
    """`learnbot jobs run leaderboard-rebuild` beside a running scheduler of the same
    database: the rebuild's lease is its own."""
    scheduler = Leadership(engine, bot.id)
    assert await scheduler.try_acquire()
    try:
        report = await mysql_jobs.leaderboard_rebuild()
    finally:
        await scheduler.release()
    assert (report.due, report.outcomes["RANKS_WRITTEN"]) == (2, 2)
    assert rebuild_lease(engine).name != scheduler.name


async def test_the_rebuild_runs_daily_at_the_hour_of_its_setting(
    session_factory: async_sessionmaker[AsyncSession], bot: Bot, clock: FixedClock
) -> None:
    settings = load_settings(leaderboard_rebuild_at="03:30")
    assert settings.leaderboard_rebuild_at == time(3, 30)
    assert load_settings().leaderboard_rebuild_at == time(4, 0)
    sender = Sender(bot, session_factory, clock)
    jobs = Jobs(session_factory, sender, clock, build_i18n(), rebuild_at=time(3, 30))
    scheduler = build_scheduler(jobs, set())
    trigger = scheduler.get_job(JobName.LEADERBOARD_REBUILD).trigger
    after = trigger.get_next_fire_time(None, datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    assert after == datetime(2026, 11, 27, 3, 30, tzinfo=UTC)
    interval = scheduler.get_job(JobName.LEADERBOARD).trigger
    assert interval.interval.total_seconds() == 300


async def test_taking_over_the_lease_runs_the_interval_jobs_at_once_but_not_the_rebuild(
    session_factory: async_sessionmaker[AsyncSession], bot: Bot, clock: FixedClock
) -> None:
    jobs = Jobs(session_factory, Sender(bot, session_factory, clock), clock, build_i18n())
    scheduler = build_scheduler(jobs, set())
    scheduler.start(paused=True)
    try:
        now = datetime.now(UTC)
        catch_up(scheduler, now)
        assert scheduler.get_job(JobName.LEADERBOARD).next_run_time == now
        rebuild = scheduler.get_job(JobName.LEADERBOARD_REBUILD).next_run_time
        assert rebuild > now
        assert (rebuild.hour, rebuild.minute) == (4, 0)
    finally:
        scheduler.shutdown(wait=False)
