"""What waits for a reviewer: /reviews (oldest first, with how long) and the daily note of
work waiting over 48 hours.

A reviewer sees the waiting work of the learners they review (`reviewers_of`'s rule read
the other way round): members of the cohorts they mentor, and, for an admin, learners
with no mentor at all; never their own. /reviews reads a page and a count capped at
COUNT_CAP (two statements, whatever the backlog: the page walks the (status,
submitted_at) index and stops at PAGE).

The note: once per UTC day, a delivery-ledger row per reviewer (kind REVIEWS_WAITING,
unique per reviewer and date), so nobody hears twice a day however often the job runs.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.rules.course import Courses
from bot.rules.learners import is_admin
from db.enums import CohortRole, DeliveryKind, DeliveryStatus, SubmissionStatus, UserRole
from db.models import CohortMember, CohortRoleRow, Delivery, Submission, User
from db.upsert import insert_ignore

PAGE = 20  # submissions listed by /reviews
COUNT_CAP = 1000  # /reviews says "1000+" beyond this: counting stops there
OVERDUE = timedelta(hours=48)  # waiting longer than this is in the reviewer's daily note


@dataclass(frozen=True)
class WaitingItem:
    submission_id: int
    learner_id: int
    learner_name: str | None
    lesson_title: str
    version: int
    submitted_at: datetime


@dataclass(frozen=True)
class WaitingPage:
    items: list[WaitingItem]
    total: int  # at most COUNT_CAP

    @property
    def capped(self) -> bool:
        return self.total >= COUNT_CAP


def _mentored_by(reviewer_id: int) -> ColumnElement[bool]:
    """The submission's learner is a current member of a cohort the reviewer mentors."""
    return exists(
        select(CohortMember.id)
        .join(
            CohortRoleRow,
            and_(
                CohortRoleRow.cohort_id == CohortMember.cohort_id,
                CohortRoleRow.role == CohortRole.MENTOR,
            ),
        )
        .where(
            CohortMember.user_id == Submission.user_id,
            CohortMember.left_at.is_(None),
            CohortRoleRow.user_id == reviewer_id,
        )
    )


def has_no_mentor() -> ColumnElement[bool]:
    """The submission's learner has no mentor but themselves: the admins review them."""
    return ~exists(
        select(CohortMember.id)
        .join(
            CohortRoleRow,
            and_(
                CohortRoleRow.cohort_id == CohortMember.cohort_id,
                CohortRoleRow.role == CohortRole.MENTOR,
            ),
        )
        .where(
            CohortMember.user_id == Submission.user_id,
            CohortMember.left_at.is_(None),
            CohortRoleRow.user_id != Submission.user_id,
        )
    )


def reviewed_by(
    reviewer: User, admin_ids: Collection[int], *, alone: bool = False
) -> ColumnElement[bool]:
    """The waiting submissions `reviewer` reviews; `alone` (the terminal demo): their own too."""
    scope = _mentored_by(reviewer.id)
    if is_admin(reviewer, admin_ids):
        scope = or_(scope, has_no_mentor())
    own = Submission.user_id == reviewer.id
    return and_(
        Submission.status == SubmissionStatus.SUBMITTED,
        or_(scope, own) if alone else and_(~own, scope),
    )


async def waiting_for(
    session: AsyncSession,
    courses: Courses,
    reviewer: User,
    admin_ids: Collection[int],
    *,
    alone: bool = False,
) -> WaitingPage:
    """The work waiting for this reviewer, oldest first (a page), and how much in all."""
    scope = reviewed_by(reviewer, admin_ids, alone=alone)
    rows = await session.execute(
        select(
            Submission.id,
            Submission.user_id,
            User.first_name,
            Submission.lesson_id,
            Submission.version,
            Submission.submitted_at,
        )
        .join(User, User.id == Submission.user_id)
        .where(scope)
        .order_by(Submission.submitted_at, Submission.id)
        .limit(PAGE)
    )
    items = [
        WaitingItem(sid, uid, name, _title(courses, lesson_id), version, at)
        for sid, uid, name, lesson_id, version, at in rows
        if at is not None
    ]
    if len(items) < PAGE:
        return WaitingPage(items, len(items))
    capped = select(Submission.id).where(scope).limit(COUNT_CAP).subquery()
    total = int(await session.scalar(select(func.count()).select_from(capped)) or 0)
    return WaitingPage(items, total)


def _title(courses: Courses, lesson_id: int) -> str:
    course = courses.course_of_lesson(lesson_id)
    lesson = course.by_id.get(lesson_id) if course is not None else None
    return lesson.title if lesson is not None else "—"


# --------------------------------------------------------------------------- the daily note


@dataclass(frozen=True)
class Note:
    delivery_id: int
    user_id: int
    telegram_id: int
    count: int
    language: str | None


async def overdue_counts(
    session: AsyncSession, now: datetime, admin_ids: Collection[int]
) -> dict[int, int]:
    """Reviewer id -> submissions of theirs waiting over OVERDUE (two statements: the
    mentors' by a GROUP BY, the admins' share of learners without a mentor)."""
    overdue = and_(
        Submission.status == SubmissionStatus.SUBMITTED, Submission.submitted_at < now - OVERDUE
    )
    counts: dict[int, int] = {}
    mentors = await session.execute(
        select(CohortRoleRow.user_id, func.count(func.distinct(Submission.id)))
        .select_from(Submission)
        .join(
            CohortMember,
            and_(CohortMember.user_id == Submission.user_id, CohortMember.left_at.is_(None)),
        )
        .join(
            CohortRoleRow,
            and_(
                CohortRoleRow.cohort_id == CohortMember.cohort_id,
                CohortRoleRow.role == CohortRole.MENTOR,
                CohortRoleRow.user_id != Submission.user_id,
            ),
        )
        .where(overdue)
        .group_by(CohortRoleRow.user_id)
    )
    counts.update({int(user_id): int(n) for user_id, n in mentors})
    unmentored = await session.execute(
        select(Submission.user_id, func.count())
        .where(overdue, has_no_mentor())
        .group_by(Submission.user_id)
    )
    by_learner = {int(user_id): int(n) for user_id, n in unmentored}
    if by_learner:
        admins = await session.scalars(
            select(User.id).where(
                or_(User.role == UserRole.ADMIN, User.telegram_id.in_(list(admin_ids)))
            )
        )
        for admin_id in admins:
            mine = sum(n for learner, n in by_learner.items() if learner != admin_id)
            if mine:
                counts[admin_id] = counts.get(admin_id, 0) + mine
    return counts


async def claim_notes(
    session: AsyncSession, now: datetime, admin_ids: Collection[int]
) -> list[Note]:
    """Claim today's note for every reviewer with overdue work (a reviewer who already had
    today's is skipped); the claimed ones, with their counts."""
    counts = await overdue_counts(session, now, admin_ids)
    if not counts:
        return []
    key = now.date().isoformat()
    rows = [
        {
            "user_id": user_id,
            "kind": DeliveryKind.REVIEWS_WAITING,
            "dedup_key": key,
            "status": DeliveryStatus.PENDING,
            "attempts": 0,
            "claimed_at": now,
        }
        for user_id in sorted(counts)
    ]
    await session.execute(insert_ignore(session, Delivery, rows, key="dedup_key"))
    claimed = await session.execute(
        select(Delivery.id, User.id, User.telegram_id, User.language)
        .join(User, User.id == Delivery.user_id)
        .where(
            Delivery.kind == DeliveryKind.REVIEWS_WAITING,
            Delivery.dedup_key == key,
            Delivery.status == DeliveryStatus.PENDING,
            Delivery.user_id.in_(list(counts)),
            User.blocked_at.is_(None),
        )
    )
    return [
        Note(delivery_id, user_id, telegram_id, counts[user_id], language)
        for delivery_id, user_id, telegram_id, language in claimed
    ]
