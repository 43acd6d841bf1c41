"""A learner's progress, journeys and quiz polls."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, and_, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.enums import JourneyStatus, ProgressStatus
from db.models import Journey, QuizPoll, ReviewCard, UserProgress

PROGRESS = select(
    UserProgress.lesson_id,
    UserProgress.status,
    UserProgress.score,
    UserProgress.attempts,
    UserProgress.completed_at,
    UserProgress.tested_out,
).where(UserProgress.user_id == bindparam("user_id"))
LOCKED_PROGRESS = PROGRESS.with_for_update()


async def progress_rows(
    session: AsyncSession, user_id: int, *, lock: bool = False
) -> Sequence[Row[int, ProgressStatus, int | None, int, datetime | None, bool]]:
    """(lesson_id, status, score, attempts, completed_at, tested_out) of each lesson the
    learner opened; with `lock`, the rows stay locked for the transaction."""
    return (
        await session.execute(LOCKED_PROGRESS if lock else PROGRESS, {"user_id": user_id})
    ).all()


JOURNEYS = select(
    Journey.course_id, Journey.status, Journey.started_at, Journey.completed_at
).where(Journey.user_id == bindparam("user_id"))


async def journey_rows(
    session: AsyncSession, user_id: int
) -> Sequence[Row[int, JourneyStatus, datetime, datetime | None]]:
    """(course_id, status, started_at, completed_at) of each course the learner started."""
    return (await session.execute(JOURNEYS, {"user_id": user_id})).all()


DONE_LESSONS = select(UserProgress.lesson_id).where(
    UserProgress.user_id == bindparam("user_id"),
    UserProgress.status == ProgressStatus.COMPLETED,
)


async def done_lesson_ids(session: AsyncSession, user_id: int) -> set[int]:
    """The lessons the learner completed, in every course (the (user_id, status) index)."""
    return set(await session.scalars(DONE_LESSONS, {"user_id": user_id}))


COUNT_ATTEMPT = (
    update(UserProgress)
    .where(UserProgress.user_id == bindparam("user"), UserProgress.lesson_id == bindparam("lesson"))
    .values(attempts=bindparam("attempt"), updated_at=bindparam("now"))
    .execution_options(synchronize_session=False)
)


async def count_attempt(
    session: AsyncSession, user_id: int, lesson_id: int, attempt: int, now: datetime
) -> None:
    await session.execute(
        COUNT_ATTEMPT, {"user": user_id, "lesson": lesson_id, "attempt": attempt, "now": now}
    )


# Built once: an alias per call rebuilds its columns (a measurable cost per answer).
ANSWERED_POLL = aliased(QuizPoll, name="answered_poll")
# The answered poll with every poll of its lesson (all of the learner's attempts) and the
# learner's review cards of their questions, locked: one read serialises a learner's answers.
LESSON_POLLS = (
    select(QuizPoll, ReviewCard)
    .join(
        ANSWERED_POLL,
        and_(
            ANSWERED_POLL.user_id == QuizPoll.user_id,
            ANSWERED_POLL.lesson_id == QuizPoll.lesson_id,
        ),
    )
    .outerjoin(
        ReviewCard,
        and_(
            ReviewCard.user_id == QuizPoll.user_id, ReviewCard.question_id == QuizPoll.question_id
        ),
    )
    .where(ANSWERED_POLL.poll_id == bindparam("poll_id"))
    .with_for_update()
    .execution_options(populate_existing=True)
)


async def lesson_polls_locked(
    session: AsyncSession, poll_id: str
) -> Sequence[Row[QuizPoll, ReviewCard]]:  # the card is None where the question has none
    """Every poll of the lesson `poll_id` belongs to, each with its review card, locked."""
    return (await session.execute(LESSON_POLLS, {"poll_id": poll_id})).all()
