"""The courses (modules, lessons, quiz questions, prerequisites) and a learner's way through
them: journeys, progress, quiz polls, certificates."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import text as sa_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, BigId, TimestampMixin, UTCDateTime, enum_column, utcnow
from db.enums import JourneyStatus, ProgressStatus

if TYPE_CHECKING:
    from db.models.learners import User


class Course(TimestampMixin, Base):
    """A course: a folder of modules with a stable slug (`course.yaml`)."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    language: Mapped[str | None] = mapped_column(sa.String(10))
    order: Mapped[int] = mapped_column(sa.Integer, index=True)  # place in the catalogue
    is_published: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    # The placement check (`placement:` in course.yaml): questions per module (NULL: the course
    # offers none) and, optionally, the questions to draw from ("lesson-slug/question-id").
    placement_per_module: Mapped[int | None] = mapped_column(sa.SmallInteger)
    placement_questions: Mapped[list[str] | None] = mapped_column(sa.JSON)


class CoursePrerequisite(Base):
    """`course_id` is locked until the learner has completed `required_course_id`."""

    __tablename__ = "course_prerequisites"

    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    required_course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Module(TimestampMixin, Base):
    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    # LearnBot: the course the module belongs to.
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    order: Mapped[int] = mapped_column(sa.Integer, index=True)
    is_published: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    # LearnBot: stable identity within its course for re-imports, and optional drip.
    slug: Mapped[str] = mapped_column(sa.String(64))
    days_between_lessons: Mapped[int | None] = mapped_column(sa.Integer)

    course: Mapped[Course] = relationship()
    lessons: Mapped[list[Lesson]] = relationship(back_populates="module", order_by="Lesson.order")

    __table_args__ = (sa.UniqueConstraint("course_id", "slug"),)


class ModulePrerequisite(Base):
    """`module_id` unlocks when `required_module_id` (same course) is done. The importer
    writes every edge, the default one ("the module before") included."""

    __tablename__ = "module_prerequisites"

    module_id: Mapped[int] = mapped_column(
        sa.ForeignKey("modules.id", ondelete="CASCADE"), primary_key=True
    )
    required_module_id: Mapped[int] = mapped_column(
        sa.ForeignKey("modules.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Lesson(TimestampMixin, Base):
    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    module_id: Mapped[int] = mapped_column(
        sa.ForeignKey("modules.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    content: Mapped[str | None] = mapped_column(sa.Text)
    order: Mapped[int] = mapped_column(sa.Integer)
    estimated_duration: Mapped[int | None] = mapped_column(sa.Integer)
    is_published: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    # LearnBot: identity, scoring and media.
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    points: Mapped[int] = mapped_column(sa.Integer, default=50, server_default=sa_text("50"))
    pass_mark: Mapped[int] = mapped_column(
        sa.SmallInteger, default=60, server_default=sa_text("60")
    )
    image: Mapped[str | None] = mapped_column(sa.String(512))
    # LearnBot: the lesson's assignment ({"review": "mentor", "fields": [...]}), and the
    # field ids a learner must have submitted before it opens.
    assignment: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    requires_fields: Mapped[list[str] | None] = mapped_column(sa.JSON)

    module: Mapped[Module] = relationship(back_populates="lessons")
    questions: Mapped[list[QuizQuestion]] = relationship(
        back_populates="lesson", order_by="QuizQuestion.order", passive_deletes=True
    )

    __table_args__ = (sa.Index("ix_lessons_module_id_order", "module_id", "order"),)


class QuizQuestion(TimestampMixin, Base):
    """A question of a lesson's quiz, sent as a native Telegram quiz poll."""

    __tablename__ = "quiz_questions"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lessons.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(sa.String(64))
    order: Mapped[int] = mapped_column(sa.Integer)
    question: Mapped[str] = mapped_column(sa.String(300))
    options: Mapped[list[str]] = mapped_column(sa.JSON)
    correct_option_ids: Mapped[list[int]] = mapped_column(sa.JSON)
    explanation: Mapped[str | None] = mapped_column(sa.String(255))

    lesson: Mapped[Lesson] = relationship(back_populates="questions")

    __table_args__ = (
        sa.UniqueConstraint("lesson_id", "slug"),
        sa.Index("ix_quiz_questions_lesson_id_order", "lesson_id", "order"),
    )


class UserProgress(TimestampMixin, Base):
    """One row per learner and lesson; `score` is the best quiz score in percent."""

    __tablename__ = "user_progress"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lessons.id", ondelete="RESTRICT"))
    status: Mapped[ProgressStatus] = mapped_column(enum_column(ProgressStatus))
    score: Mapped[int | None] = mapped_column(sa.Integer)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0, server_default=sa_text("0"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Done by a placement check, not taken: counts for unlocking and finishing, pays nothing.
    tested_out: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())

    user: Mapped[User] = relationship(back_populates="progress")
    lesson: Mapped[Lesson] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("user_id", "lesson_id"),
        sa.Index("ix_user_progress_user_id_status", "user_id", "status"),
        sa.Index("ix_user_progress_lesson_id_status", "lesson_id", "status"),
        # The dashboard's lessons and active learners of a day (bot.rules.dashboard.daily).
        sa.Index("ix_user_progress_completed_at", "completed_at"),
    )


class QuizPoll(Base):
    """A quiz poll sent to a learner: one question of one attempt at a lesson's quiz."""

    __tablename__ = "quiz_polls"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    poll_id: Mapped[str] = mapped_column(sa.String(128), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lessons.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("quiz_questions.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int] = mapped_column(sa.Integer)
    # The shown order of the options (position i shows the course's option order[i]);
    # NULL for polls sent before options were shuffled: the course file's order.
    option_order: Mapped[list[int] | None] = mapped_column(sa.JSON)
    option_ids: Mapped[list[int] | None] = mapped_column(sa.JSON)  # the course's options chosen
    is_correct: Mapped[bool | None] = mapped_column(sa.Boolean)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("user_id", "lesson_id", "attempt", "question_id"),
        sa.Index("ix_quiz_polls_lesson_id", "lesson_id"),
    )


class Journey(TimestampMixin, Base):
    """A learner's way through one course (the original design's user_journeys): started when the
    learner starts the course, COMPLETED with its certificate. The lessons done are counted
    from `user_progress`, the one record of them."""

    __tablename__ = "user_journeys"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[JourneyStatus] = mapped_column(
        enum_column(JourneyStatus),
        default=JourneyStatus.ACTIVE,
        server_default=JourneyStatus.ACTIVE.name,
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (sa.UniqueConstraint("user_id", "course_id"),)


class Certificate(Base):
    """A course finished: one per learner and course title, with a code anyone can verify.

    The learner's name and the course title are kept as printed, so the certificate says
    the same thing after the learner renames themselves or the course is re-titled.
    """

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    # The course finished (NULL once the course is gone; the title stays as printed).
    course_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="SET NULL"), index=True
    )
    learner_name: Mapped[str] = mapped_column(sa.String(200))
    course_title: Mapped[str] = mapped_column(sa.String(200))
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (sa.UniqueConstraint("user_id", "course_title"),)
