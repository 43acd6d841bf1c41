"""Placement checks (the original design's assessments and assessment results): one row per
learner and course with the questions drawn, the score per module and when; one row per
question asked, with the poll that asked it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import text as sa_text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, BigId, UTCDateTime, enum_column, utcnow
from db.enums import PlacementStatus


class PlacementCheck(Base):
    """A learner's placement check of one course. Abandoned and taken again, the same row
    starts a new `attempt` (the polls of the earlier one are ignored); once FINISHED it is
    never taken again."""

    __tablename__ = "assessment_results"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[PlacementStatus] = mapped_column(enum_column(PlacementStatus))
    attempt: Mapped[int] = mapped_column(sa.Integer, default=1, server_default=sa_text("1"))
    # The questions drawn for this learner, in the order asked (quiz question ids).
    question_ids: Mapped[list[int]] = mapped_column(sa.JSON)
    # Once finished: per module slug, [right, asked, tested out (0/1)].
    scores: Mapped[dict[str, list[int]] | None] = mapped_column(sa.JSON)
    modules_total: Mapped[int | None] = mapped_column(sa.SmallInteger)
    modules_tested_out: Mapped[int | None] = mapped_column(sa.SmallInteger)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (sa.UniqueConstraint("user_id", "course_id"),)


class PlacementAnswer(Base):
    """One question of a check's attempt, asked as a quiz poll, and its answer."""

    __tablename__ = "placement_answers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    check_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assessment_results.id", ondelete="CASCADE")
    )
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("quiz_questions.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int] = mapped_column(sa.Integer)
    poll_id: Mapped[str] = mapped_column(sa.String(128), unique=True)
    option_order: Mapped[list[int]] = mapped_column(sa.JSON)  # as in `quiz_polls`
    option_ids: Mapped[list[int] | None] = mapped_column(sa.JSON)
    is_correct: Mapped[bool | None] = mapped_column(sa.Boolean)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (sa.UniqueConstraint("check_id", "attempt", "question_id"),)
