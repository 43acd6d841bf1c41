"""Leaderboards: today, this week, this month and all time.

The rules, as a learner sees them:
- Ranks follow RANK semantics: equal points share a rank and the next rank skips
  (1, 2, 2, 4).
- Learners who hide from the leaderboard, and learners without points, are left out of
  every board. Today, this week and this month count the points earned since their start
  in UTC (bot.rules.motivation.board_periods) and show the learners with points in them.
- The boards are as fresh as the last refresh (the scheduler runs it every few minutes).
- When a week or a month ends, its top 100 is kept (bot.rules.motivation.board_history).

The cache behind them is kept by `bot.rules.motivation.leaderboard_refresh`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.rules.motivation.board_periods import points_column
from db.enums import BoardPeriod
from db.models import LeaderboardCache, LeaderboardRank, User

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
    """A learner's place on the all-time and weekly boards as of the last refresh."""

    rank: int
    points: int
    week_rank: int | None  # None: no points this week
    week_points: int
    updated_at: datetime  # when the refresh last rewrote this learner


# ---------------------------------------------------------------- reading the boards


async def period_board(
    session: AsyncSession, user: User, period: BoardPeriod, limit: int = TOP
) -> Board:
    """The top of a board and the learner's own place, as of the last refresh (two
    statements)."""
    points = points_column(period)
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
            and_(LeaderboardRank.board == period, LeaderboardRank.points == top_rows.c.points),
        )
        .join(User, User.id == top_rows.c.user_id)
    )
    ordered = sorted(rows, key=lambda row: (row[1], row[0]))
    top = [Entry(rank, name, value, user_id == user.id) for user_id, rank, name, value in ordered]
    return Board(top, await _me(session, user, period), hidden=not user.show_on_leaderboard)


async def all_time_board(session: AsyncSession, user: User, limit: int = TOP) -> Board:
    return await period_board(session, user, BoardPeriod.ALL_TIME, limit)


async def weekly_board(session: AsyncSession, user: User, now: datetime, limit: int = TOP) -> Board:
    """Points earned since Monday 00:00 UTC, as of the last refresh."""
    del now  # the cache holds the week of its last refresh
    return await period_board(session, user, BoardPeriod.WEEK, limit)


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
            .join(LeaderboardRank, _ranked_by(LeaderboardRank, BoardPeriod.ALL_TIME))
            .outerjoin(week_rank, _ranked_by(week_rank, BoardPeriod.WEEK))
            .where(LeaderboardCache.user_id == user_id)
        )
    ).first()
    return Standing(*row) if row else None


def _ranked_by(ranks: Any, board: BoardPeriod) -> ColumnElement[bool]:
    return and_(ranks.board == board, ranks.points == points_column(board))


async def _me(session: AsyncSession, user: User, period: BoardPeriod) -> Entry | None:
    points = points_column(period)
    row = (
        await session.execute(
            select(LeaderboardRank.rank, points)
            .join(LeaderboardRank, _ranked_by(LeaderboardRank, period))
            .where(LeaderboardCache.user_id == user.id, points > 0)
        )
    ).first()
    return Entry(row[0], user.first_name, row[1], True) if row else None
