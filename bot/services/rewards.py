"""Points, levels, streaks and achievements: what a completed lesson earns.

Points: a lesson's `points` on its first completion; `FIRST_TRY_BONUS` more when its
quiz was passed at the first attempt; an achievement's own points. Every award is a
row in `points_ledger` whose `(user_id, award_key)` is unique, and `user_stats` is
updated in the same transaction, so the ledger always sums to the stats row.

Level: `points // 100 + 1` (SPEC §2).

Streak, in the learner's own time zone: completing a lesson on a local day keeps the
streak; the first completion on the day after an active day adds one; after a missed
local day the next completion starts again at one. Days are calendar dates in the
learner's zone at the moment of each completion, so daylight-saving changes neither
break nor double a day, and a learner who moves zones keeps the streak while those
dates stay consecutive. A streak whose last active day is before yesterday is shown
as zero (`current_streak`); a scheduled reset may only lower the stored value.

Achievements are data: `criteria` is a JSON object whose keys must all hold:
`lessons_completed`, `modules_completed`, `streak_days`, `perfect_quizzes`, `points`
(each "at least N"). They are checked after every completion and awarded once.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.course import CourseMap, LessonInfo
from bot.services.learners import local_date, log_activity
from db.enums import ActivityType, PointsReason, ProgressStatus
from db.models import (
    Achievement,
    PointsLedger,
    User,
    UserAchievement,
    UserProgress,
    UserStats,
)

log = logging.getLogger(__name__)

FIRST_TRY_BONUS = 25
POINTS_PER_LEVEL = 100
CRITERIA_KEYS = frozenset(
    {"lessons_completed", "modules_completed", "streak_days", "perfect_quizzes", "points"}
)


def level_for(points: int) -> int:
    return points // POINTS_PER_LEVEL + 1


def level_progress(points: int) -> tuple[int, int]:
    """Points gained within the current level, and points a level takes."""
    return points % POINTS_PER_LEVEL, POINTS_PER_LEVEL


@dataclass(frozen=True)
class EarnedAchievement:
    slug: str
    title: str
    icon: str | None
    points: int


@dataclass
class Rewards:
    """Everything one completion earned, for the one message the learner gets."""

    points: int = 0
    bonus: int = 0
    level_before: int = 1
    level: int = 1
    streak: int = 0
    streak_grew: bool = False
    achievements: list[EarnedAchievement] = field(default_factory=list)

    @property
    def levelled_up(self) -> bool:
        return self.level > self.level_before


def current_streak(stats: UserStats | None, today: date) -> int:
    """The streak as it stands today: zero once a whole local day has been missed."""
    if stats is None or stats.last_active_date is None:
        return 0
    if stats.last_active_date < today - timedelta(days=1):
        return 0
    return stats.current_streak


def next_streak(current: int, last_active: date | None, today: date) -> tuple[int, bool]:
    """The streak after activity on `today`, and whether it grew."""
    if last_active == today:
        return max(current, 1), current == 0
    if last_active is not None and last_active == today - timedelta(days=1):
        return current + 1, True
    return 1, True


async def locked_stats(session: AsyncSession, user: User, now: datetime) -> UserStats:
    """The learner's stats row, locked for this transaction (created on first use).

    The lock serialises two completions of one learner, and a locking read sees the
    latest committed row, not this transaction's older snapshot.
    """
    stats = await session.scalar(
        select(UserStats)
        .where(UserStats.user_id == user.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if stats is None:
        stats = UserStats(user_id=user.id, updated_at=now)
        session.add(stats)
        await session.flush()
    return stats


async def on_lesson_completed(
    session: AsyncSession,
    course: CourseMap,
    user: User,
    lesson: LessonInfo,
    *,
    first_attempt: bool,
    perfect: bool,
    now: datetime,
) -> Rewards:
    """Award a first completion: points, bonus, streak, counters, level, achievements."""
    stats = await locked_stats(session, user, now)
    rewards = Rewards(level_before=stats.level)
    awards = [(PointsReason.LESSON, f"lesson:{lesson.id}", lesson.points)]
    if first_attempt:
        awards.append((PointsReason.FIRST_TRY_BONUS, f"bonus:{lesson.id}", FIRST_TRY_BONUS))
    await session.execute(
        insert(PointsLedger),
        [
            {"user_id": user.id, "points": points, "reason": reason, "award_key": key,
             "lesson_id": lesson.id, "created_at": now}
            for reason, key, points in awards
        ],
    )  # fmt: skip
    rewards.points = lesson.points
    rewards.bonus = FIRST_TRY_BONUS if first_attempt else 0
    stats.points += rewards.points + rewards.bonus
    stats.lessons_completed += 1
    stats.perfect_quizzes += int(perfect)
    stats.current_streak, rewards.streak_grew = next_streak(
        stats.current_streak, stats.last_active_date, local_date(user, now)
    )
    stats.longest_streak = max(stats.longest_streak, stats.current_streak)
    stats.last_active_date = local_date(user, now)
    modules_done = await modules_completed(session, course, user)
    rewards.achievements = await award_achievements(session, user, stats, modules_done, now)
    stats.level = level_for(stats.points)
    stats.updated_at = now
    rewards.level, rewards.streak = stats.level, stats.current_streak
    return rewards


async def modules_completed(session: AsyncSession, course: CourseMap, user: User) -> int:
    done = set(
        await session.scalars(
            select(UserProgress.lesson_id).where(
                UserProgress.user_id == user.id,
                UserProgress.status == ProgressStatus.COMPLETED,
            )
        )
    )
    return sum(
        1 for module in course.modules if all(lesson.id in done for lesson in module.lessons)
    )


async def award_achievements(
    session: AsyncSession, user: User, stats: UserStats, modules_done: int, now: datetime
) -> list[EarnedAchievement]:
    """Award every achievement whose criteria now hold and that the learner lacks.

    Achievement points can reach a points milestone, so checking repeats until
    nothing new is earned.
    """
    candidates = (await session.scalars(select(Achievement).order_by(Achievement.id))).all()
    owned = set(
        await session.scalars(
            select(UserAchievement.achievement_id)
            .where(UserAchievement.user_id == user.id)
            .with_for_update()
        )
    )
    earned: list[EarnedAchievement] = []
    while True:
        measures = {
            "lessons_completed": stats.lessons_completed,
            "modules_completed": modules_done,
            "streak_days": stats.current_streak,
            "perfect_quizzes": stats.perfect_quizzes,
            "points": stats.points,
        }
        new = [a for a in candidates if a.id not in owned and criteria_met(a, measures)]
        if not new:
            return earned
        for achievement in new:
            owned.add(achievement.id)
            await _award(session, user, stats, achievement, now)
            earned.append(
                EarnedAchievement(achievement.slug, achievement.title, achievement.icon,
                                  achievement.points)
            )  # fmt: skip


def parse_criteria(raw: str | None) -> dict[str, int]:
    """The criteria of an achievement; unknown or malformed criteria never match."""
    try:
        value = json.loads(raw or "")
    except json.JSONDecodeError:
        return {}
    if not isinstance(value, dict) or not value or not set(value) <= CRITERIA_KEYS:
        return {}
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in value.values()):
        return {}
    return value


def criteria_met(achievement: Achievement, measures: dict[str, int]) -> bool:
    criteria = parse_criteria(achievement.criteria)
    return bool(criteria) and all(measures[key] >= need for key, need in criteria.items())


async def _award(
    session: AsyncSession, user: User, stats: UserStats, achievement: Achievement, now: datetime
) -> None:
    session.add(UserAchievement(user_id=user.id, achievement_id=achievement.id, earned_at=now))
    if achievement.points:
        await session.execute(
            insert(PointsLedger).values(
                user_id=user.id,
                points=achievement.points,
                reason=PointsReason.ACHIEVEMENT,
                award_key=f"achievement:{achievement.id}",
                achievement_id=achievement.id,
                created_at=now,
            )
        )
        stats.points += achievement.points
    await log_activity(
        session, user.id, ActivityType.ACHIEVEMENT_EARNED, now, entity_id=achievement.id,
        entity_type="achievement",
    )  # fmt: skip


async def ledger_total(session: AsyncSession, user_id: int) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(PointsLedger.points), 0)).where(
            PointsLedger.user_id == user_id
        )
    )
    return int(total or 0)
