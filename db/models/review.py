"""Spaced repetition: a card per learner and question, its log, sessions and their polls."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import text as sa_text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, BigId, UTCDateTime, enum_column, utcnow
from db.enums import ReviewSource


class ReviewCard(Base):
    """One learner's card for one quiz question, with its FSRS state."""

    __tablename__ = "review_cards"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    question_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("quiz_questions.id", ondelete="SET NULL"), index=True
    )
    state: Mapped[int] = mapped_column(sa.SmallInteger)  # fsrs.State
    step: Mapped[int | None] = mapped_column(sa.SmallInteger)
    stability: Mapped[float | None] = mapped_column(sa.Float)
    difficulty: Mapped[float | None] = mapped_column(sa.Float)
    due: Mapped[datetime] = mapped_column(UTCDateTime())
    last_review: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviews: Mapped[int] = mapped_column(sa.Integer, default=0, server_default=sa_text("0"))
    retired: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("user_id", "question_id"),
        # A learner's due cards are one range of this index, read without the table.
        sa.Index("ix_review_cards_user_id_retired_due", "user_id", "retired", "due"),
    )


class ReviewLog(Base):
    """Every answer to a card (lesson quiz or review), kept so parameters can be fitted."""

    __tablename__ = "review_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    card_id: Mapped[int] = mapped_column(
        sa.ForeignKey("review_cards.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    source: Mapped[ReviewSource] = mapped_column(enum_column(ReviewSource))
    rating: Mapped[int] = mapped_column(sa.SmallInteger)  # fsrs.Rating
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due: Mapped[datetime] = mapped_column(UTCDateTime())  # when the card is due next
    stability: Mapped[float | None] = mapped_column(sa.Float)
    difficulty: Mapped[float | None] = mapped_column(sa.Float)

    __table_args__ = (
        sa.Index("ix_review_log_user_id_reviewed_at", "user_id", "reviewed_at"),
        sa.Index("ix_review_log_reviewed_at", "reviewed_at"),
    )


class ReviewSession(Base):
    """A /review session: the due cards picked when it started, in order."""

    __tablename__ = "review_sessions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    card_ids: Mapped[list[int]] = mapped_column(sa.JSON)
    right: Mapped[int] = mapped_column(sa.Integer, default=0, server_default=sa_text("0"))
    wrong: Mapped[int] = mapped_column(sa.Integer, default=0, server_default=sa_text("0"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (sa.Index("ix_review_sessions_user_id_finished_at", "user_id", "finished_at"),)


class ReviewPoll(Base):
    """A quiz poll sent in a review session: which card it asks, in which option order."""

    __tablename__ = "review_polls"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    poll_id: Mapped[str] = mapped_column(sa.String(128), unique=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("review_sessions.id", ondelete="CASCADE"), index=True
    )
    card_id: Mapped[int] = mapped_column(
        sa.ForeignKey("review_cards.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    review_number: Mapped[int] = mapped_column(sa.Integer)  # the card's reviews when it was sent
    option_order: Mapped[list[int]] = mapped_column(sa.JSON)
    is_correct: Mapped[bool | None] = mapped_column(sa.Boolean)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
