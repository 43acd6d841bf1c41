"""The learner, their stats and their activity log."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import text as sa_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, TimestampMixin, UTCDateTime, enum_column, utcnow
from db.enums import ActivityType, UserRole

if TYPE_CHECKING:
    from db.models.learning import UserProgress
    from db.models.motivation import UserAchievement


class User(TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    telegram_id: Mapped[int] = mapped_column(sa.BigInteger, unique=True, index=True)
    username: Mapped[str | None] = mapped_column(sa.String(100))
    first_name: Mapped[str | None] = mapped_column(sa.String(100))
    last_name: Mapped[str | None] = mapped_column(sa.String(100))
    language_code: Mapped[str | None] = mapped_column(sa.String(10))
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True, server_default=sa.true())
    # LearnBot: learner settings and state.
    time_zone: Mapped[str] = mapped_column(sa.String(64), default="UTC", server_default="UTC")
    lesson_minute: Mapped[int] = mapped_column(
        sa.SmallInteger, default=540, server_default=sa_text("540")
    )
    reminders_enabled: Mapped[bool] = mapped_column(
        sa.Boolean, default=True, server_default=sa.true()
    )
    # Indexed: the leaderboard job compares the few hidden learners with the last refresh's.
    show_on_leaderboard: Mapped[bool] = mapped_column(
        sa.Boolean, default=True, server_default=sa.true(), index=True
    )
    language: Mapped[str | None] = mapped_column(sa.String(10))
    role: Mapped[UserRole] = mapped_column(
        enum_column(UserRole), default=UserRole.LEARNER, server_default=UserRole.LEARNER.name
    )
    onboarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # The course /learn, /modules and the daily lesson follow (NULL: none chosen yet).
    current_course_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="SET NULL"), index=True
    )
    # A pause of learning: from the start of a local day until `paused_until` (UTC instants;
    # NULL: not paused). Nothing is pushed and the streak stands still meanwhile.
    paused_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    progress: Mapped[list[UserProgress]] = relationship(back_populates="user", passive_deletes=True)
    achievements: Mapped[list[UserAchievement]] = relationship(
        back_populates="user", passive_deletes=True
    )
    activities: Mapped[list[ActivityLog]] = relationship(
        back_populates="user", passive_deletes=True
    )
    stats: Mapped[UserStats | None] = relationship(back_populates="user", passive_deletes=True)

    __table_args__ = (
        sa.Index("ix_users_username", "username"),
        sa.Index("ix_users_time_zone_lesson_minute", "time_zone", "lesson_minute"),
        # The dashboard's new learners per day (a range of days).
        sa.Index("ix_users_created_at", "created_at"),
    )


class UserStats(Base):
    """Per-learner totals kept in step with the points ledger and progress."""

    __tablename__ = "user_stats"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    points: Mapped[int] = mapped_column(sa.Integer, default=0, server_default=sa_text("0"))
    level: Mapped[int] = mapped_column(sa.Integer, default=1, server_default=sa_text("1"))
    current_streak: Mapped[int] = mapped_column(sa.Integer, default=0, server_default=sa_text("0"))
    longest_streak: Mapped[int] = mapped_column(sa.Integer, default=0, server_default=sa_text("0"))
    # The learner's local date of their last completed lesson.
    last_active_date: Mapped[date | None] = mapped_column(sa.Date)
    lessons_completed: Mapped[int] = mapped_column(
        sa.Integer, default=0, server_default=sa_text("0")
    )
    perfect_quizzes: Mapped[int] = mapped_column(sa.Integer, default=0, server_default=sa_text("0"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # Fair streaks: the UTC instant the last counted (or frozen) local day ended, in the
    # zone in force then (NULL: count from `last_active_date` in the current zone).
    streak_day_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    streak_freezes: Mapped[int] = mapped_column(
        sa.SmallInteger, default=0, server_default=sa_text("0")
    )
    frozen_days: Mapped[int] = mapped_column(sa.Integer, default=0, server_default=sa_text("0"))
    last_frozen_date: Mapped[date | None] = mapped_column(sa.Date)
    # The streak a freeze saved, until the learner has been told (NULL: nothing to tell).
    freeze_notice: Mapped[int | None] = mapped_column(sa.Integer)
    # The most common local hour of the last 14 days of completions (NULL: none yet).
    usual_hour: Mapped[int | None] = mapped_column(sa.SmallInteger)
    league_tier: Mapped[int] = mapped_column(
        sa.SmallInteger, default=0, server_default=sa_text("0")
    )

    user: Mapped[User] = relationship(back_populates="stats")

    __table_args__ = (
        sa.Index("ix_user_stats_points", "points"),
        sa.Index("ix_user_stats_last_active_date", "last_active_date"),
    )


class ActivityLog(Base):
    __tablename__ = "activity_log"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    activity_type: Mapped[ActivityType] = mapped_column(enum_column(ActivityType), index=True)
    entity_id: Mapped[int | None] = mapped_column(sa.Integer)
    entity_type: Mapped[str | None] = mapped_column(sa.String(50))
    details: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    user: Mapped[User] = relationship(back_populates="activities")

    __table_args__ = (
        sa.Index(
            "ix_activity_log_user_id_activity_type_created_at",
            "user_id",
            "activity_type",
            "created_at",
        ),
    )
