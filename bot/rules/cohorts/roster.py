"""What a mentor sees of their cohort: its members, one member, the lesson funnel.

The roster is sorted by who needs attention: learners inactive for INACTIVE_AFTER or more
(or never seen) first, the longest away first; then the others, least recently active
first. It is read in two statements (members with their stats and waiting submissions,
then their progress), after the access check: three for the whole view, whatever the
cohort's size.

A member's waiting submissions are their assignment versions SUBMITTED and not yet
accepted or returned, counted in the members' statement (a correlated count on the
(user_id, status) index). `waiting_submissions` lists the cohort's, oldest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.course import Catalogue, CourseMap, LessonInfo
from bot.rules.learning.unlocks import (
    ProgressRow,
    lesson_statuses,
    load_progress_many,
    next_step,
)
from db.enums import ProgressStatus, SubmissionStatus
from db.models import CohortMember, Submission, User, UserProgress, UserStats
from db.queries.assignments import by_current_member, waiting_count, waiting_in_cohort

INACTIVE_AFTER = timedelta(days=7)
WAITING_PAGE = 50  # waiting submissions listed for a cohort
NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class MemberRow:
    user_id: int
    first_name: str | None  # raw: the renderer escapes it
    lessons_done: int
    current_lesson: LessonInfo | None  # None: course finished (or nothing published)
    streak: int
    last_active: datetime | None
    inactive: bool
    waiting_submissions: int = 0


def _current_lesson(
    course: CourseMap, progress: dict[int, ProgressRow], user: User, now: datetime
) -> LessonInfo | None:
    return next_step(lesson_statuses(course, progress, user, now)).lesson


def attention_order(row: MemberRow) -> tuple[bool, datetime, int]:
    return (not row.inactive, row.last_active or NEVER, row.user_id)


def _is_inactive(last_active: datetime | None, now: datetime) -> bool:
    return last_active is None or now - last_active >= INACTIVE_AFTER


async def roster(
    session: AsyncSession, catalogue: Catalogue, cohort_id: int, now: datetime
) -> list[MemberRow]:
    """The cohort's current members, who needs attention first (two statements); each
    member's current lesson is in their own current course."""
    rows = (
        await session.execute(
            select(
                User,
                UserStats.lessons_completed,
                UserStats.current_streak,
                waiting_count(User.id),
            )
            .join(CohortMember, CohortMember.user_id == User.id)
            .outerjoin(UserStats, UserStats.user_id == User.id)
            .where(CohortMember.cohort_id == cohort_id, CohortMember.left_at.is_(None))
        )
    ).all()
    progress = await load_progress_many(session, [user.id for user, _d, _s, _w in rows])
    members = [
        MemberRow(
            user_id=user.id,
            first_name=user.first_name,
            lessons_done=int(done or 0),
            current_lesson=_current_lesson(catalogue.current(user), progress[user.id], user, now),
            streak=int(streak or 0),
            last_active=user.last_seen_at,
            inactive=_is_inactive(user.last_seen_at, now),
            waiting_submissions=int(waiting or 0),
        )
        for user, done, streak, waiting in rows
    ]
    return sorted(members, key=attention_order)


@dataclass(frozen=True)
class ModuleDone:
    title: str
    done: int
    lessons: int


@dataclass(frozen=True)
class MemberDetail:
    row: MemberRow
    joined_at: datetime
    points: int
    longest_streak: int
    modules: list[ModuleDone]


async def member_detail(
    session: AsyncSession, catalogue: Catalogue, cohort_id: int, user_id: int, now: datetime
) -> MemberDetail | None:
    """One member of the cohort, in their current course; None when they are not (or no
    longer) in it."""
    found = (
        await session.execute(
            select(User, CohortMember.joined_at, UserStats, waiting_count(User.id))
            .join(CohortMember, CohortMember.user_id == User.id)
            .outerjoin(UserStats, UserStats.user_id == User.id)
            .where(
                CohortMember.cohort_id == cohort_id,
                CohortMember.user_id == user_id,
                CohortMember.left_at.is_(None),
            )
        )
    ).first()
    if found is None:
        return None
    user, joined_at, stats, waiting = found
    course = catalogue.current(user)
    progress = (await load_progress_many(session, [user.id]))[user.id]
    done = {
        lesson_id for lesson_id, row in progress.items() if row.status is ProgressStatus.COMPLETED
    }
    modules = [
        ModuleDone(
            module.title,
            sum(lesson.id in done for lesson in module.lessons),
            len(module.lessons),
        )
        for module in course.modules
    ]
    row = MemberRow(
        user_id=user.id,
        first_name=user.first_name,
        lessons_done=stats.lessons_completed if stats else 0,
        current_lesson=_current_lesson(course, progress, user, now),
        streak=stats.current_streak if stats else 0,
        last_active=user.last_seen_at,
        inactive=_is_inactive(user.last_seen_at, now),
        waiting_submissions=int(waiting or 0),
    )
    points = stats.points if stats else 0
    longest = stats.longest_streak if stats else 0
    return MemberDetail(row, joined_at, points, longest, modules)


@dataclass(frozen=True)
class FunnelStep:
    lesson: LessonInfo
    started: int
    finished: int


async def cohort_funnel(
    session: AsyncSession, course: CourseMap, cohort_id: int
) -> list[FunnelStep]:
    """Per published lesson, in course order: members who started it and who finished it
    (one GROUP BY over the members' progress)."""
    rows = await session.execute(
        select(
            UserProgress.lesson_id,
            func.count(),
            func.count(case((UserProgress.status == ProgressStatus.COMPLETED, 1))),
        )
        .join(
            CohortMember,
            and_(
                CohortMember.user_id == UserProgress.user_id,
                CohortMember.cohort_id == cohort_id,
                CohortMember.left_at.is_(None),
            ),
        )
        .group_by(UserProgress.lesson_id)
    )
    counts = {lesson_id: (int(started), int(finished)) for lesson_id, started, finished in rows}
    return [
        FunnelStep(lesson, *counts.get(lesson.id, (0, 0)))
        for module in course.modules
        for lesson in module.lessons
    ]


@dataclass(frozen=True)
class CohortStats:
    members: int
    active_week: int  # seen in the last INACTIVE_AFTER
    lessons_done: int
    average_streak: float


async def cohort_stats(session: AsyncSession, cohort_id: int, now: datetime) -> CohortStats:
    """The admin card's numbers, in one statement."""
    since = now - INACTIVE_AFTER
    members, active, done, streak = (
        await session.execute(
            select(
                func.count(),
                func.count(case((User.last_seen_at >= since, 1))),
                func.coalesce(func.sum(UserStats.lessons_completed), 0),
                func.coalesce(func.avg(UserStats.current_streak), 0),
            )
            .select_from(CohortMember)
            .join(User, User.id == CohortMember.user_id)
            .outerjoin(UserStats, UserStats.user_id == User.id)
            .where(CohortMember.cohort_id == cohort_id, CohortMember.left_at.is_(None))
        )
    ).one()
    return CohortStats(int(members), int(active), int(done), float(streak))


async def waiting_per_member(session: AsyncSession, cohort_id: int) -> dict[int, int]:
    """Waiting submissions of each current member of the cohort, by learner id (members
    with none are left out); one GROUP BY."""
    rows = await session.execute(
        select(Submission.user_id, func.count())
        .join(CohortMember, by_current_member(cohort_id))
        .where(Submission.status == SubmissionStatus.SUBMITTED)
        .group_by(Submission.user_id)
    )
    return {int(user_id): int(count) for user_id, count in rows}


@dataclass(frozen=True)
class WaitingSubmission:
    submission_id: int
    learner_id: int
    first_name: str | None  # raw: the renderer escapes it
    lesson: LessonInfo | None  # None: the lesson is no longer published
    version: int
    waiting_since: datetime


async def waiting_submissions(
    session: AsyncSession, catalogue: Catalogue, cohort_id: int, limit: int = WAITING_PAGE
) -> list[WaitingSubmission]:
    """The cohort's waiting submissions, oldest first (one statement)."""
    rows = await waiting_in_cohort(session, cohort_id, limit)
    return [
        WaitingSubmission(sid, uid, name, catalogue.lesson(lesson_id), version, since)
        for sid, uid, name, lesson_id, version, since in rows
    ]
