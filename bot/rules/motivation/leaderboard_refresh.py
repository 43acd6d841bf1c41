"""Keeping the leaderboards' cache fresh.

How: `leaderboard_cache` holds one row per ranked learner (their points and the points of
each period) and `leaderboard_ranks` the rank of every points value on each board (1 + the
learners with more points). A learner's rank is one lookup by their points, and the top
ten is read backwards off the cache's points index. A learner who moves changes their own
row, not the stored rank of everyone they pass. (The cache's `rank` column is the exact
all-time rank as of the last nightly rebuild: bot.rules.motivation.board_rebuild.)

A refresh rewrites only the learners who changed since the last one:
- learners with points ledger rows after the last refresh's ledger id (every award of
  points has a ledger row; `user_stats.points` is kept in step with it), and those with
  rows from the OVERLAP before the last refresh's time (a transaction that took its id
  before that refresh and committed after it);
- learners who hid or unhid since (the hidden learners compared with the last refresh's);
- at a new day, week or month, everyone's points of that period restart from the ledger.
It then recounts `leaderboard_ranks` in one pass over the cache's points indexes, which
also accounts for learners deleted since. With no record of a previous refresh (the first
run, or after a migration that reset it) it rebuilds everything.

A refresh that passes the end of a week or a month first brings the boards to the last
second of that period (ledger rows stamped before its end), keeps its top 100
(bot.rules.motivation.board_history), then goes on; so a week closed late (the scheduler
was down) is still kept with its own points.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    delete,
    exists,
    false,
    func,
    insert,
    literal,
    select,
    true,
    union,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.motivation.board_history import take_snapshots
from bot.rules.motivation.board_periods import (
    LAST_SECOND,
    RESTARTING,
    ends_between,
    period_start,
    points_column,
    week_start,
)
from db.base import UTCDateTime
from db.enums import BoardPeriod
from db.models import (
    LeaderboardCache,
    LeaderboardHidden,
    LeaderboardRank,
    LeaderboardRefresh,
    PointsLedger,
    User,
    UserAchievement,
    UserStats,
)

# How long a transaction may take between its `now` (the ledger row's created_at) and its
# commit and still be seen by the next refresh; far longer than any update's transaction.
OVERLAP = timedelta(minutes=10)
# Learners per statement when rewriting: few round trips, well under SQLite's 32,766
# bound parameters (each learner is bound three times).
CHUNK = 2000
STATE_ID = 1  # the one row of `leaderboard_refresh`
BOARDS = (BoardPeriod.ALL_TIME, *RESTARTING)


async def refresh_leaderboard(session: AsyncSession, now: datetime) -> int:
    """Bring the boards up to date; returns how many learners were rewritten.

    Rewrites the learners who earned points, hid or unhid since the last refresh (all
    learners the first time), then writes the rank of every points value. At the end of a
    week or a month on the way, the boards are first brought to that end and its top kept.
    Two refreshes at once take turns (the state row is locked first).
    """
    state = await session.get(LeaderboardRefresh, STATE_ID, with_for_update=True)
    ledger_id = int(await session.scalar(select(func.coalesce(func.max(PointsLedger.id), 0))) or 0)
    if state is None:
        await _rebuild(session, now)
        counts = await Counts.of(session)
        await counts.write(session)
        session.add(
            LeaderboardRefresh(
                id=STATE_ID, refreshed_at=now, week_start=week_start(now), ledger_id=ledger_id
            )
        )
        await session.flush()
        return counts.learners
    rewritten = 0
    for end, periods in ends_between(state.refreshed_at, now):
        rewritten += await _step(session, state, ledger_id, end - LAST_SECOND, until=end)
        await take_snapshots(session, periods, end)
    return rewritten + await _step(session, state, ledger_id, now)


async def _step(
    session: AsyncSession,
    state: LeaderboardRefresh,
    ledger_id: int,
    as_of: datetime,
    until: datetime | None = None,
) -> int:
    """Bring the boards from the state's time to `as_of`, counting ledger rows stamped
    before `until` (None: all of them)."""
    # Counted before anything changes: the points indexes are read without visiting
    # rows this transaction rewrites. Learners deleted since are no longer counted.
    counts = await Counts.of(session)
    changed = sorted(await _changed_learners(session, state, ledger_id, as_of, counts))
    for start in range(0, len(changed), CHUNK):
        chunk = changed[start : start + CHUNK]
        counts.remove(await _values(session, chunk))
        await rewrite(session, chunk, as_of, until)
        counts.add(await _values(session, chunk))
    await counts.write(session)
    state.refreshed_at = as_of
    state.week_start = week_start(as_of)
    state.ledger_id = ledger_id
    await session.flush()
    return len(changed)


@dataclass
class Counts:
    """Learners per points value on each board, kept in step while learners are rewritten."""

    boards: dict[BoardPeriod, Counter[int]] = field(default_factory=dict)

    @classmethod
    async def of(cls, session: AsyncSession) -> Counts:
        counts = cls()
        for board in BOARDS:
            points = points_column(board)
            rows = await session.execute(
                select(points, func.count()).where(points > 0).group_by(points)
            )
            counts.boards[board] = Counter({value: int(learners) for value, learners in rows})
        return counts

    @property
    def learners(self) -> int:
        return self.boards[BoardPeriod.ALL_TIME].total()

    def add(self, values: list[tuple[int, ...]], sign: int = 1) -> None:
        for row in values:
            for board, points in zip(BOARDS, row, strict=True):
                if points > 0:
                    self.boards[board][points] += sign

    def remove(self, values: list[tuple[int, ...]]) -> None:
        self.add(values, sign=-1)

    def ranks(self, board: BoardPeriod) -> list[tuple[int, int, int]]:
        """(points, learners, rank) of each points value on the board, best first."""
        counts = self.boards[board]
        rows, above = [], 0
        for points in sorted((p for p, n in counts.items() if n > 0), reverse=True):
            rows.append((points, counts[points], above + 1))
            above += counts[points]
        return rows

    async def write(self, session: AsyncSession) -> None:
        """Replace `leaderboard_ranks`: each value's rank is 1 + the learners above it."""
        await session.execute(delete(LeaderboardRank))
        rows = [
            {"board": board, "points": points, "learners": learners, "rank": rank}
            for board in BOARDS
            for points, learners, rank in self.ranks(board)
        ]
        if rows:
            await session.execute(insert(LeaderboardRank), rows)


async def _values(session: AsyncSession, learners: Sequence[int]) -> list[tuple[int, ...]]:
    """The points of each board (in BOARDS' order) of these learners' rows in the cache."""
    rows = await session.execute(
        select(*(points_column(board) for board in BOARDS)).where(
            LeaderboardCache.user_id.in_(learners)
        )
    )
    return [tuple(row) for row in rows]


async def _rebuild(session: AsyncSession, now: datetime) -> None:
    """Everything from scratch: the cache, and the hidden learners to compare with next."""
    await session.execute(delete(LeaderboardCache))
    await session.execute(insert(LeaderboardCache).from_select(COLUMNS, board_rows(now)))
    await session.execute(delete(LeaderboardHidden))
    await session.execute(
        insert(LeaderboardHidden).from_select(["user_id"], select(User.id).where(_hidden()))
    )


async def _changed_learners(
    session: AsyncSession,
    state: LeaderboardRefresh,
    ledger_id: int,
    as_of: datetime,
    counts: Counts,
) -> set[int]:
    earned: list[Select[int]] = [
        select(PointsLedger.user_id).where(
            PointsLedger.id > state.ledger_id, PointsLedger.id <= ledger_id
        ),
        select(PointsLedger.user_id).where(PointsLedger.created_at >= state.refreshed_at - OVERLAP),
    ]
    for period in RESTARTING:
        start = period_start(period, as_of)
        if period_start(period, state.refreshed_at) == start:
            continue
        # A new period: everyone's points of it restart at 0, then its earners are recounted.
        points = points_column(period)
        await session.execute(update(LeaderboardCache).where(points != 0).values({points: 0}))
        counts.boards[period].clear()
        earned.append(select(PointsLedger.user_id).where(PointsLedger.created_at >= start))
    changed = set(await session.scalars(union(*earned)))
    return changed | await _visibility_changes(session)


async def _visibility_changes(session: AsyncSession) -> set[int]:
    """Learners who hid or unhid since the last refresh; the record moves along with them."""
    newly_hidden = list(
        await session.scalars(
            select(User.id).where(_hidden(), ~exists().where(LeaderboardHidden.user_id == User.id))
        )
    )
    unhidden = list(
        await session.scalars(
            select(LeaderboardHidden.user_id)
            .join(User, User.id == LeaderboardHidden.user_id)
            .where(User.show_on_leaderboard == true())
        )
    )
    if newly_hidden:
        await session.execute(insert(LeaderboardHidden), [{"user_id": i} for i in newly_hidden])
    for start in range(0, len(unhidden), CHUNK):
        chunk = unhidden[start : start + CHUNK]
        await session.execute(delete(LeaderboardHidden).where(LeaderboardHidden.user_id.in_(chunk)))
    return {*newly_hidden, *unhidden}


async def rewrite(
    session: AsyncSession, learners: Sequence[int], as_of: datetime, until: datetime | None = None
) -> None:
    """Update these learners' rows, add the new ones, drop those who left the board.

    An UPDATE and an INSERT rather than an upsert: on a row that exists, InnoDB's upsert
    first inserts a new primary key, meets the duplicate user_id and undoes it. The
    `rank` column is left as the last nightly rebuild wrote it (0 for a new row).
    """
    rows = board_rows(as_of, until, learners)
    new = rows.subquery()
    await session.execute(
        update(LeaderboardCache)
        .where(LeaderboardCache.user_id == new.c.user_id)
        .values({name: new.c[name] for name in COLUMNS[2:]})
        .execution_options(synchronize_session=False)
    )
    absent = ~exists().where(LeaderboardCache.user_id == UserStats.user_id)
    await session.execute(insert(LeaderboardCache).from_select(COLUMNS, rows.where(absent)))
    # Found first, then deleted by key: a DELETE … WHERE IN (subquery) visits every row.
    left = select(UserStats.user_id).join(User, User.id == UserStats.user_id)
    left = left.where(UserStats.user_id.in_(learners), ~and_(*on_board()))
    leaving = list(await session.scalars(left))
    if leaving:
        await session.execute(
            delete(LeaderboardCache)
            .where(LeaderboardCache.user_id.in_(leaving))
            .execution_options(synchronize_session=False)
        )


def _hidden() -> ColumnElement[bool]:
    # `= false`, not NOT: the index on show_on_leaderboard finds the few hidden learners.
    return User.show_on_leaderboard == false()


def on_board() -> list[ColumnElement[bool]]:
    return [User.show_on_leaderboard == true(), UserStats.points > 0]


COLUMNS = [
    "user_id",
    "rank",
    "total_score",
    "lessons_completed",
    "achievements_count",
    "day_points",
    "week_points",
    "month_points",
    "updated_at",
]


def board_rows(
    as_of: datetime, until: datetime | None = None, learners: Sequence[int] | None = None
) -> Select[*tuple[Any, ...]]:
    """The cache rows of these learners (None: everyone) who belong on the board, with the
    points of each period that contains `as_of` (ledger rows stamped before `until`).

    Achievements and the periods' points are grouped in one pass each (over these
    learners' rows only, when they are given).
    """
    starts = {period: period_start(period, as_of) for period in RESTARTING}
    earliest = min(starts.values())  # a month, or a week that began the month before
    window = [PointsLedger.created_at >= earliest]
    if until is not None:
        window.append(PointsLedger.created_at < until)
    owned = []
    if learners is not None:
        window.append(PointsLedger.user_id.in_(learners))
        owned.append(UserAchievement.user_id.in_(learners))
    earned = (
        select(UserAchievement.user_id, func.count().label("n"))
        .where(*owned)
        .group_by(UserAchievement.user_id)
        .subquery()
    )
    periods = (
        select(
            PointsLedger.user_id,
            *(
                func.sum(
                    case((PointsLedger.created_at >= start, PointsLedger.points), else_=0)
                ).label(period.name)
                for period, start in starts.items()
            ),
        )
        .where(*window)
        .group_by(PointsLedger.user_id)
        .subquery()
    )
    values: tuple[Any, ...] = (
        UserStats.user_id,
        literal(0),  # the seed's `rank` column: written by the nightly rebuild
        UserStats.points,
        UserStats.lessons_completed,
        func.coalesce(earned.c.n, 0),
        *(func.coalesce(periods.c[period.name], 0) for period in RESTARTING),
        literal(as_of, UTCDateTime()),
    )
    rows = select(*(value.label(name) for value, name in zip(values, COLUMNS, strict=True)))
    rows = rows.join(User, User.id == UserStats.user_id)
    rows = rows.outerjoin(earned, earned.c.user_id == UserStats.user_id)
    rows = rows.outerjoin(periods, periods.c.user_id == UserStats.user_id)
    if learners is not None:
        rows = rows.where(UserStats.user_id.in_(learners))
    return rows.where(*on_board())
