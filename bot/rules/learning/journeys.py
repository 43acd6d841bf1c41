"""A learner's journeys: which courses they started, which is current, which they finished.

- A learner has at most one journey per course (the original design's user_journeys). Starting a
  course makes it the learner's current course: its journey becomes ACTIVE and the journey
  of the course that was current, unless completed, becomes PAUSED ("started, not current").
- A course is locked until every course it requires has a COMPLETED journey.
- Finishing every published lesson of a course completes its journey (with the certificate).
- Lessons done per course are counted from the learner's progress, the one record of them.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.course import Catalogue, CourseMap
from db.enums import JourneyStatus
from db.models import Journey, User
from db.queries.learning import done_lesson_ids, journey_rows
from db.upsert import insert_ignore


class CourseState(enum.Enum):
    NEW = "new"  # not started
    CURRENT = "current"  # started and current
    PAUSED = "paused"  # started, not current
    COMPLETED = "completed"
    LOCKED = "locked"  # a required course is not completed


@dataclass(frozen=True)
class JourneyInfo:
    course_id: int
    status: JourneyStatus
    started_at: datetime
    completed_at: datetime | None


@dataclass(frozen=True)
class CourseStanding:
    """One course as the learner sees it in the catalogue."""

    course: CourseMap
    state: CourseState
    done: int  # lessons of the course done
    needs: tuple[CourseMap, ...] = ()  # the required courses not completed yet

    @property
    def percent(self) -> int:
        total = len(self.course.lessons)
        return round(100 * self.done / total) if total else 0

    @property
    def started(self) -> bool:
        return self.state in (CourseState.CURRENT, CourseState.PAUSED, CourseState.COMPLETED)


async def learner_journeys(session: AsyncSession, user_id: int) -> dict[int, JourneyInfo]:
    """The learner's journeys by course id."""
    return {row[0]: JourneyInfo(*row) for row in await journey_rows(session, user_id)}


async def done_lessons(session: AsyncSession, user_id: int) -> set[int]:
    """The ids of the lessons the learner completed, in any course."""
    return await done_lesson_ids(session, user_id)


def completed_courses(journeys: dict[int, JourneyInfo]) -> set[int]:
    return {j.course_id for j in journeys.values() if j.status is JourneyStatus.COMPLETED}


def missing_requirements(
    catalogue: Catalogue, course: CourseMap, completed: set[int]
) -> tuple[CourseMap, ...]:
    """The published courses `course` requires that the learner has not completed."""
    needed = (catalogue.get(required_id) for required_id in course.requires)
    return tuple(c for c in needed if c is not None and c.id not in completed)


def standing(
    catalogue: Catalogue,
    course: CourseMap,
    user: User,
    journeys: dict[int, JourneyInfo],
    done: set[int],
) -> CourseStanding:
    journey = journeys.get(course.id)
    count = course.done_in(done)
    if journey is not None and journey.status is JourneyStatus.COMPLETED:
        return CourseStanding(course, CourseState.COMPLETED, count)
    if journey is not None:
        current = user.current_course_id == course.id
        return CourseStanding(course, CourseState.CURRENT if current else CourseState.PAUSED, count)
    needs = missing_requirements(catalogue, course, completed_courses(journeys))
    if needs:
        return CourseStanding(course, CourseState.LOCKED, count, needs)
    return CourseStanding(course, CourseState.NEW, count)


async def catalogue_standings(
    session: AsyncSession, catalogue: Catalogue, user: User
) -> list[CourseStanding]:
    """Every published course with the learner's state in it: two reads."""
    journeys = await learner_journeys(session, user.id)
    done = await done_lessons(session, user.id)
    return [standing(catalogue, course, user, journeys, done) for course in catalogue.courses]


class StartRefusal(enum.Enum):
    NOT_FOUND = "not_found"  # unknown or unpublished
    LOCKED = "locked"


@dataclass(frozen=True)
class StartRefused:
    reason: StartRefusal
    needs: tuple[CourseMap, ...] = ()


@dataclass(frozen=True)
class Started:
    course: CourseMap
    first_time: bool


async def start_course(
    session: AsyncSession, catalogue: Catalogue, user: User, course_id: int, now: datetime
) -> Started | StartRefused:
    """Start the course (or continue it) and make it the learner's current course."""
    course = catalogue.get(course_id)
    if course is None:
        return StartRefused(StartRefusal.NOT_FOUND)
    journeys = await learner_journeys(session, user.id)
    journey = journeys.get(course.id)
    if journey is None:
        needs = missing_requirements(catalogue, course, completed_courses(journeys))
        if needs:
            return StartRefused(StartRefusal.LOCKED, needs)
    await make_current(session, user, course.id, now, journeys)
    return Started(course, first_time=journey is None)


async def make_current(
    session: AsyncSession,
    user: User,
    course_id: int,
    now: datetime,
    journeys: dict[int, JourneyInfo] | None = None,
) -> None:
    """`course_id` becomes the learner's current course, with a journey through it."""
    if journeys is None:
        journeys = await learner_journeys(session, user.id)
    previous = user.current_course_id
    if previous is not None and previous != course_id:
        await session.execute(
            update(Journey)
            .where(
                Journey.user_id == user.id,
                Journey.course_id == previous,
                Journey.status == JourneyStatus.ACTIVE,
            )
            .values(status=JourneyStatus.PAUSED, updated_at=now)
        )
    journey = journeys.get(course_id)
    if journey is None:
        await ensure_journey(session, user.id, course_id, now)
    elif journey.status is JourneyStatus.PAUSED:
        await session.execute(
            update(Journey)
            .where(Journey.user_id == user.id, Journey.course_id == course_id)
            .values(status=JourneyStatus.ACTIVE, updated_at=now)
        )
    user.current_course_id = course_id


async def ensure_journey(
    session: AsyncSession, user_id: int, course_id: int, now: datetime
) -> None:
    """A journey through the course, started now unless there is one already."""
    row = {
        "user_id": user_id,
        "course_id": course_id,
        "status": JourneyStatus.ACTIVE,
        "started_at": now,
        "created_at": now,
        "updated_at": now,
    }
    await session.execute(insert_ignore(session, Journey, [row], key="course_id"))


async def complete_journey(
    session: AsyncSession, user_id: int, course_id: int, now: datetime
) -> None:
    """The learner finished every lesson of the course."""
    await ensure_journey(session, user_id, course_id, now)
    await session.execute(
        update(Journey)
        .where(
            Journey.user_id == user_id,
            Journey.course_id == course_id,
            Journey.status != JourneyStatus.COMPLETED,
        )
        .values(status=JourneyStatus.COMPLETED, completed_at=now, updated_at=now)
    )


def next_unlocked(
    catalogue: Catalogue, journeys: dict[int, JourneyInfo], finished: CourseMap
) -> CourseMap | None:
    """After finishing `finished`: the first course in catalogue order not started yet whose
    requirements are all completed (the finished one counts as completed)."""
    completed = completed_courses(journeys) | {finished.id}
    for course in catalogue.courses:
        if course.id in journeys or course.id == finished.id or not course.lessons:
            continue
        if not missing_requirements(catalogue, course, completed):
            return course
    return None


def started_courses(standings: Sequence[CourseStanding]) -> list[CourseStanding]:
    return [item for item in standings if item.started]


async def course_after(
    session: AsyncSession, catalogue: Catalogue, user: User, finished: CourseMap
) -> CourseMap | None:
    """The course to offer a learner who just finished `finished` (see `next_unlocked`)."""
    return next_unlocked(catalogue, await learner_journeys(session, user.id), finished)
