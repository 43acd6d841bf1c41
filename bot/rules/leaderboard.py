"""Leaderboards: all time and this week, both read from `leaderboard_cache`.

The leaderboard job ranks everyone in one INSERT … SELECT: all-time points from
`user_stats`, and this week's points (since Monday 00:00 UTC) summed from the ledger.
Ranks follow RANK semantics: equal points share a rank and the next rank skips
(1, 2, 2, 4). Learners who hide from the leaderboard, and learners without points,
are left out of both boards. The boards are as fresh as the last refresh (the
scheduler runs it every few minutes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import Select, Table, case, delete, func, literal, or_, select
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable
from sqlalchemy.sql.base import ReadOnlyColumnCollection

from db.base import UTCDateTime
from db.models import LeaderboardCache, PointsLedger, User, UserAchievement, UserStats

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


def week_start(now: datetime) -> datetime:
    """Monday 00:00 UTC of the week that contains `now`."""
    monday = now.date() - timedelta(days=now.weekday())
    return datetime.combine(monday, time(0), tzinfo=now.tzinfo)


async def refresh_leaderboard(session: AsyncSession, now: datetime) -> None:
    """Bring `leaderboard_cache` up to date from `user_stats`, set-based.

    One INSERT … SELECT with RANK() upserts every ranked learner (a row whose rank and
    totals did not change is left untouched, so a refresh costs what changed, not a
    rewrite of a million rows), then one DELETE drops learners who left the board.
    """
    achievements = (
        select(UserAchievement.user_id, func.count().label("earned"))
        .group_by(UserAchievement.user_id)
        .subquery()
    )
    this_week = (
        select(PointsLedger.user_id, func.sum(PointsLedger.points).label("points"))
        .where(PointsLedger.created_at >= week_start(now))
        .group_by(PointsLedger.user_id)
        .subquery()
    )
    week_points = func.coalesce(this_week.c.points, 0)
    ranked = (
        select(
            UserStats.user_id,
            func.rank().over(order_by=UserStats.points.desc()),
            UserStats.points,
            UserStats.lessons_completed,
            func.coalesce(achievements.c.earned, 0),
            week_points,
            case((week_points > 0, func.rank().over(order_by=week_points.desc()))),
            literal(now, UTCDateTime()),
        )
        .join(User, User.id == UserStats.user_id)
        .outerjoin(achievements, achievements.c.user_id == UserStats.user_id)
        .outerjoin(this_week, this_week.c.user_id == UserStats.user_id)
        .where(User.show_on_leaderboard, UserStats.points > 0)
    )
    columns = [
        "user_id",
        "rank",
        "total_score",
        "lessons_completed",
        "achievements_count",
        "week_points",
        "week_rank",
        "updated_at",
    ]
    await session.execute(_upsert(session, columns, ranked))
    hidden = select(User.id).where(User.show_on_leaderboard.is_(False))
    pointless = select(UserStats.user_id).where(UserStats.points <= 0)
    await session.execute(
        delete(LeaderboardCache).where(
            or_(LeaderboardCache.user_id.in_(hidden), LeaderboardCache.user_id.in_(pointless))
        )
    )


def _upsert(
    session: AsyncSession, columns: list[str], ranked: Select[*tuple[Any, ...]]
) -> Executable:
    """INSERT … SELECT that updates a learner's row only where something changed."""
    table = cast(Table, LeaderboardCache.__table__)

    def when_changed(new: ReadOnlyColumnCollection[str, Any]) -> dict[str, Any]:
        # week_rank may be NULL on either side: compare through a number that never is.
        changed = or_(
            *(table.c[name] != new[name] for name in columns[1:6]),
            func.coalesce(table.c.week_rank, 0) != func.coalesce(new["week_rank"], 0),
        )
        return {name: case((changed, new[name]), else_=table.c[name]) for name in columns[1:]}

    if session.get_bind().dialect.name == "mysql":
        mysql = mysql_insert(table).from_select(columns, ranked)
        return mysql.on_duplicate_key_update(when_changed(mysql.inserted))
    sqlite = sqlite_insert(table).from_select(columns, ranked)
    return sqlite.on_conflict_do_update(
        index_elements=["user_id"], set_=when_changed(sqlite.excluded)
    )


async def all_time_board(session: AsyncSession, user: User, limit: int = TOP) -> Board:
    rows = await session.execute(
        select(
            LeaderboardCache.user_id,
            LeaderboardCache.rank,
            User.first_name,
            LeaderboardCache.total_score,
        )
        .join(User, User.id == LeaderboardCache.user_id)
        .order_by(LeaderboardCache.rank)  # the rank index gives the top without a sort
        .limit(limit)
    )
    ordered = sorted(rows, key=lambda row: (row[1], row[0]))
    top = [Entry(rank, name, points, user_id == user.id) for user_id, rank, name, points in ordered]
    mine = (
        await session.execute(
            select(LeaderboardCache.rank, LeaderboardCache.total_score).where(
                LeaderboardCache.user_id == user.id
            )
        )
    ).first()
    me = Entry(mine[0] or 0, user.first_name, mine[1], True) if mine else None
    return Board(top, me, hidden=not user.show_on_leaderboard)


async def weekly_board(session: AsyncSession, user: User, now: datetime, limit: int = TOP) -> Board:
    """Points earned since Monday 00:00 UTC, as of the last refresh."""
    del now  # the cache holds the week of its last refresh
    rows = await session.execute(
        select(
            LeaderboardCache.user_id,
            LeaderboardCache.week_rank,
            User.first_name,
            LeaderboardCache.week_points,
        )
        .join(User, User.id == LeaderboardCache.user_id)
        .where(LeaderboardCache.week_rank.is_not(None))
        .order_by(LeaderboardCache.week_rank)
        .limit(limit)
    )
    ordered = sorted(rows, key=lambda row: (row[1] or 0, row[0]))
    top = [
        Entry(rank or 0, name, points, user_id == user.id)
        for user_id, rank, name, points in ordered
    ]
    mine = (
        await session.execute(
            select(LeaderboardCache.week_rank, LeaderboardCache.week_points).where(
                LeaderboardCache.user_id == user.id, LeaderboardCache.week_rank.is_not(None)
            )
        )
    ).first()
    me = Entry(mine[0] or 0, user.first_name, mine[1], True) if mine else None
    return Board(top, me, hidden=not user.show_on_leaderboard)
