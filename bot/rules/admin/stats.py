"""Admin statistics: learners, activity and the lesson funnel, set-based.

Every figure comes from a handful of aggregate statements (four for the overview, two
for the funnel, whatever the number of learners or lessons), each walking one index or
one narrow table, and every one valid under MySQL 8's ONLY_FULL_GROUP_BY: the one
grouped statement selects only the column it groups by, and aggregates.

Definitions:
- learners: every `users` row (learners who blocked the bot included; also counted apart);
- new in the last N days: `created_at >= now - N days` (the boundary instant counts);
- active in the last N days: `last_seen_at >= now - N days`. `last_seen_at` is rewritten
  at most every 30 minutes (``learners.SEEN_RESOLUTION``), so a learner whose latest
  updates all fell within 30 minutes of a stamp older than the window is missed: the
  figure is exact to that resolution and never counts anyone who was not active;
- lessons completed: the completed `user_progress` rows (first completions), summed
  from `user_stats.lessons_completed`, the per-learner counter that
  `rewards.on_lesson_completed` increments in the transaction that sets COMPLETED and
  that a progress reset zeroes with the rows. The sum reads one row per learner instead
  of one per progress row: at a million learners that is ~0.1 s instead of ~0.6 s
  (bench/admin.py prints both, and checks they agree);
- average streak: the stored `user_stats.current_streak` over learners with a stats row;
- blocked: `users.blocked_at` set (the learner blocked the bot).

The funnel lists published lessons of published modules in course order (module
order, then lesson order, ids breaking ties); `started` counts learners with a
progress row for the lesson (any status; there is one row per learner and lesson),
`finished` those with status COMPLETED, and `drop` is the share of the previous
lesson's finishers who did not start this one (negative when more started).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from db.enums import JourneyStatus, ProgressStatus
from db.models import Course, Journey, Lesson, Module, User, UserProgress, UserStats

WINDOW_DAYS = (1, 7, 30)


@dataclass(frozen=True)
class Windows:
    """A count over the last 1, 7 and 30 days."""

    day: int
    week: int
    month: int


@dataclass(frozen=True)
class Overview:
    learners: int
    new: Windows
    active: Windows
    lessons_completed: int
    average_streak: float | None  # None: no learner has a stats row yet
    blocked: int


@dataclass(frozen=True)
class FunnelRow:
    lesson_id: int
    module_id: int
    course_id: int
    course_title: str  # raw
    slug: str
    title: str  # raw: the renderer escapes it
    module_title: str  # raw as well
    started: int
    finished: int
    drop: float | None  # 0.25 = a quarter lost; None for the first lesson or no finishers


async def overview(session: AsyncSession, now: datetime) -> Overview:
    """The headline figures at `now` (an aware datetime): four aggregate statements."""
    learners, blocked = (
        await session.execute(select(func.count(), func.count(User.blocked_at)).select_from(User))
    ).one()
    new = await _windows(session, User.created_at, now)
    active = await _windows(session, User.last_seen_at, now)
    # SUM/COUNT rather than AVG: MySQL's AVG of integers is a DECIMAL cut to 4 places.
    streaks, with_stats, completed = (
        await session.execute(
            select(
                func.sum(UserStats.current_streak),
                func.count(),
                func.sum(UserStats.lessons_completed),
            )
        )
    ).one()
    return Overview(
        learners=int(learners),
        new=new,
        active=active,
        lessons_completed=int(completed or 0),
        average_streak=int(streaks) / with_stats if with_stats else None,
        blocked=int(blocked),
    )


async def _windows(
    session: AsyncSession, column: InstrumentedAttribute[Any], now: datetime
) -> Windows:
    """Users whose `column` is within the last 1/7/30 days, in one statement.

    For `last_seen_at` that is a range scan of its index; `created_at` has no index, so
    sign-ups scan the users table (~0.1 s at a million; an index would make it ~0.03 s).
    """
    day, week, month = (now - timedelta(days=days) for days in WINDOW_DAYS)
    statement = (
        select(
            func.count(case((column >= day, 1))),
            func.count(case((column >= week, 1))),
            func.count(),
        )
        .select_from(User)
        .where(column >= month)
    )
    in_day, in_week, in_month = (await session.execute(statement)).one()
    return Windows(day=int(in_day), week=int(in_week), month=int(in_month))


def lessons_statement() -> Select[int, int, str, str, str, int, str]:
    """Published lessons of published modules of published courses, course by course."""
    return (
        select(
            Lesson.id,
            Lesson.module_id,
            Lesson.slug,
            Lesson.title,
            Module.title,
            Course.id,
            Course.title,
        )
        .join(Module, Module.id == Lesson.module_id)
        .join(Course, Course.id == Module.course_id)
        .where(Course.is_published, Module.is_published, Lesson.is_published)
        .order_by(Course.order, Course.id, Module.order, Module.id, Lesson.order, Lesson.id)
    )


def counts_statement() -> Select[int, int, int]:
    """Learners who started and who finished each lesson: one GROUP BY.

    It reads only the (lesson_id, status) index, in index order (no temporary table),
    and covers every lesson; the few unpublished ones are dropped in Python. (Joined
    to the lessons as a derived table instead, MariaDB materialises it through a
    temporary table and a filesort, which costs half as much again.)
    """
    return select(
        UserProgress.lesson_id,
        func.count(),
        func.count(case((UserProgress.status == ProgressStatus.COMPLETED, 1))),
    ).group_by(UserProgress.lesson_id)


async def funnel(session: AsyncSession) -> list[FunnelRow]:
    """The lesson funnel, course by course: two statements, whatever the school's size."""
    lessons = (await session.execute(lessons_statement())).all()
    counts = {
        lesson_id: (int(started), int(finished))
        for lesson_id, started, finished in await session.execute(counts_statement())
    }
    rows: list[FunnelRow] = []
    previous_finished: int | None = None
    course: int | None = None
    for lesson_id, module_id, slug, title, module_title, course_id, course_title in lessons:
        if course_id != course:  # each course's funnel starts afresh
            course, previous_finished = course_id, None
        started, finished = counts.get(lesson_id, (0, 0))
        drop = None if not previous_finished else (previous_finished - started) / previous_finished
        rows.append(
            FunnelRow(
                lesson_id=lesson_id,
                module_id=module_id,
                course_id=course_id,
                course_title=course_title,
                slug=slug,
                title=title,
                module_title=module_title,
                started=started,
                finished=finished,
                drop=drop,
            )
        )
        previous_finished = finished
    return rows


@dataclass(frozen=True)
class CourseFigures:
    course_id: int
    title: str  # raw
    published: bool
    learners: int  # journeys through it
    completed: int


async def course_figures(session: AsyncSession) -> list[CourseFigures]:
    """Learners and completions per course, in catalogue order: one statement."""
    rows = await session.execute(
        select(
            Course.id,
            Course.title,
            Course.is_published,
            func.count(Journey.id),
            func.count(case((Journey.status == JourneyStatus.COMPLETED, 1))),
        )
        .outerjoin(Journey, Journey.course_id == Course.id)
        .group_by(Course.id, Course.title, Course.is_published, Course.order)
        .order_by(Course.order, Course.id)
    )
    return [
        CourseFigures(course_id, title, bool(published), int(learners), int(completed))
        for course_id, title, published, learners, completed in rows
    ]
