"""Admin work on learners: find one, see their profile, reset their progress, roles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules import audit
from bot.rules.course import CourseMap
from bot.rules.learning.progress import ProgressView, progress_view
from db.enums import UserRole
from db.models import (
    ActivityLog,
    LeaderboardCache,
    PlacementCheck,
    PointsLedger,
    QuizPoll,
    User,
    UserAchievement,
    UserProgress,
    UserStats,
)

# /user by name lists at most this many learners: an admin narrows a longer list by typing more.
MATCHES_SHOWN = 10
MAX_QUERY = 100  # characters of a name looked for


@dataclass(frozen=True)
class LearnerQuery:
    """Who an admin asked for: a Telegram id, a username (without the @), or a name."""

    telegram_id: int | None = None
    username: str | None = None
    name: str | None = None


def parse_learner_query(text: str) -> LearnerQuery | None:
    """A Telegram id (digits), an @username, or else a name (`Ada`, `ada lovelace`);
    None for nothing at all."""
    text = text.strip()
    if not text:
        return None
    if text.lstrip("-").isdigit():
        return LearnerQuery(telegram_id=int(text))
    name = text.removeprefix("@")
    if text.startswith("@") and name and " " not in name:
        return LearnerQuery(username=name.lower())
    return LearnerQuery(name=text[:MAX_QUERY])


async def find_learner(session: AsyncSession, query: LearnerQuery) -> User | None:
    """By Telegram id, or by username (case-insensitive)."""
    if query.telegram_id is not None:
        return await session.scalar(select(User).where(User.telegram_id == query.telegram_id))
    return await session.scalar(
        select(User).where(func.lower(User.username) == query.username).order_by(User.id).limit(1)
    )


@dataclass(frozen=True)
class Matches:
    learners: list[User]  # at most MATCHES_SHOWN, by first name
    more: bool  # others match too


async def learners_named(session: AsyncSession, name: str) -> Matches:
    """Learners whose first name, last name or username holds every word of `name`, in
    any case (`lovelace ada` finds Ada Lovelace; `%` and `_` are plain characters): one
    query, at most `MATCHES_SHOWN` of them."""
    words = name.split()
    found = list(
        await session.scalars(
            select(User)
            .where(
                *(
                    or_(
                        *(
                            column.icontains(word, autoescape=True)
                            for column in (User.first_name, User.last_name, User.username)
                        )
                    )
                    for word in words
                )
            )
            .order_by(User.first_name, User.id)
            .limit(MATCHES_SHOWN + 1)
        )
    )
    return Matches(found[:MATCHES_SHOWN], more=len(found) > MATCHES_SHOWN)


@dataclass(frozen=True)
class LearnerProfile:
    user: User
    progress: ProgressView
    achievements: int
    is_admin: bool
    admin_by_config: bool  # in ADMIN_IDS: an admin whatever the role, not demotable here
    last_seen: datetime | None


async def profile(
    session: AsyncSession, course: CourseMap, user: User, now: datetime, admin_ids: frozenset[int]
) -> LearnerProfile:
    """The learner's profile. `last_seen` is exact: `last_seen_at` is refreshed only after a
    silence (to spare a write per update), so the latest activity or progress counts too."""
    view = await progress_view(session, course, user, now)
    earned, activity, progress = (
        await session.execute(
            select(
                select(func.count())
                .select_from(UserAchievement)
                .where(UserAchievement.user_id == user.id)
                .scalar_subquery(),
                select(func.max(ActivityLog.created_at))
                .where(ActivityLog.user_id == user.id)
                .scalar_subquery(),
                select(func.max(UserProgress.updated_at))
                .where(UserProgress.user_id == user.id)
                .scalar_subquery(),
            )
        )
    ).one()
    seen = [when for when in (user.last_seen_at, activity, progress) if when is not None]
    by_config = user.telegram_id in admin_ids
    return LearnerProfile(
        user,
        view,
        int(earned or 0),
        is_admin=user.role is UserRole.ADMIN or by_config,
        admin_by_config=by_config,
        last_seen=max(seen, default=None),
    )


async def reset_progress(session: AsyncSession, admin: User, user: User, now: datetime) -> None:
    """Erase a learner's learning: progress, quizzes, placement checks, points, achievements,
    streaks.

    Their account and settings stay. The audit trail keeps who did it.
    """
    tables = (QuizPoll, UserProgress, UserAchievement, PointsLedger, LeaderboardCache)
    for table in (*tables, PlacementCheck):  # a check's answers go with it (ON DELETE CASCADE)
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
