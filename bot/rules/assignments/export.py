"""A learner's assignments as their /export shows them: every version with its answers and
verdict, their field outputs, and the verdicts they gave on others' work (the comment, not
the other learner's answers)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import FieldOutput, Lesson, Submission, SubmissionReview, User


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


async def assignments_export(session: AsyncSession, user_id: int) -> dict[str, Any]:
    reviewer = User.__table__.alias("reviewer")
    versions = await session.execute(
        select(
            Submission,
            Lesson.slug,
            SubmissionReview.accepted,
            SubmissionReview.comment,
            reviewer.c.first_name,
        )
        .join(Lesson, Lesson.id == Submission.lesson_id)
        .outerjoin(SubmissionReview, SubmissionReview.submission_id == Submission.id)
        .outerjoin(reviewer, reviewer.c.id == SubmissionReview.reviewer_id)
        .where(Submission.user_id == user_id)
        .order_by(Submission.lesson_id, Submission.version)
    )
    outputs = await session.execute(
        select(FieldOutput.field_id, FieldOutput.value, FieldOutput.updated_at)
        .where(FieldOutput.user_id == user_id)
        .order_by(FieldOutput.field_id)
    )
    given = await session.execute(
        select(SubmissionReview.accepted, SubmissionReview.comment, SubmissionReview.created_at)
        .where(SubmissionReview.reviewer_id == user_id)
        .order_by(SubmissionReview.id)
    )
    return {
        "submissions": [
            {
                "lesson": slug,
                "version": row.version,
                "status": row.status.name,
                "answers": row.data,
                "submitted_at": _when(row.submitted_at),
                "decided_at": _when(row.decided_at),
                "verdict": None
                if accepted is None
                else {"accepted": accepted, "comment": comment, "reviewer": name},
            }
            for row, slug, accepted, comment, name in versions
        ],
        "field_outputs": {
            field_id: {"answer": value, "updated_at": _when(at)} for field_id, value, at in outputs
        },
        "reviews_given": [
            {"accepted": accepted, "comment": comment, "at": _when(at)}
            for accepted, comment, at in given
        ],
    }
