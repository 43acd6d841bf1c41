"""Leaderboards: all time (from `leaderboard_cache`) and this week (from the ledger).

Ranks follow RANK semantics: equal points share a rank and the next rank skips
(1, 2, 2, 4). Learners who hide from the leaderboard, and learners without points,
are left out of both boards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import delete, func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

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
    """Rebuild `leaderboard_cache` from `user_stats` in one set-based INSERT … SELECT."""
    achievements = (
        select(UserAchievement.user_id, func.count().label("earned"))
        .group_by(UserAchievement.user_id)
        .subquery()
    )
    ranked = (
        select(
            UserStats.user_id,
            func.rank().over(order_by=UserStats.points.desc()),
            UserStats.points,
            UserStats.lessons_completed,
            func.coalesce(achievements.c.earned, 0),
            literal(now, UTCDateTime()),
        )
        .join(User, User.id == UserStats.user_id)
        .outerjoin(achievements, achievements.c.user_id == UserStats.user_id)
        .where(User.show_on_leaderboard, UserStats.points > 0)
    )
    await session.execute(delete(LeaderboardCache))
    await session.execute(
        insert(LeaderboardCache).from_select(
            ["user_id", "rank", "total_score", "lessons_completed", "achievements_count",
             "updated_at"],
            ranked,
        )
    )  # fmt: skip


async def all_time_board(session: AsyncSession, user: User, limit: int = TOP) -> Board:
    rows = await session.execute(
        select(LeaderboardCache.user_id, LeaderboardCache.rank, User.first_name,
               LeaderboardCache.total_score)
        .join(User, User.id == LeaderboardCache.user_id)
        .order_by(LeaderboardCache.rank, LeaderboardCache.user_id)
        .limit(limit)
    )  # fmt: skip
    top = [Entry(rank, name, points, user_id == user.id) for user_id, rank, name, points in rows]
    mine = (
        await session.execute(
            select(LeaderboardCache.rank, LeaderboardCache.total_score).where(
                LeaderboardCache.user_id == user.id
            )
        )
    ).first()
    me = Entry(mine[0], user.first_name, mine[1], True) if mine else None
    return Board(top, me, hidden=not user.show_on_leaderboard)


async def weekly_board(session: AsyncSession, user: User, now: datetime, limit: int = TOP) -> Board:
    """Points earned since Monday 00:00 UTC, summed from the ledger."""
    since = week_start(now)
    total = func.sum(PointsLedger.points).label("total")
    rows = (
        await session.execute(
            select(PointsLedger.user_id, User.first_name, total)
            .join(User, User.id == PointsLedger.user_id)
            .where(PointsLedger.created_at >= since, User.show_on_leaderboard)
            .group_by(PointsLedger.user_id, User.first_name)
            .order_by(total.desc(), PointsLedger.user_id)
            .limit(limit)
        )
    ).all()
    top = []
    for index, (user_id, name, points) in enumerate(rows):
        ahead = sum(1 for other in rows[:index] if other[2] > points)
        top.append(Entry(ahead + 1, name, int(points), user_id == user.id))
    me = await _my_week(session, user, since) if user.show_on_leaderboard else None
    return Board(top, me, hidden=not user.show_on_leaderboard)


async def _my_week(session: AsyncSession, user: User, since: datetime) -> Entry | None:
    mine = await session.scalar(
        select(func.coalesce(func.sum(PointsLedger.points), 0)).where(
            PointsLedger.user_id == user.id, PointsLedger.created_at >= since
        )
    )
    points = int(mine or 0)
    if points <= 0:
        return None
    better = (
        select(PointsLedger.user_id)
        .join(User, User.id == PointsLedger.user_id)
        .where(PointsLedger.created_at >= since, User.show_on_leaderboard)
        .group_by(PointsLedger.user_id)
        .having(func.sum(PointsLedger.points) > points)
        .subquery()
    )
    ahead = await session.scalar(select(func.count()).select_from(better))
    return Entry(int(ahead or 0) + 1, user.first_name, points, True)
