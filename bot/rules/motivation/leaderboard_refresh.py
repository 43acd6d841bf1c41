"""Keeping the leaderboards' cache fresh.

How: `leaderboard_cache` holds one row per ranked learner (their points and this week's
points) and `leaderboard_ranks` the rank of every points value on each board (1 + the
learners with more points). A learner's rank is one lookup by their points, and the top
ten is read backwards off the cache's points index. A learner who moves changes their own
row, not the stored rank of everyone they pass.

A refresh rewrites only the learners who changed since the last one:
- learners with points ledger rows after the last refresh's ledger id (every award of
  points has a ledger row; `user_stats.points` is kept in step with it), and those with
  rows from the OVERLAP before the last refresh's time (a transaction that took its id
  before that refresh and committed after it);
- learners who hid or unhid since (the hidden learners compared with the last refresh's);
- at a new week, everyone's week points restart from the ledger.
It then recounts `leaderboard_ranks` in one pass over the cache's points indexes, which
also accounts for learners deleted since. With no record of a previous refresh (the first
run, or after the migration that introduced it) it rebuilds everything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
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

from bot.rules.motivation.leaderboard import week_start
from db.base import UTCDateTime
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


async def refresh_leaderboard(session: AsyncSession, now: datetime) -> int:
    """Bring the boards up to date; returns how many learners were rewritten.

    Rewrites the learners who earned points, hid or unhid since the last refresh (all
    learners the first time), then writes the rank of every points value.
    """
    ledger_id = int(await session.scalar(select(func.coalesce(func.max(PointsLedger.id), 0))) or 0)
    week = week_start(now)
    state = await session.get(LeaderboardRefresh, STATE_ID)
    if state is None:
        await _rebuild(session, now, week)
        counts = await _Counts.of(session)
        rewritten = counts.learners
        state = LeaderboardRefresh(id=STATE_ID, refreshed_at=now, week_start=week, ledger_id=0)
        session.add(state)
    else:
        # Counted before anything changes: the points indexes are read without visiting
        # rows this transaction rewrites. Learners deleted since are no longer counted.
        counts = await _Counts.of(session)
        changed = sorted(await _changed_learners(session, state, ledger_id, week, counts))
        for start in range(0, len(changed), CHUNK):
            chunk = changed[start : start + CHUNK]
            counts.remove(await _values(session, chunk))
            await _rewrite(session, chunk, now, week)
            counts.add(await _values(session, chunk))
        rewritten = len(changed)
    await counts.write(session)
    state.refreshed_at = now
    state.week_start = week
    state.ledger_id = ledger_id
    await session.flush()
    return rewritten


@dataclass
class _Counts:
    """Learners per points value on each board, kept in step while learners are rewritten."""

    all_time: Counter[int]
    week: Counter[int]

    @classmethod
    async def of(cls, session: AsyncSession) -> _Counts:
        boards = []
        for points in (LeaderboardCache.total_score, LeaderboardCache.week_points):
            rows = await session.execute(
                select(points, func.count()).where(points > 0).group_by(points)
            )
            boards.append(Counter({value: int(learners) for value, learners in rows}))
        return cls(*boards)

    @property
    def learners(self) -> int:
        return self.all_time.total()

    def add(self, values: list[tuple[int, int]], sign: int = 1) -> None:
        for total, week in values:
            self.all_time[total] += sign
            if week > 0:
                self.week[week] += sign

    def remove(self, values: list[tuple[int, int]]) -> None:
        self.add(values, sign=-1)

    async def write(self, session: AsyncSession) -> None:
        """Replace `leaderboard_ranks`: each value's rank is 1 + the learners above it."""
        await session.execute(delete(LeaderboardRank))
        rows: list[dict[str, Any]] = []
        for week, counts in ((False, self.all_time), (True, self.week)):
            above = 0
            for points in sorted((p for p, n in counts.items() if n > 0), reverse=True):
                rows.append({"week": week, "points": points, "learners": counts[points],
                             "rank": above + 1})  # fmt: skip
                above += counts[points]
        if rows:
            await session.execute(insert(LeaderboardRank), rows)


async def _values(session: AsyncSession, learners: Sequence[int]) -> list[tuple[int, int]]:
    """Points and week points of these learners' rows in the cache."""
    rows = await session.execute(
        select(LeaderboardCache.total_score, LeaderboardCache.week_points).where(
            LeaderboardCache.user_id.in_(learners)
        )
    )
    return [(total, week) for total, week in rows]


async def _rebuild(session: AsyncSession, now: datetime, week: datetime) -> None:
    """Everything from scratch: the cache, and the hidden learners to compare with next."""
    await session.execute(delete(LeaderboardCache))
    await session.execute(insert(LeaderboardCache).from_select(COLUMNS, _board_rows(now, week)))
    await session.execute(delete(LeaderboardHidden))
    await session.execute(
        insert(LeaderboardHidden).from_select(["user_id"], select(User.id).where(_hidden()))
    )


async def _changed_learners(
    session: AsyncSession,
    state: LeaderboardRefresh,
    ledger_id: int,
    week: datetime,
    counts: _Counts,
) -> set[int]:
    earned: list[Select[int]] = [
        select(PointsLedger.user_id).where(
            PointsLedger.id > state.ledger_id, PointsLedger.id <= ledger_id
        ),
        select(PointsLedger.user_id).where(PointsLedger.created_at >= state.refreshed_at - OVERLAP),
    ]
    if state.week_start != week:
        # A new week: every week restarts at 0, then this week's earners are recounted.
        await session.execute(
            update(LeaderboardCache).where(LeaderboardCache.week_points != 0).values(week_points=0)
        )
        counts.week.clear()
        earned.append(select(PointsLedger.user_id).where(PointsLedger.created_at >= week))
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


async def _rewrite(
    session: AsyncSession, learners: Sequence[int], now: datetime, week: datetime
) -> None:
    """Update these learners' rows, add the new ones, drop those who left the board.

    An UPDATE and an INSERT rather than an upsert: on a row that exists, InnoDB's upsert
    first inserts a new primary key, meets the duplicate user_id and undoes it.
    """
    rows = _board_rows(now, week, learners)
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
    left = left.where(UserStats.user_id.in_(learners), ~and_(*_on_board()))
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


def _on_board() -> list[ColumnElement[bool]]:
    return [User.show_on_leaderboard == true(), UserStats.points > 0]


COLUMNS = [
    "user_id",
    "rank",
    "total_score",
    "lessons_completed",
    "achievements_count",
    "week_points",
    "updated_at",
]


def _board_rows(
    now: datetime, week: datetime, learners: Sequence[int] | None = None
) -> Select[*tuple[Any, ...]]:
    """The cache rows of these learners (None: everyone) who belong on the board.

    Everyone: achievements and this week's points grouped in one pass each. A few
    learners: looked up per learner on the indexes that start with `user_id`.
    """
    if learners is None:
        earned = (
            select(UserAchievement.user_id, func.count().label("n"))
            .group_by(UserAchievement.user_id)
            .subquery()
        )
        weekly = (
            select(PointsLedger.user_id, func.sum(PointsLedger.points).label("n"))
            .where(PointsLedger.created_at >= week)
            .group_by(PointsLedger.user_id)
            .subquery()
        )
        achievements: Any = earned.c.n
        week_points: Any = weekly.c.n
    else:
        achievements = (
            select(func.count())
            .where(UserAchievement.user_id == UserStats.user_id)
            .scalar_subquery()
        )
        week_points = (
            select(func.sum(PointsLedger.points))
            .where(PointsLedger.user_id == UserStats.user_id, PointsLedger.created_at >= week)
            .scalar_subquery()
        )
    values: tuple[Any, ...] = (
        UserStats.user_id,
        literal(0),  # the seed's `rank` column; ranks live in leaderboard_ranks
        UserStats.points,
        UserStats.lessons_completed,
        func.coalesce(achievements, 0),
        func.coalesce(week_points, 0),
        literal(now, UTCDateTime()),
    )
    rows = select(*(value.label(name) for value, name in zip(values, COLUMNS, strict=True)))
    rows = rows.join(User, User.id == UserStats.user_id)
    if learners is None:
        rows = rows.outerjoin(earned, earned.c.user_id == UserStats.user_id)
        rows = rows.outerjoin(weekly, weekly.c.user_id == UserStats.user_id)
        return rows.where(*_on_board())
    return rows.where(UserStats.user_id.in_(learners), *_on_board())
