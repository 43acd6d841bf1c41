"""Opening a lesson: a learner may read what is unlocked; the first opening starts it."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.course import CourseMap, LessonInfo
from bot.rules.learners import log_activity
from bot.rules.learning.journeys import ensure_journey
from bot.rules.learning.pause import end_pause
from bot.rules.learning.unlocks import (
    LessonStatus,
    NextStep,
    ProgressRow,
    lesson_statuses,
    load_outputs,
    load_progress,
    next_step,
    status_of,
)
from db.enums import ActivityType, ProgressStatus
from db.models import User, UserProgress
from db.upsert import insert_all


class Refusal(enum.Enum):
    """Why a lesson or quiz cannot be opened (stale buttons, locked content)."""

    NOT_FOUND = "not_found"
    LOCKED = "locked"
    QUIZ_OPEN = "quiz_open"


@dataclass(frozen=True)
class Refused:
    """A lesson or quiz the learner cannot open now, and the lesson's status when known."""

    reason: Refusal
    status: LessonStatus | None = None


@dataclass(frozen=True)
class LessonOpened:
    lesson: LessonInfo
    status: LessonStatus


async def open_lesson(
    session: AsyncSession,
    course: CourseMap,
    user: User,
    lesson_id: int,
    now: datetime,
    progress: dict[int, ProgressRow] | None = None,
) -> LessonOpened | Refused:
    """Open a lesson the learner may read; the first opening marks it started, and the first
    lesson opened in a course starts the learner's journey through it."""
    lesson = course.by_id.get(lesson_id)
    if lesson is None:
        return Refused(Refusal.NOT_FOUND)
    if progress is None:
        progress = await load_progress(session, user.id)
    outputs = await load_outputs(session, course, user.id)
    status = status_of(course, progress, user, now, lesson_id, outputs)
    if not status.is_open:
        return Refused(Refusal.LOCKED, status)
    if user.paused_until is not None:  # a lesson ends a pause (no statement when none)
        await end_pause(session, user, now)
    if lesson_id not in progress:
        # The current course has its journey (started with it); a lesson of another course,
        # opened by a link or a button, starts that course's journey with its first lesson.
        first_here = not any(other in progress for other in course.by_id)
        if course.id and course.id != user.current_course_id and first_here:
            await ensure_journey(session, user.id, course.id, now)
            if user.current_course_id is None:
                user.current_course_id = course.id
        await session.execute(
            insert_all(UserProgress),
            {
                "user_id": user.id,
                "lesson_id": lesson_id,
                "status": ProgressStatus.IN_PROGRESS,
                "attempts": 0,
                "started_at": now,
                "created_at": now,
                "updated_at": now,
            },
        )
        await log_activity(
            session, user.id, ActivityType.LESSON_STARTED, now, ("lesson", lesson_id)
        )
    return LessonOpened(lesson, status)


async def open_next_lesson(
    session: AsyncSession, course: CourseMap, user: User, now: datetime
) -> LessonOpened | NextStep:
    """Open the learner's next lesson, or say why there is none (drip wait, finished)."""
    progress = await load_progress(session, user.id)
    outputs = await load_outputs(session, course, user.id)
    step = next_step(lesson_statuses(course, progress, user, now, outputs))
    if step.lesson is None:
        return step
    opened = await open_lesson(session, course, user, step.lesson.id, now, progress)
    assert isinstance(opened, LessonOpened)
    return opened
