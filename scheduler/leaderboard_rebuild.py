"""The leaderboard-rebuild job: the nightly full rebuild (bot.rules.motivation.board_rebuild),
under a lease of its own.

The rebuild takes minutes at a million learners. Its own lease (not the scheduler's) lets
`learnbot jobs run leaderboard-rebuild` start it beside a running scheduler, while two
rebuilds never run at once: the second finds the lease taken and does nothing.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.rules.clock import Clock
from bot.rules.motivation.board_rebuild import rebuild_leaderboard
from scheduler.leader import Leadership
from scheduler.names import JobName
from scheduler.report import JobReport

log = logging.getLogger(__name__)


def rebuild_lease(engine: AsyncEngine) -> Leadership:
    """A lease for the rebuild of this database (MySQL's named locks span the server, so
    its name holds the database's, as the scheduler's does)."""
    return Leadership(engine, JobName.LEADERBOARD_REBUILD)


async def run_leaderboard_rebuild(
    factory: async_sessionmaker[AsyncSession], clock: Clock
) -> JobReport:
    report = JobReport(JobName.LEADERBOARD_REBUILD)
    lease = rebuild_lease(factory.kw["bind"])
    if not await lease.try_acquire():
        log.info("%s: another process is running it", JobName.LEADERBOARD_REBUILD)
        return report
    try:
        rebuilt = await rebuild_leaderboard(factory, clock.now())
    finally:
        await lease.release()
    report.due = rebuilt.learners
    report.outcomes = {"CORRECTED": rebuilt.corrected, "RANKS_WRITTEN": rebuilt.ranks_written}
    return report
