"""Admin work on learners: find one, see their profile, reset their progress, roles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules import audit
from bot.rules.course import CourseMap
from bot.rules.progress import ProgressView, progress_view
from db.enums import UserRole
from db.models import (
    LeaderboardCache,
    PointsLedger,
    QuizPoll,
    User,
    UserAchievement,
    UserProgress,
    UserStats,
)


async def find_learner(session: AsyncSession, query: str) -> User | None:
    """By Telegram id (digits) or @username (case-insensitive)."""
    query = query.strip()
    if query.lstrip("-").isdigit():
        return await session.scalar(select(User).where(User.telegram_id == int(query)))
    name = query.removeprefix("@").lower()
    if not name:
        return None
    return await session.scalar(
        select(User).where(func.lower(User.username) == name).order_by(User.id).limit(1)
    )


@dataclass(frozen=True)
class LearnerProfile:
    user: User
    progress: ProgressView
    achievements: int
    is_admin: bool


async def profile(
    session: AsyncSession, course: CourseMap, user: User, now: datetime, admin_ids: frozenset[int]
) -> LearnerProfile:
    view = await progress_view(session, course, user, now)
    earned = await session.scalar(
        select(func.count()).select_from(UserAchievement).where(UserAchievement.user_id == user.id)
    )
    is_admin = user.role is UserRole.ADMIN or user.telegram_id in admin_ids
    return LearnerProfile(user, view, int(earned or 0), is_admin)


async def reset_progress(session: AsyncSession, admin: User, user: User, now: datetime) -> None:
    """Erase a learner's learning: progress, quizzes, points, achievements, streaks.

    Their account and settings stay. The audit trail keeps who did it.
    """
    for table in (QuizPoll, UserProgress, UserAchievement, PointsLedger, LeaderboardCache):
        await session.execute(delete(table).where(table.user_id == user.id))
    await session.execute(
        update(UserStats)
        .where(UserStats.user_id == user.id)
        .values(
            points=0,
            level=1,
            current_streak=0,
            longest_streak=0,
            last_active_date=None,
            lessons_completed=0,
            perfect_quizzes=0,
            updated_at=now,
        )
    )
    await audit.record(
        session,
        admin,
        "learner.reset",
        now,
        entity_type="user",
        entity_id=user.id,
        telegram_id=user.telegram_id,
    )


async def set_role(
    session: AsyncSession, admin: User, user: User, role: UserRole, now: datetime
) -> bool:
    """Promote or demote; False when the learner already has that role."""
    if user.role is role:
        return False
    user.role = role
    user.updated_at = now
    action = "role.promote" if role is UserRole.ADMIN else "role.demote"
    await audit.record(
        session,
        admin,
        action,
        now,
        entity_type="user",
        entity_id=user.id,
        telegram_id=user.telegram_id,
    )
    return True


async def admin_telegram_ids(session: AsyncSession, admin_ids: frozenset[int]) -> set[int]:
    """Everyone who is an admin: ADMIN_IDS and the promoted."""
    promoted = await session.scalars(select(User.telegram_id).where(User.role == UserRole.ADMIN))
    return set(admin_ids) | set(promoted)
