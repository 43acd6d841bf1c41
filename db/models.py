"""Typed SQLAlchemy models.

The first eight tables are the seed schema (shared/seeds/002) with its exact names;
the rest, and the extra columns marked below, are LearnBot's extensions.

ON DELETE, on purpose:
- a learner's own rows (progress, achievements, stats, points, deliveries, polls,
  activity, leaderboard row) go with the learner: deleting a user erases them;
- content that learners have progress on is never deleted by accident: lessons,
  modules and achievements RESTRICT (the importer unpublishes instead of deleting);
- quiz questions belong to their lesson (CASCADE), and an open poll belongs to its
  question (CASCADE);
- audit references that may outlive what they point at (the ledger's lesson or
  achievement, a broadcast's author) are SET NULL.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy import text as sa_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, UTCDateTime, utcnow
from db.enums import (
    AchievementType,
    ActivityType,
    BoardPeriod,
    BroadcastStatus,
    DeliveryKind,
    DeliveryStatus,
    PointsReason,
    ProgressStatus,
    ReviewSource,
    UserRole,
)

# A 64-bit id that is still SQLite's auto-incrementing rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def enum_column(enum_cls: type[enum.Enum]) -> Enum:
    """Native ENUM on MySQL, VARCHAR on SQLite; values stored by name."""
    return Enum(
        enum_cls, name=enum_cls.__name__.lower(), create_constraint=False, validate_strings=True
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


# ---------------------------------------------------------------- seed schema


class User(TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True, index=True)
    username: Mapped[str | None] = mapped_column(String(100))
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    language_code: Mapped[str | None] = mapped_column(String(10))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # LearnBot: learner settings and state.
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    lesson_minute: Mapped[int] = mapped_column(
        SmallInteger, default=540, server_default=sa_text("540")
    )
    reminders_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Indexed: the leaderboard job compares the few hidden learners with the last refresh's.
    show_on_leaderboard: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true(), index=True
    )
    language: Mapped[str | None] = mapped_column(String(10))
    role: Mapped[UserRole] = mapped_column(
        enum_column(UserRole), default=UserRole.LEARNER, server_default=UserRole.LEARNER.name
    )
    onboarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    progress: Mapped[list[UserProgress]] = relationship(back_populates="user", passive_deletes=True)
    achievements: Mapped[list[UserAchievement]] = relationship(
        back_populates="user", passive_deletes=True
    )
    activities: Mapped[list[ActivityLog]] = relationship(
        back_populates="user", passive_deletes=True
    )
    stats: Mapped[UserStats | None] = relationship(back_populates="user", passive_deletes=True)

    __table_args__ = (
        Index("ix_users_username", "username"),
        Index("ix_users_time_zone_lesson_minute", "time_zone", "lesson_minute"),
    )


class Module(TimestampMixin, Base):
    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    order: Mapped[int] = mapped_column(Integer, index=True)
    is_published: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # LearnBot: stable identity for re-imports, and optional drip.
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    days_between_lessons: Mapped[int | None] = mapped_column(Integer)

    lessons: Mapped[list[Lesson]] = relationship(back_populates="module", order_by="Lesson.order")


class Lesson(TimestampMixin, Base):
    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    module_id: Mapped[int] = mapped_column(
        ForeignKey("modules.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str | None] = mapped_column(Text)
    order: Mapped[int] = mapped_column(Integer)
    estimated_duration: Mapped[int | None] = mapped_column(Integer)
    is_published: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # LearnBot: identity, scoring and media.
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    points: Mapped[int] = mapped_column(Integer, default=50, server_default=sa_text("50"))
    pass_mark: Mapped[int] = mapped_column(SmallInteger, default=60, server_default=sa_text("60"))
    image: Mapped[str | None] = mapped_column(String(512))

    module: Mapped[Module] = relationship(back_populates="lessons")
    questions: Mapped[list[QuizQuestion]] = relationship(
        back_populates="lesson", order_by="QuizQuestion.order", passive_deletes=True
    )

    __table_args__ = (Index("ix_lessons_module_id_order", "module_id", "order"),)


class UserProgress(TimestampMixin, Base):
    """One row per learner and lesson; `score` is the best quiz score in percent."""

    __tablename__ = "user_progress"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="RESTRICT"))
    status: Mapped[ProgressStatus] = mapped_column(enum_column(ProgressStatus))
    score: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=sa_text("0"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="progress")
    lesson: Mapped[Lesson] = relationship()

    __table_args__ = (
        UniqueConstraint("user_id", "lesson_id"),
        Index("ix_user_progress_user_id_status", "user_id", "status"),
        Index("ix_user_progress_lesson_id_status", "lesson_id", "status"),
    )


class Achievement(Base):
    __tablename__ = "achievements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    type: Mapped[AchievementType] = mapped_column(enum_column(AchievementType), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    icon: Mapped[str | None] = mapped_column(String(100))
    points: Mapped[int] = mapped_column(Integer, default=0, server_default=sa_text("0"))
    criteria: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # LearnBot: stable identity for the seed data and content imports.
    slug: Mapped[str] = mapped_column(String(64), unique=True)


class UserAchievement(Base):
    __tablename__ = "user_achievements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id", ondelete="RESTRICT"))
    earned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(back_populates="achievements")
    achievement: Mapped[Achievement] = relationship()

    __table_args__ = (
        UniqueConstraint("user_id", "achievement_id"),
        Index("ix_user_achievements_user_id_earned_at", "user_id", "earned_at"),
    )


class LeaderboardCache(Base):
    __tablename__ = "leaderboard_cache"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    # `rank` is reserved in MySQL 8: always quoted. The exact all-time rank as of the last
    # nightly rebuild (0: joined the board since); live ranks come from `leaderboard_ranks`.
    rank: Mapped[int] = mapped_column("rank", Integer, index=True, quote=True)
    total_score: Mapped[int] = mapped_column(Integer, default=0, server_default=sa_text("0"))
    lessons_completed: Mapped[int] = mapped_column(Integer, default=0, server_default=sa_text("0"))
    achievements_count: Mapped[int] = mapped_column(Integer, default=0, server_default=sa_text("0"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # LearnBot: this week's points (since Monday 00:00 UTC).
    week_points: Mapped[int] = mapped_column(Integer, default=0, server_default=sa_text("0"))
    # Today's (since 00:00 UTC) and this month's (since the 1st, 00:00 UTC) points.
    day_points: Mapped[int] = mapped_column(Integer, default=0, server_default=sa_text("0"))
    month_points: Mapped[int] = mapped_column(Integer, default=0, server_default=sa_text("0"))

    __table_args__ = (
        Index("ix_leaderboard_cache_rank_total_score", "rank", "total_score"),
        # The top of each board, read backwards; and the rows of one points value.
        Index("ix_leaderboard_cache_total_score_user_id", "total_score", "user_id"),
        Index("ix_leaderboard_cache_week_points_user_id", "week_points", "user_id"),
        Index("ix_leaderboard_cache_day_points_user_id", "day_points", "user_id"),
        Index("ix_leaderboard_cache_month_points_user_id", "month_points", "user_id"),
    )


class LeaderboardRank(Base):
    """The rank of every points value on a board: 1 + the learners with more points.

    Rebuilt by each leaderboard refresh from `leaderboard_cache`, so a learner's rank is
    one lookup by their points, and a learner who moves changes one row here instead of
    the stored rank of everyone they pass.
    """

    __tablename__ = "leaderboard_ranks"

    board: Mapped[BoardPeriod] = mapped_column(enum_column(BoardPeriod), primary_key=True)
    points: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    learners: Mapped[int] = mapped_column(Integer)
    rank: Mapped[int] = mapped_column("rank", Integer, quote=True)


class LeaderboardHidden(Base):
    """Learners hidden from the leaderboard as of its last refresh (to see who unhid)."""

    __tablename__ = "leaderboard_hidden"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )


class LeaderboardRefresh(Base):
    """Where the last leaderboard refresh stopped (one row; none: rebuild everything)."""

    __tablename__ = "leaderboard_refresh"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    week_start: Mapped[datetime] = mapped_column(UTCDateTime())
    # The highest `points_ledger.id` the refresh had seen.
    ledger_id: Mapped[int] = mapped_column(BigInteger)


class LeaderboardSnapshot(Base):
    """A learner's place in the top 100 of a week or a month that ended, kept as it was
    (their name then, too). Taken once, when the leaderboard refresh first passes the end."""

    __tablename__ = "leaderboard_snapshots"

    period: Mapped[BoardPeriod] = mapped_column(enum_column(BoardPeriod), primary_key=True)
    starts_on: Mapped[date] = mapped_column(Date, primary_key=True)  # a Monday, or the 1st
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    rank: Mapped[int] = mapped_column("rank", Integer, quote=True)
    points: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(100))  # users.first_name at the end

    # A past board is read by its key's prefix (at most about 100 rows); a learner's own
    # placings by this index.
    __table_args__ = (Index("ix_leaderboard_snapshots_user_id_rank", "user_id", "rank"),)


class ActivityLog(Base):
    __tablename__ = "activity_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    activity_type: Mapped[ActivityType] = mapped_column(enum_column(ActivityType), index=True)
    entity_id: Mapped[int | None] = mapped_column(Integer)
    entity_type: Mapped[str | None] = mapped_column(String(50))
    details: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    user: Mapped[User] = relationship(back_populates="activities")

    __table_args__ = (
        Index(
            "ix_activity_log_user_id_activity_type_created_at",
            "user_id",
            "activity_type",
            "created_at",
        ),
    )


# ---------------------------------------------------------------- extensions


class QuizQuestion(TimestampMixin, Base):
    """A question of a lesson's quiz, sent as a native Telegram quiz poll."""

    __tablename__ = "quiz_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(64))
    order: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(String(300))
    options: Mapped[list[str]] = mapped_column(JSON)
    correct_option_ids: Mapped[list[int]] = mapped_column(JSON)
    explanation: Mapped[str | None] = mapped_column(String(255))

    lesson: Mapped[Lesson] = relationship(back_populates="questions")

    __table_args__ = (
        UniqueConstraint("lesson_id", "slug"),
        Index("ix_quiz_questions_lesson_id_order", "lesson_id", "order"),
    )


class QuizPoll(Base):
    """A quiz poll sent to a learner: one question of one attempt at a lesson's quiz."""

    __tablename__ = "quiz_polls"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    poll_id: Mapped[str] = mapped_column(String(128), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_questions.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int] = mapped_column(Integer)
    # The shown order of the options (position i shows the course's option order[i]);
    # NULL for polls sent before options were shuffled: the course file's order.
    option_order: Mapped[list[int] | None] = mapped_column(JSON)
    option_ids: Mapped[list[int] | None] = mapped_column(JSON)  # the course's options chosen
    is_correct: Mapped[bool | None] = mapped_column(Boolean)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("user_id", "lesson_id", "attempt", "question_id"),
        Index("ix_quiz_polls_lesson_id", "lesson_id"),
    )


class UserStats(Base):
    """Per-learner totals kept in step with the points ledger and progress."""

    __tablename__ = "user_stats"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    points: Mapped[int] = mapped_column(Integer, default=0, server_default=sa_text("0"))
    level: Mapped[int] = mapped_column(Integer, default=1, server_default=sa_text("1"))
    current_streak: Mapped[int] = mapped_column(Integer, default=0, server_default=sa_text("0"))
    longest_streak: Mapped[int] = mapped_column(Integer, default=0, server_default=sa_text("0"))
    # The learner's local date of their last completed lesson.
    last_active_date: Mapped[date | None] = mapped_column(Date)
    lessons_completed: Mapped[int] = mapped_column(Integer, default=0, server_default=sa_text("0"))
    perfect_quizzes: Mapped[int] = mapped_column(Integer, default=0, server_default=sa_text("0"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # Fair streaks: the UTC instant the last counted (or frozen) local day ended, in the
    # zone in force then (NULL: count from `last_active_date` in the current zone).
    streak_day_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    streak_freezes: Mapped[int] = mapped_column(
        SmallInteger, default=0, server_default=sa_text("0")
    )
    frozen_days: Mapped[int] = mapped_column(Integer, default=0, server_default=sa_text("0"))
    last_frozen_date: Mapped[date | None] = mapped_column(Date)
    # The streak a freeze saved, until the learner has been told (NULL: nothing to tell).
    freeze_notice: Mapped[int | None] = mapped_column(Integer)
    # The most common local hour of the last 14 days of completions (NULL: none yet).
    usual_hour: Mapped[int | None] = mapped_column(SmallInteger)
    league_tier: Mapped[int] = mapped_column(SmallInteger, default=0, server_default=sa_text("0"))

    user: Mapped[User] = relationship(back_populates="stats")

    __table_args__ = (
        Index("ix_user_stats_points", "points"),
        Index("ix_user_stats_last_active_date", "last_active_date"),
    )


class PointsLedger(Base):
    """Every award of points. `award_key` makes each award happen at most once."""

    __tablename__ = "points_ledger"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    points: Mapped[int] = mapped_column(Integer)
    reason: Mapped[PointsReason] = mapped_column(enum_column(PointsReason))
    award_key: Mapped[str] = mapped_column(String(64))
    lesson_id: Mapped[int | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="SET NULL"), index=True
    )
    achievement_id: Mapped[int | None] = mapped_column(
        ForeignKey("achievements.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("user_id", "award_key"),
        # Weekly board: a range scan on created_at that never touches the table.
        Index("ix_points_ledger_created_at_user_id_points", "created_at", "user_id", "points"),
    )


class Broadcast(Base):
    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    photo_file_id: Mapped[str | None] = mapped_column(String(255))
    audience: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[BroadcastStatus] = mapped_column(
        enum_column(BroadcastStatus), default=BroadcastStatus.DRAFT, index=True
    )
    total: Mapped[int] = mapped_column(Integer, default=0, server_default=sa_text("0"))
    sent: Mapped[int] = mapped_column(Integer, default=0, server_default=sa_text("0"))
    blocked: Mapped[int] = mapped_column(Integer, default=0, server_default=sa_text("0"))
    failed: Mapped[int] = mapped_column(Integer, default=0, server_default=sa_text("0"))
    progress_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_message_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Delivery(Base):
    """The delivery ledger: one row per learner, kind and local date (or broadcast).

    The row is claimed before the message is sent, so no push goes out twice.
    """

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[DeliveryKind] = mapped_column(enum_column(DeliveryKind))
    # The learner's local date (YYYY-MM-DD) or the broadcast id ("b<id>").
    dedup_key: Mapped[str] = mapped_column(String(32))
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="CASCADE")
    )
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus),
        default=DeliveryStatus.PENDING,
        server_default=DeliveryStatus.PENDING.name,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=sa_text("0"))
    error: Mapped[str | None] = mapped_column(String(255))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("user_id", "kind", "dedup_key"),
        Index("ix_deliveries_broadcast_id_status", "broadcast_id", "status"),
        Index("ix_deliveries_status_claimed_at", "status", "claimed_at"),
    )


# ---------------------------------------------------------------- course and certificates


class CourseDetails(Base):
    """The course's own title and description (course.yaml), one row, written by imports."""

    __tablename__ = "course_details"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Certificate(Base):
    """A course finished: one per learner and course title, with a code anyone can verify.

    The learner's name and the course title are kept as printed, so the certificate says
    the same thing after the learner renames themselves or the course is re-titled.
    """

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    learner_name: Mapped[str] = mapped_column(String(200))
    course_title: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(16), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "course_title"),)


# ---------------------------------------------------------------- review (spaced repetition)
# A learner's card for each quiz question they answered, scheduled by FSRS (bot.rules.review).
# A question removed from the course retires its cards (question_id SET NULL, retired set):
# the card and its history stay, it is never shown again.


class ReviewCard(Base):
    """One learner's card for one quiz question, with its FSRS state."""

    __tablename__ = "review_cards"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("quiz_questions.id", ondelete="SET NULL"), index=True
    )
    state: Mapped[int] = mapped_column(SmallInteger)  # fsrs.State
    step: Mapped[int | None] = mapped_column(SmallInteger)
    stability: Mapped[float | None] = mapped_column(Float)
    difficulty: Mapped[float | None] = mapped_column(Float)
    due: Mapped[datetime] = mapped_column(UTCDateTime())
    last_review: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviews: Mapped[int] = mapped_column(Integer, default=0, server_default=sa_text("0"))
    retired: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("user_id", "question_id"),
        # A learner's due cards are one range of this index, read without the table.
        Index("ix_review_cards_user_id_retired_due", "user_id", "retired", "due"),
    )


class ReviewLog(Base):
    """Every answer to a card (lesson quiz or review), kept so parameters can be fitted."""

    __tablename__ = "review_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    card_id: Mapped[int] = mapped_column(
        ForeignKey("review_cards.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    source: Mapped[ReviewSource] = mapped_column(enum_column(ReviewSource))
    rating: Mapped[int] = mapped_column(SmallInteger)  # fsrs.Rating
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due: Mapped[datetime] = mapped_column(UTCDateTime())  # when the card is due next
    stability: Mapped[float | None] = mapped_column(Float)
    difficulty: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (
        Index("ix_review_log_user_id_reviewed_at", "user_id", "reviewed_at"),
        Index("ix_review_log_reviewed_at", "reviewed_at"),
    )


class ReviewSession(Base):
    """A /review session: the due cards picked when it started, in order."""

    __tablename__ = "review_sessions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    card_ids: Mapped[list[int]] = mapped_column(JSON)
    right: Mapped[int] = mapped_column(Integer, default=0, server_default=sa_text("0"))
    wrong: Mapped[int] = mapped_column(Integer, default=0, server_default=sa_text("0"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_review_sessions_user_id_finished_at", "user_id", "finished_at"),)


class ReviewPoll(Base):
    """A quiz poll sent in a review session: which card it asks, in which option order."""

    __tablename__ = "review_polls"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    poll_id: Mapped[str] = mapped_column(String(128), unique=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("review_sessions.id", ondelete="CASCADE"), index=True
    )
    card_id: Mapped[int] = mapped_column(
        ForeignKey("review_cards.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    review_number: Mapped[int] = mapped_column(Integer)  # the card's reviews when it was sent
    option_order: Mapped[list[int]] = mapped_column(JSON)
    is_correct: Mapped[bool | None] = mapped_column(Boolean)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# ---------------------------------------------------------------- weekly leagues


class LeagueWeek(Base):
    """A league week (Monday 00:00 UTC): how far placement has read the ledger, and
    when the week was closed (once)."""

    __tablename__ = "league_weeks"

    week: Mapped[date] = mapped_column(Date, primary_key=True)
    placed_through: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LeagueMember(Base):
    """A learner in a league group for one week; the result columns are set at the close."""

    __tablename__ = "league_members"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    week: Mapped[date] = mapped_column(ForeignKey("league_weeks.week", ondelete="CASCADE"))
    tier: Mapped[int] = mapped_column(SmallInteger)
    group_no: Mapped[int] = mapped_column(Integer)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())
    points: Mapped[int | None] = mapped_column(Integer)
    place: Mapped[int | None] = mapped_column(Integer)
    group_size: Mapped[int | None] = mapped_column(Integer)
    new_tier: Mapped[int | None] = mapped_column(SmallInteger)

    __table_args__ = (
        UniqueConstraint("user_id", "week"),
        Index("ix_league_members_week_tier_group_no", "week", "tier", "group_no"),
    )
