"""Achievements, the points ledger, the leaderboard's tables and the weekly leagues."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import text as sa_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, BigId, UTCDateTime, enum_column, utcnow
from db.enums import AchievementType, BoardPeriod, PointsReason

if TYPE_CHECKING:
    from db.models.learners import User


class Achievement(Base):
    __tablename__ = "achievements"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    type: Mapped[AchievementType] = mapped_column(enum_column(AchievementType), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    icon: Mapped[str | None] = mapped_column(sa.String(100))
    points: Mapped[int] = mapped_column(sa.Integer, default=0, server_default=sa_text("0"))
    criteria: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # LearnBot: stable identity for the seed data and content imports.
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)


class UserAchievement(Base):
    __tablename__ = "user_achievements"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    achievement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("achievements.id", ondelete="RESTRICT")
    )
    earned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(back_populates="achievements")
    achievement: Mapped[Achievement] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("user_id", "achievement_id"),
        sa.Index("ix_user_achievements_user_id_earned_at", "user_id", "earned_at"),
    )


class PointsLedger(Base):
    """Every award of points. `award_key` makes each award happen at most once."""

    __tablename__ = "points_ledger"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    points: Mapped[int] = mapped_column(sa.Integer)
    reason: Mapped[PointsReason] = mapped_column(enum_column(PointsReason))
    award_key: Mapped[str] = mapped_column(sa.String(64))
    lesson_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lessons.id", ondelete="SET NULL"), index=True
    )
    achievement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("achievements.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("user_id", "award_key"),
        # Weekly board: a range scan on created_at that never touches the table.
        sa.Index("ix_points_ledger_created_at_user_id_points", "created_at", "user_id", "points"),
    )


class LeaderboardCache(Base):
    __tablename__ = "leaderboard_cache"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    # `rank` is reserved in MySQL 8: always quoted. The exact all-time rank as of the last
    # nightly rebuild (0: joined the board since); live ranks come from `leaderboard_ranks`.
    rank: Mapped[int] = mapped_column("rank", sa.Integer, index=True, quote=True)
    total_score: Mapped[int] = mapped_column(sa.Integer, default=0, server_default=sa_text("0"))
    lessons_completed: Mapped[int] = mapped_column(
        sa.Integer, default=0, server_default=sa_text("0")
    )
    achievements_count: Mapped[int] = mapped_column(
        sa.Integer, default=0, server_default=sa_text("0")
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # LearnBot: this week's points (since Monday 00:00 UTC).
    week_points: Mapped[int] = mapped_column(sa.Integer, default=0, server_default=sa_text("0"))
    # Today's (since 00:00 UTC) and this month's (since the 1st, 00:00 UTC) points.
    day_points: Mapped[int] = mapped_column(sa.Integer, default=0, server_default=sa_text("0"))
    month_points: Mapped[int] = mapped_column(sa.Integer, default=0, server_default=sa_text("0"))

    __table_args__ = (
        sa.Index("ix_leaderboard_cache_rank_total_score", "rank", "total_score"),
        # The top of each board, read backwards; and the rows of one points value.
        sa.Index("ix_leaderboard_cache_total_score_user_id", "total_score", "user_id"),
        sa.Index("ix_leaderboard_cache_week_points_user_id", "week_points", "user_id"),
        sa.Index("ix_leaderboard_cache_day_points_user_id", "day_points", "user_id"),
        sa.Index("ix_leaderboard_cache_month_points_user_id", "month_points", "user_id"),
    )


class LeaderboardRank(Base):
    """The rank of every points value on a board: 1 + the learners with more points.

    Rebuilt by each leaderboard refresh from `leaderboard_cache`, so a learner's rank is
    one lookup by their points, and a learner who moves changes one row here instead of
    the stored rank of everyone they pass.
    """

    __tablename__ = "leaderboard_ranks"

    board: Mapped[BoardPeriod] = mapped_column(enum_column(BoardPeriod), primary_key=True)
    points: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    learners: Mapped[int] = mapped_column(sa.Integer)
    rank: Mapped[int] = mapped_column("rank", sa.Integer, quote=True)


class LeaderboardHidden(Base):
    """Learners hidden from the leaderboard as of its last refresh (to see who unhid)."""

    __tablename__ = "leaderboard_hidden"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )


class LeaderboardRefresh(Base):
    """Where the last leaderboard refresh stopped (one row; none: rebuild everything)."""

    __tablename__ = "leaderboard_refresh"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    week_start: Mapped[datetime] = mapped_column(UTCDateTime())
    # The highest `points_ledger.id` the refresh had seen.
    ledger_id: Mapped[int] = mapped_column(sa.BigInteger)


class LeaderboardSnapshot(Base):
    """A learner's place in the top 100 of a week or a month that ended, kept as it was
    (their name then, too). Taken once, when the leaderboard refresh first passes the end."""

    __tablename__ = "leaderboard_snapshots"

    period: Mapped[BoardPeriod] = mapped_column(enum_column(BoardPeriod), primary_key=True)
    starts_on: Mapped[date] = mapped_column(sa.Date, primary_key=True)  # a Monday, or the 1st
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    rank: Mapped[int] = mapped_column("rank", sa.Integer, quote=True)
    points: Mapped[int] = mapped_column(sa.Integer)
    name: Mapped[str | None] = mapped_column(sa.String(100))  # users.first_name at the end

    # A past board is read by its key's prefix (at most about 100 rows); a learner's own
    # placings by this index.
    __table_args__ = (sa.Index("ix_leaderboard_snapshots_user_id_rank", "user_id", "rank"),)


class LeagueWeek(Base):
    """A league week (Monday 00:00 UTC): how far placement has read the ledger, and
    when the week was closed (once)."""

    __tablename__ = "league_weeks"

    week: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    placed_through: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LeagueMember(Base):
    """A learner in a league group for one week; the result columns are set at the close."""

    __tablename__ = "league_members"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    week: Mapped[date] = mapped_column(sa.ForeignKey("league_weeks.week", ondelete="CASCADE"))
    tier: Mapped[int] = mapped_column(sa.SmallInteger)
    group_no: Mapped[int] = mapped_column(sa.Integer)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())
    points: Mapped[int | None] = mapped_column(sa.Integer)
    place: Mapped[int | None] = mapped_column(sa.Integer)
    group_size: Mapped[int | None] = mapped_column(sa.Integer)
    new_tier: Mapped[int | None] = mapped_column(sa.SmallInteger)

    __table_args__ = (
        sa.UniqueConstraint("user_id", "week"),
        sa.Index("ix_league_members_week_tier_group_no", "week", "tier", "group_no"),
    )
