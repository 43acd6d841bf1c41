"""What is unlocked for a learner and what comes next.

- a module unlocks when every module it requires is done (all of its lessons completed);
  without its own `requires`, a module requires the one before it;
- a lesson unlocks when the previous lesson of its module is done;
- drip: in a module with `days_between_lessons = N`, a lesson after the first
  opens N local days (the learner's time zone) after the previous one was completed,
  not counting the days of a pause;
- a lesson with `requires_fields` opens once the learner has submitted those fields (their
  field outputs exist); the lock names the lesson that asks for the first one missing;
- nothing the learner has already started is ever locked again, even when content
  is added before it later;
- a lesson tested out by a placement check (bot.rules.placement) is done, like a taken one.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.course import CourseMap, LessonInfo
from bot.rules.learners import local_date
from bot.rules.learning.pause import drip_delay
from db.enums import ProgressStatus
from db.models import User, UserProgress
from db.queries.assignments import output_values
from db.queries.learning import progress_rows


class LessonState(enum.Enum):
    LOCKED = "locked"
    AVAILABLE = "available"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class LockReason(enum.Enum):
    PREVIOUS_LESSON = "previous_lesson"
    PREVIOUS_MODULE = "previous_module"
    DRIP = "drip"
    FIELDS = "fields"  # requires_fields the learner has not submitted yet


@dataclass(frozen=True)
class ProgressRow:
    status: ProgressStatus
    score: int | None
    attempts: int
    completed_at: datetime | None
    tested_out: bool = False  # done by a placement check, not taken


@dataclass(frozen=True)
class LessonStatus:
    lesson: LessonInfo
    state: LessonState
    reason: LockReason | None = None
    blocked_by: str | None = None  # title of the lesson or module to finish first
    opens_on: date | None = None  # drip: the learner's local date it opens
    tested_out: bool = False  # DONE by a placement check

    @property
    def is_open(self) -> bool:
        return self.state is not LessonState.LOCKED


@dataclass(frozen=True)
class NextStep:
    """What the learner should do next: a lesson, a wait (drip), or nothing (finished)."""

    lesson: LessonInfo | None
    waiting: LessonStatus | None = None

    @property
    def finished(self) -> bool:
        return self.lesson is None and self.waiting is None


async def load_progress(
    session: AsyncSession, user_id: int, *, lock: bool = False
) -> dict[int, ProgressRow]:
    """The learner's progress by lesson; with `lock`, its rows stay locked for this
    transaction (a quiz attempt counts its number under the lock)."""
    rows = await progress_rows(session, user_id, lock=lock)
    return {row[0]: ProgressRow(*row[1:]) for row in rows}


async def load_progress_many(
    session: AsyncSession, user_ids: Sequence[int]
) -> dict[int, dict[int, ProgressRow]]:
    """Progress of many learners in one query (the scheduler's batches)."""
    found: dict[int, dict[int, ProgressRow]] = {user_id: {} for user_id in user_ids}
    if not user_ids:
        return found
    rows = await session.execute(
        select(
            UserProgress.user_id,
            UserProgress.lesson_id,
            UserProgress.status,
            UserProgress.score,
            UserProgress.attempts,
            UserProgress.completed_at,
            UserProgress.tested_out,
        ).where(UserProgress.user_id.in_(user_ids))
    )
    for user_id, lesson_id, status, score, attempts, completed_at, tested_out in rows:
        found[user_id][lesson_id] = ProgressRow(status, score, attempts, completed_at, tested_out)
    return found


async def load_outputs(session: AsyncSession, course: CourseMap, user_id: int) -> frozenset[str]:
    """The field ids the learner has submitted, when the course has a lesson that requires
    some (no statement otherwise)."""
    if not course.asks_fields:
        return frozenset()
    return frozenset(await output_values(session, user_id))


def lesson_statuses(
    course: CourseMap,
    progress: dict[int, ProgressRow],
    user: User,
    now: datetime,
    outputs: Collection[str] | None = None,
) -> list[LessonStatus]:
    """The state of every published lesson for this learner, in course order; `outputs`
    are the field ids the learner has submitted (`load_outputs`). Without them (a push, a
    roster) `requires_fields` is not checked; opening a lesson always checks it."""
    today = local_date(user, now)
    statuses: list[LessonStatus] = []
    for module in course.modules:
        module_touched = any(lesson.id in progress for lesson in module.lessons)
        unfinished = [
            required
            for required in course.required_modules(module)
            if not all(_done(progress.get(lesson.id)) for lesson in required.lessons)
        ]
        context = _ModuleContext(
            is_open=not unfinished or module_touched,
            previous_title=unfinished[0].title if unfinished else None,
            drip_days=module.days_between_lessons,
        )
        previous: LessonInfo | None = None
        for lesson in module.lessons:
            status = _status(lesson, previous, progress, context, user, today)
            statuses.append(_fields_lock(course, status, outputs))
            previous = lesson
    return statuses


def _fields_lock(
    course: CourseMap, status: LessonStatus, outputs: Collection[str] | None
) -> LessonStatus:
    """An open lesson not yet started stays locked until its required fields exist."""
    if outputs is None:
        return status
    missing = [f for f in status.lesson.requires_fields if f not in outputs]
    if status.state is not LessonState.AVAILABLE or not missing:
        return status
    asking = next(
        (
            lesson.title
            for lesson in course.lessons
            if lesson.assignment and lesson.assignment.field(missing[0])
        ),
        missing[0],
    )
    return LessonStatus(status.lesson, LessonState.LOCKED, LockReason.FIELDS, asking)


def _done(row: ProgressRow | None) -> bool:
    return row is not None and row.status is ProgressStatus.COMPLETED


@dataclass(frozen=True)
class _ModuleContext:
    """What a lesson's status needs to know about its module."""

    is_open: bool  # every required module is done, or the learner already started this one
    previous_title: str | None  # a required module that must be finished first
    drip_days: int | None


def _status(
    lesson: LessonInfo,
    previous: LessonInfo | None,
    progress: dict[int, ProgressRow],
    module: _ModuleContext,
    user: User,
    today: date,
) -> LessonStatus:
    row = progress.get(lesson.id)
    if _done(row):
        assert row is not None
        return LessonStatus(lesson, LessonState.DONE, tested_out=row.tested_out)
    if row is not None and row.status is ProgressStatus.IN_PROGRESS:
        return LessonStatus(lesson, LessonState.IN_PROGRESS)
    if not module.is_open:
        return LessonStatus(
            lesson, LessonState.LOCKED, LockReason.PREVIOUS_MODULE, module.previous_title
        )
    if previous is None:
        return LessonStatus(lesson, LessonState.AVAILABLE)
    previous_row = progress.get(previous.id)
    if not _done(previous_row):
        return LessonStatus(lesson, LessonState.LOCKED, LockReason.PREVIOUS_LESSON, previous.title)
    assert previous_row is not None
    if module.drip_days and previous_row.completed_at is not None:
        completed_on = local_date(user, previous_row.completed_at)
        opens_on = completed_on + timedelta(days=module.drip_days)
        opens_on += timedelta(days=drip_delay(user, completed_on, opens_on))  # a pause waits
        if today < opens_on:
            return LessonStatus(lesson, LessonState.LOCKED, LockReason.DRIP, opens_on=opens_on)
    return LessonStatus(lesson, LessonState.AVAILABLE)


def next_step(statuses: Sequence[LessonStatus]) -> NextStep:
    """The lesson in progress or the first open one; else the first drip wait; else done."""
    for status in statuses:
        if status.state is LessonState.IN_PROGRESS:
            return NextStep(status.lesson)
    for status in statuses:
        if status.state is LessonState.AVAILABLE:
            return NextStep(status.lesson)
    for status in statuses:
        if status.reason is LockReason.DRIP:
            return NextStep(None, waiting=status)
    return NextStep(None)


async def learner_next_step(
    session: AsyncSession, course: CourseMap, user: User, now: datetime
) -> NextStep:
    progress = await load_progress(session, user.id)
    outputs = await load_outputs(session, course, user.id)
    return next_step(lesson_statuses(course, progress, user, now, outputs))


def status_of(
    course: CourseMap,
    progress: dict[int, ProgressRow],
    user: User,
    now: datetime,
    lesson_id: int,
    outputs: Collection[str] | None = None,
) -> LessonStatus:
    return next(
        s for s in lesson_statuses(course, progress, user, now, outputs) if s.lesson.id == lesson_id
    )
