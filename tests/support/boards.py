"""Learners with points for the leaderboard tests: stats rows, and awards written as the
rewards service writes them (a ledger row and the stats in step)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import PointsReason
from db.models import PointsLedger, User, UserStats
from tests.support.factories import make_user

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday


async def learners_with_points(
    session: AsyncSession, points: list[int], offset: int = 0, **fields: object
) -> list[User]:
    users = []
    for index, value in enumerate(points):
        user = await make_user(session, 1000 + offset + index, first_name=f"L{index}", **fields)
        session.add(UserStats(user_id=user.id, points=value, level=1, updated_at=NOW))
        users.append(user)
    await session.flush()
    return users


async def award(
    session: AsyncSession, user: User, points: int, when: datetime, key: str,
    ledger_id: int | None = None,
) -> None:  # fmt: skip
    """A ledger row and the stats row in step, as the rewards service keeps them."""
    session.add(PointsLedger(id=ledger_id, user_id=user.id, points=points,
                             reason=PointsReason.ADJUSTMENT, award_key=key,
                             created_at=when))  # fmt: skip
    stats = await session.get(UserStats, user.id)
    assert stats is not None
    stats.points += points
    await session.flush()
