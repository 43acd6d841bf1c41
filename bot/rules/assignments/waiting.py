"""What waits for a reviewer: /reviews (oldest first, with how long) and the daily note of
work waiting over 48 hours.

A submission remembers the cohort whose mentors it went to (`reviewers_of` at submit
time; none: the admins). A reviewer's /reviews lists what waits in the cohorts they mentor
and, for an admin, what went to no cohort; never their own. It reads the reviewer's
cohorts, a page and a count capped at COUNT_CAP: three statements, each an index range on
(status, cohort_id, submitted_at), whatever the backlog elsewhere. Who may decide is
checked again, live, when a reviewer acts (`reviews.reviewable`).

The note: once per UTC day, a delivery-ledger row per reviewer (kind REVIEWS_WAITING,
unique per reviewer and date), so nobody hears twice a day however often the job runs.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.rules.course import Courses
from bot.rules.learners import is_admin
from db.enums import CohortRole, DeliveryKind, DeliveryStatus, SubmissionStatus, UserRole
from db.models import CohortRoleRow, Delivery, Submission, User
from db.upsert import insert_ignore

# The start parameter of t.me/<bot>?start=reviews: a reviewer's /reviews, as the dashboard
# links it.
REVIEWS_DEEP_LINK = "reviews"

PAGE = 20  # submissions listed by /reviews
COUNT_CAP = 100  # /reviews says "100+" beyond this: counting stops there, so it costs a page
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


async def mentored_ids(session: AsyncSession, reviewer_id: int) -> list[int]:
    return list(
        await session.scalars(
            select(CohortRoleRow.cohort_id).where(
                CohortRoleRow.user_id == reviewer_id, CohortRoleRow.role == CohortRole.MENTOR
            )
        )
    )


def reviewed_by(
    reviewer: User,
    admin_ids: Collection[int],
    cohort_ids: Collection[int],
    *,
    alone: bool = False,
) -> ColumnElement[bool]:
    """The waiting submissions `reviewer` reviews: those sent to a cohort they mentor
    (`cohort_ids`), and for an admin those sent to nobody's cohort; never their own
    (`alone`, the terminal demo: their own too)."""
    scopes = [Submission.cohort_id.in_(list(cohort_ids))] if cohort_ids else []
    if is_admin(reviewer, admin_ids):
        scopes.append(Submission.cohort_id.is_(None))
    own = Submission.user_id == reviewer.id
    scope = or_(*scopes) if scopes else false()
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
    cohort_ids = await mentored_ids(session, reviewer.id)
    scope = reviewed_by(reviewer, admin_ids, cohort_ids, alone=alone)
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
    mentors' by a GROUP BY, then what went to no cohort, for the admins)."""
    overdue = and_(
        Submission.status == SubmissionStatus.SUBMITTED, Submission.submitted_at < now - OVERDUE
    )
    mentors = await session.execute(
        select(CohortRoleRow.user_id, func.count(Submission.id))
        .select_from(Submission)
        .join(
            CohortRoleRow,
            and_(
                CohortRoleRow.cohort_id == Submission.cohort_id,
                CohortRoleRow.role == CohortRole.MENTOR,
                CohortRoleRow.user_id != Submission.user_id,
            ),
        )
        .where(overdue)
        .group_by(CohortRoleRow.user_id)
    )
    counts = {int(user_id): int(n) for user_id, n in mentors}
    unmentored = await session.execute(
        select(Submission.user_id, func.count())
        .where(overdue, Submission.cohort_id.is_(None))
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
