"""What a learner has achieved so far: /progress and /achievements as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.course import CourseMap
from bot.rules.learners import local_date, zone_of
from bot.rules.learning.unlocks import LessonState, lesson_statuses, load_progress
from bot.rules.motivation.achievements import CourseSize, reachable_rules
from bot.rules.motivation.board_history import Placing, best_placings, placings
from bot.rules.motivation.leaderboard import standing
from bot.rules.motivation.levels import level_for, level_progress
from bot.rules.motivation.streaks import shown_streak
from db.enums import BoardPeriod
from db.models import Achievement, User, UserAchievement, UserStats


@dataclass(frozen=True)
class ModuleProgress:
    title: str
    done: int
    total: int
    tested_out: int = 0  # of `done`, by the placement check


@dataclass(frozen=True)
class ProgressView:
    points: int
    level: int
    into_level: int
    level_size: int
    current_streak: int
    longest_streak: int
    lessons_done: int
    modules: list[ModuleProgress]
    rank: int | None
    freezes: int = 0
    frozen_days: int = 0
    best: dict[BoardPeriod, Placing] = field(default_factory=dict)  # best week and month


async def progress_view(
    session: AsyncSession, course: CourseMap, user: User, now: datetime
) -> ProgressView:
    stats = await session.get(UserStats, user.id)
    progress = await load_progress(session, user.id)
    statuses = {s.lesson.id: s for s in lesson_statuses(course, progress, user, now)}
    modules = [
        ModuleProgress(
            module.title,
            sum(1 for lesson in module.lessons if statuses[lesson.id].state is LessonState.DONE),
            len(module.lessons),
            sum(1 for lesson in module.lessons if statuses[lesson.id].tested_out),
        )
        for module in course.modules
    ]
    board = await standing(session, user.id)
    points = stats.points if stats else 0
    into, size = level_progress(points)
    return ProgressView(
        points=points,
        level=level_for(points),
        into_level=into,
        level_size=size,
        current_streak=shown_streak(stats, zone_of(user), local_date(user, now)),
        longest_streak=stats.longest_streak if stats else 0,
        lessons_done=sum(m.done for m in modules),
        modules=modules,
        rank=board.rank if board else None,
        freezes=stats.streak_freezes if stats else 0,
        frozen_days=stats.frozen_days if stats else 0,
        best=best_placings(await placings(session, user.id)),
    )


@dataclass(frozen=True)
class AchievementView:
    slug: str
    title: str
    description: str | None
    icon: str | None
    points: int
    earned_at: datetime | None


async def achievements_view(
    session: AsyncSession, course: CourseMap, user: User
) -> list[AchievementView]:
    """Earned achievements first (by date), then the locked ones this course lets a learner
    earn: one no learner of the course could reach is never shown."""
    reachable = {rule.id for rule in reachable_rules(course.achievements, CourseSize.of(course))}
    rows = await session.execute(
        select(Achievement, UserAchievement.earned_at)
        .outerjoin(
            UserAchievement,
            (UserAchievement.achievement_id == Achievement.id)
            & (UserAchievement.user_id == user.id),
        )
        .order_by(Achievement.id)
    )
    views = [
        AchievementView(a.slug, a.title, a.description, a.icon, a.points, earned_at)
        for a, earned_at in rows
        if earned_at is not None or a.id in reachable
    ]
    earned = sorted((v for v in views if v.earned_at), key=lambda v: v.earned_at or 0)
    return earned + [v for v in views if v.earned_at is None]
