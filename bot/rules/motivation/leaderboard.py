"""Leaderboards: all time and this week.

The rules, as a learner sees them:
- Ranks follow RANK semantics: equal points share a rank and the next rank skips
  (1, 2, 2, 4).
- Learners who hide from the leaderboard, and learners without points, are left out of
  both boards. The weekly board counts the points earned since Monday 00:00 UTC and shows
  the learners with points this week.
- The boards are as fresh as the last refresh (the scheduler runs it every few minutes).

The cache behind them is kept by `bot.rules.motivation.leaderboard_refresh`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.models import (
    LeaderboardCache,
    LeaderboardRank,
    User,
)

TOP = 10


@dataclass(frozen=True)
class Entry:
    rank: int
    name: str | None  # first name, raw: the renderer escapes it
    points: int
    is_me: bool = False


@dataclass(frozen=True)
class Board:
    top: list[Entry]
    me: Entry | None  # None: not ranked (no points yet, hidden, or not refreshed yet)
    hidden: bool = False


@dataclass(frozen=True)
class Standing:
    """A learner's place on both boards as of the last refresh."""

    rank: int
    points: int
    week_rank: int | None  # None: no points this week
    week_points: int
    updated_at: datetime  # when the refresh last rewrote this learner


def week_start(now: datetime) -> datetime:
    """Monday 00:00 UTC of the week that contains `now`."""
    monday = now.date() - timedelta(days=now.weekday())
    return datetime.combine(monday, time(0), tzinfo=now.tzinfo)


# ---------------------------------------------------------------- reading the boards


async def all_time_board(session: AsyncSession, user: User, limit: int = TOP) -> Board:
    return await _board(session, user, week=False, limit=limit)


async def weekly_board(session: AsyncSession, user: User, now: datetime, limit: int = TOP) -> Board:
    """Points earned since Monday 00:00 UTC, as of the last refresh."""
    del now  # the cache holds the week of its last refresh
    return await _board(session, user, week=True, limit=limit)


async def standing(session: AsyncSession, user_id: int) -> Standing | None:
    """The learner's ranks and points as of the last refresh (None: not on the board)."""
    week_rank = aliased(LeaderboardRank)
    row = (
        await session.execute(
            select(
                LeaderboardRank.rank,
                LeaderboardCache.total_score,
                week_rank.rank,
                LeaderboardCache.week_points,
                LeaderboardCache.updated_at,
            )
            .join(LeaderboardRank, _ranked_by(LeaderboardRank, week=False))
            .outerjoin(week_rank, _ranked_by(week_rank, week=True))
            .where(LeaderboardCache.user_id == user_id)
        )
    ).first()
    return Standing(*row) if row else None


def _points(week: bool) -> Any:
    return LeaderboardCache.week_points if week else LeaderboardCache.total_score


def _ranked_by(ranks: Any, *, week: bool) -> ColumnElement[bool]:
    return and_(ranks.week == week, ranks.points == _points(week))


async def _board(session: AsyncSession, user: User, *, week: bool, limit: int) -> Board:
    points = _points(week)
    # The top first, backwards along the points index (no sort), then its ranks and names.
    top_rows = (
        select(LeaderboardCache.user_id, points.label("points"))
        .where(points > 0)
        .order_by(points.desc(), LeaderboardCache.user_id.desc())
        .limit(limit)
        .subquery()
    )
    rows = await session.execute(
        select(top_rows.c.user_id, LeaderboardRank.rank, User.first_name, top_rows.c.points)
        .join(
            LeaderboardRank,
            and_(LeaderboardRank.week == week, LeaderboardRank.points == top_rows.c.points),
        )
        .join(User, User.id == top_rows.c.user_id)
    )
    ordered = sorted(rows, key=lambda row: (row[1], row[0]))
    top = [Entry(rank, name, value, user_id == user.id) for user_id, rank, name, value in ordered]
    return Board(top, await _me(session, user, week), hidden=not user.show_on_leaderboard)


async def _me(session: AsyncSession, user: User, week: bool) -> Entry | None:
    mine = await standing(session, user.id)
    if mine is None:
        return None
    if not week:
        return Entry(mine.rank, user.first_name, mine.points, True)
    if mine.week_rank is None:
        return None
    return Entry(mine.week_rank, user.first_name, mine.week_points, True)
