"""The nightly full rebuild of the leaderboard: every learner checked, every rank written.

The refresh every few minutes is incremental (bot.rules.motivation.leaderboard_refresh):
it rewrites the learners it knows have changed. Once a day, at a quiet hour, the rebuild

1. refreshes as usual (closing a week or a month on the way);
2. compares every learner's cache row with their stats and visibility, a range of learners
   per transaction, and rewrites those that disagree (whatever changed without a ledger
   row the refresh could see);
3. recounts the rank of every points value on each board from the cache;
4. writes each learner's exact all-time rank into `leaderboard_cache.rank` (the column the
   seed schema gave it), a range of points values per transaction.

`rank` is therefore the all-time rank as of the last rebuild, and 0 for a learner who
joined the board since; the ranks /leaderboard shows are live (`leaderboard_ranks`, as of
the last refresh). Short transactions keep the table usable: a chunk's rows are locked for
a fraction of a second, and readers never wait (InnoDB reads do not lock). A chunk that
rewrites learners takes the refresh's state lock, so it and a refresh take turns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from bot.rules.motivation.leaderboard_refresh import (
    CHUNK,
    STATE_ID,
    Counts,
    on_board,
    refresh_leaderboard,
    rewrite,
)
from db.enums import BoardPeriod
from db.models import LeaderboardCache, LeaderboardRank, LeaderboardRefresh, User, UserStats

# Learners per transaction: long enough to amortise the round trips, short enough that
# the rows a chunk locks are held for well under a second.
REBUILD_CHUNK = 20_000


@dataclass(frozen=True)
class RebuildReport:
    learners: int  # ranked learners
    corrected: int  # rows that disagreed with the learners' stats
    ranks_written: int  # rows whose `rank` changed


async def rebuild_leaderboard(
    factory: async_sessionmaker[AsyncSession], now: datetime, chunk: int = REBUILD_CHUNK
) -> RebuildReport:
    """Rebuild the boards in short transactions and write every learner's exact rank."""
    async with factory() as session, session.begin():
        await refresh_leaderboard(session, now)
        top = int(
            await session.scalar(
                select(UserStats.user_id).order_by(UserStats.user_id.desc()).limit(1)
            )
            or 0
        )
    corrected = 0
    for first in range(1, top + 1, chunk):
        async with factory() as session, session.begin():
            await session.get(LeaderboardRefresh, STATE_ID, with_for_update=True)
            wrong = await _disagreeing(session, first, first + chunk - 1)
            for start in range(0, len(wrong), CHUNK):
                await rewrite(session, wrong[start : start + CHUNK], now)
            corrected += len(wrong)
    async with factory() as session, session.begin():
        await session.get(LeaderboardRefresh, STATE_ID, with_for_update=True)
        counts = await Counts.of(session)
        await counts.write(session)
    ranks = counts.ranks(BoardPeriod.ALL_TIME)
    written = 0
    for highest, lowest in _ranges(ranks, chunk):
        async with factory() as session, session.begin():
            written += await _write_ranks(session, lowest, highest)
    return RebuildReport(counts.learners, corrected, written)


async def _disagreeing(session: AsyncSession, first: int, last: int) -> list[int]:
    """Learners in [first, last] whose cache row does not match their stats: on the board
    without a row, with a row off the board, or with other points or lessons."""
    cache = aliased(LeaderboardCache)
    belongs = and_(*on_board())
    rows = await session.scalars(
        select(UserStats.user_id)
        .join(User, User.id == UserStats.user_id)
        .outerjoin(cache, cache.user_id == UserStats.user_id)
        .where(
            UserStats.user_id.between(first, last),
            or_(
                and_(belongs, cache.id.is_(None)),
                and_(~belongs, cache.id.is_not(None)),
                cache.total_score != UserStats.points,
                cache.lessons_completed != UserStats.lessons_completed,
            ),
        )
    )
    return list(rows)


def _ranges(ranks: list[tuple[int, int, int]], chunk: int) -> list[tuple[int, int]]:
    """(highest, lowest) points of consecutive values holding about `chunk` learners."""
    ranges: list[tuple[int, int]] = []
    highest, learners = None, 0
    for points, count, _rank in ranks:
        highest = points if highest is None else highest
        learners += count
        if learners >= chunk:
            ranges.append((highest, points))
            highest, learners = None, 0
    if highest is not None:
        ranges.append((highest, ranks[-1][0]))
    return ranges


async def _write_ranks(session: AsyncSession, lowest: int, highest: int) -> int:
    """Each learner's `rank` from the rank of their points, for points in the range."""
    ranks = LeaderboardRank
    result = await session.execute(
        update(LeaderboardCache)
        .where(
            LeaderboardCache.total_score.between(lowest, highest),
            ranks.board == BoardPeriod.ALL_TIME,
            ranks.points == LeaderboardCache.total_score,
            LeaderboardCache.rank != ranks.rank,
        )
        .values(rank=ranks.rank)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
