"""Named reads of submissions, their verdicts and the learners' field outputs."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, and_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from db.enums import CohortRole, SubmissionStatus
from db.models import CohortMember, CohortRoleRow, FieldOutput, Submission, SubmissionReview, User

# The draft whose field the learner's next message answers: a field answer's one read.
ASKING_DRAFT = (
    select(Submission)
    .where(
        Submission.user_id == bindparam("user_id"),
        Submission.status == SubmissionStatus.DRAFT,
        Submission.asking.is_not(None),
    )
    .limit(1)
    .with_for_update()
)


async def asking_draft(session: AsyncSession, user_id: int) -> Submission | None:
    """The learner's draft waiting for a field answer, locked for this transaction."""
    return await session.scalar(ASKING_DRAFT, {"user_id": user_id})


async def latest_version(
    session: AsyncSession, user_id: int, lesson_id: int, *, lock: bool = False
) -> Submission | None:
    """The learner's latest version (a draft included) of one lesson's assignment."""
    query = (
        select(Submission)
        .where(Submission.user_id == user_id, Submission.lesson_id == lesson_id)
        .order_by(Submission.version.desc())
        .limit(1)
    )
    return await session.scalar(query.with_for_update() if lock else query)


async def latest_states(
    session: AsyncSession, user_id: int, lesson_ids: Collection[int]
) -> dict[int, SubmissionStatus]:
    """The status of the latest submitted version of each lesson's assignment (a draft
    after a returned version leaves the lesson returned)."""
    if not lesson_ids:
        return {}
    rows = await session.execute(
        select(Submission.lesson_id, Submission.version, Submission.status)
        .where(
            Submission.user_id == user_id,
            Submission.lesson_id.in_(list(lesson_ids)),
            Submission.status != SubmissionStatus.DRAFT,
        )
        .order_by(Submission.lesson_id, Submission.version)
    )
    return {lesson_id: status for lesson_id, _version, status in rows}


async def output_values(
    session: AsyncSession, user_id: int, field_ids: Collection[str] | None = None
) -> dict[str, dict[str, Any]]:
    """The learner's field outputs (the latest submitted answer of each field), by id."""
    query = select(FieldOutput.field_id, FieldOutput.value).where(FieldOutput.user_id == user_id)
    if field_ids is not None:
        if not field_ids:
            return {}
        query = query.where(FieldOutput.field_id.in_(list(field_ids)))
    return {field_id: value for field_id, value in await session.execute(query)}


def waiting_count(user_id: ColumnElement[int] | InstrumentedAttribute[int]) -> ScalarSelect[int]:
    """A column: how many submissions of the learner `user_id` wait for review (a
    correlated count on (user_id, status), so a roster reads it in its own statement)."""
    return (
        select(func.count(Submission.id))
        .where(Submission.user_id == user_id, Submission.status == SubmissionStatus.SUBMITTED)
        .correlate_except(Submission)
        .scalar_subquery()
    )


def by_current_member(cohort_id: int) -> ColumnElement[bool]:
    """The join of a submission to its learner's current membership of the cohort."""
    return and_(
        CohortMember.user_id == Submission.user_id,
        CohortMember.cohort_id == cohort_id,
        CohortMember.left_at.is_(None),
    )


async def waiting_in_cohort(session: AsyncSession, cohort_id: int, limit: int) -> Sequence[Any]:
    """(submission id, learner id, first name, lesson id, version, submitted at) of the
    cohort's current members' waiting submissions, oldest first."""
    return (
        await session.execute(
            select(
                Submission.id,
                User.id,
                User.first_name,
                Submission.lesson_id,
                Submission.version,
                Submission.submitted_at,
            )
            .join(User, User.id == Submission.user_id)
            .join(CohortMember, by_current_member(cohort_id))
            .where(Submission.status == SubmissionStatus.SUBMITTED)
            .order_by(Submission.submitted_at, Submission.id)
            .limit(limit)
        )
    ).all()


async def verdict_of(
    session: AsyncSession, submission_id: int
) -> tuple[SubmissionReview, str | None] | None:
    """The verdict on a submission with its reviewer's first name (None: deleted)."""
    row = (
        await session.execute(
            select(SubmissionReview, User.first_name)
            .outerjoin(User, User.id == SubmissionReview.reviewer_id)
            .where(SubmissionReview.submission_id == submission_id)
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


def since(moment: datetime) -> ColumnElement[bool]:
    """Submissions waiting since before `moment`."""
    return and_(Submission.status == SubmissionStatus.SUBMITTED, Submission.submitted_at < moment)


async def assignment_accepted(session: AsyncSession, user_id: int, lesson_id: int) -> bool:
    found = await session.scalar(
        select(Submission.id)
        .where(
            Submission.user_id == user_id,
            Submission.lesson_id == lesson_id,
            Submission.status == SubmissionStatus.ACCEPTED,
        )
        .limit(1)
    )
    return found is not None


async def review_cohort(session: AsyncSession, learner_id: int) -> int | None:
    """The first of the learner's current cohorts that has a mentor other than them: where
    their submitted work is listed for review (None: the admins review it)."""
    return await session.scalar(
        select(CohortMember.cohort_id)
        .join(
            CohortRoleRow,
            and_(
                CohortRoleRow.cohort_id == CohortMember.cohort_id,
                CohortRoleRow.role == CohortRole.MENTOR,
                CohortRoleRow.user_id != learner_id,
            ),
        )
        .where(CohortMember.user_id == learner_id, CohortMember.left_at.is_(None))
        .order_by(CohortMember.cohort_id)
        .limit(1)
    )
