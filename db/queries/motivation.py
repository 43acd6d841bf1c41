"""A learner's stats row, as every award reads it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Row, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import UserAchievement, UserStats

LOCKED_STATS_AND_ACHIEVEMENTS = (
    select(UserStats, UserAchievement.achievement_id)
    .outerjoin(UserAchievement, UserAchievement.user_id == UserStats.user_id)
    .where(UserStats.user_id == bindparam("user_id"))
    .with_for_update()
    .execution_options(populate_existing=True)
)


async def locked_stats_rows(
    session: AsyncSession, user_id: int
) -> Sequence[Row[UserStats, int]]:  # the id is None where none is owned
    """The stats row, locked and read afresh, once per achievement the learner owns (with
    its id), or once with None; no row when the learner has no stats yet."""
    return (await session.execute(LOCKED_STATS_AND_ACHIEVEMENTS, {"user_id": user_id})).all()
