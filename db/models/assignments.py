"""Assignments: a learner's submissions (each version of their answers), the verdicts on
them, and the field outputs that later lessons quote (the original design's submissions and
field_outputs).

- One row per version: a DRAFT collects the answers (`asking` names the field the chat is
  waiting for), Submit turns it into SUBMITTED version N; a returned version stays as it
  was and the learner's next draft is version N+1. Answers are never overwritten.
- A verdict (`submission_reviews`) is unique per submission: the first reviewer to act
  decides. The reviewer's row is SET NULL when the reviewer deletes themselves, so the
  comment on someone else's work stays, without their name.
- `field_outputs` holds each learner's latest submitted answer per field id (`woop.wish`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, enum_column, utcnow
from db.enums import SubmissionStatus

FIELD_ID_LENGTH = 64  # characters of a field id (area.name)


class Submission(Base):
    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lessons.id", ondelete="RESTRICT"), index=True
    )
    version: Mapped[int] = mapped_column(sa.Integer)
    status: Mapped[SubmissionStatus] = mapped_column(
        enum_column(SubmissionStatus), default=SubmissionStatus.DRAFT
    )
    # Answers by field id: {"woop.wish": {"kind": "text", "text": "…"}}; media by file_id.
    # The cohort whose mentors it went to at submit time (the original design's
    # organization_id); None: the learner had no mentor, the admins review it. /reviews lists
    # by it.
    cohort_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cohorts.id", ondelete="SET NULL"), index=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    asking: Mapped[str | None] = mapped_column(sa.String(FIELD_ID_LENGTH))  # a draft's open field
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        # A learner's versions of one assignment; the latest is the highest.
        sa.UniqueConstraint("user_id", "lesson_id", "version"),
        # What waits for review, oldest first (the 48-hour note, /stats, a cohort's list).
        sa.Index("ix_submissions_status_submitted_at", "status", "submitted_at"),
        # What waits for one cohort's mentors, or (NULL) for the admins: /reviews reads a
        # page of it in index order, whatever the backlog elsewhere.
        sa.Index(
            "ix_submissions_status_cohort_id_submitted_at", "status", "cohort_id", "submitted_at"
        ),
        # The draft a learner's message answers (a field answer's one read).
        sa.Index("ix_submissions_user_id_status", "user_id", "status"),
    )


class SubmissionReview(Base):
    """The verdict on one submitted version, with the reviewer's comment."""

    __tablename__ = "submission_reviews"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    # Unique: one verdict per version, whoever acts first.
    submission_id: Mapped[int] = mapped_column(
        sa.ForeignKey("submissions.id", ondelete="CASCADE"), unique=True
    )
    reviewer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    accepted: Mapped[bool] = mapped_column(sa.Boolean)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FieldOutput(Base):
    """A learner's latest submitted answer to one field, by its id."""

    __tablename__ = "field_outputs"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    field_id: Mapped[str] = mapped_column(sa.String(FIELD_ID_LENGTH))
    submission_id: Mapped[int] = mapped_column(
        sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (sa.UniqueConstraint("user_id", "field_id"),)
