"""Cohorts (a class or a team), their members and their mentors.

A member row stays when the learner leaves (`left_at` set) and is reused when they join
again. A mentor is a learner with the MENTOR role in one cohort (`cohort_roles`), not a
role of the whole bot. A cohort may be linked to one Telegram group chat.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, enum_column, utcnow
from db.enums import CohortRole

CODE_LENGTH = 10  # characters of an invite code (t.me/<bot>?start=join-<code>)


class Cohort(Base):
    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    # Unique: a code names one cohort; rotating it makes the old links say "unknown".
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    # The course its members start when they join (optional).
    course_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="SET NULL"), index=True
    )
    joining_open: Mapped[bool] = mapped_column(sa.Boolean, default=True, server_default=sa.true())
    created_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The linked group chat (unique: a group shows one cohort's board) and who linked it.
    group_chat_id: Mapped[int | None] = mapped_column(sa.BigInteger, unique=True)
    group_linked_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )


class CohortMember(Base):
    __tablename__ = "cohort_members"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        # One row per learner and cohort; the mentor's roster reads a cohort's members by it.
        sa.UniqueConstraint("cohort_id", "user_id"),
        # A learner's own cohorts (/cohort, the board tabs, reviewers_of).
        sa.Index("ix_cohort_members_user_id_left_at", "user_id", "left_at"),
    )


class CohortRoleRow(Base):
    """A learner's role in one cohort: MENTOR (the original design's guru)."""

    __tablename__ = "cohort_roles"

    cohort_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[CohortRole] = mapped_column(
        enum_column(CohortRole), default=CohortRole.MENTOR, server_default=CohortRole.MENTOR.name
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    # The cohorts a learner mentors: every mentor view starts there.
    __table_args__ = (sa.Index("ix_cohort_roles_user_id_role", "user_id", "role"),)
