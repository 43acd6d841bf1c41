"""Review figures: a learner's cards for /progress, due counts for pushes, admin activity.

- cards: the learner's cards not retired; learned: those past FSRS's learning steps
  (state Review); due now: what /review would ask now (the same rule: due at or before
  now); later today: due after now but before the learner's next local midnight, with the
  first of those (they are not offered early: FSRS's short steps are the point of them);
- retention (30 days): the share of review-session answers that were right, over the
  last 30 days (lesson quiz answers are not recall, so they do not count);
- most missed: the questions with the most wrong answers (lessons and reviews) in the
  last 30 days, for authors to fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from fsrs import Rating, State
from sqlalchemy import Select, and_, case, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import ReviewSource
from db.models import Lesson, QuizQuestion, ReviewCard, ReviewLog, User

RETENTION_WINDOW = timedelta(days=30)
MOST_MISSED = 10


@dataclass(frozen=True)
class ReviewProgress:
    cards: int
    learned: int
    due_now: int
    later_today: int
    next_later: datetime | None  # the first of the cards due later today
    retention: float | None  # None: no review answers in the window


def _next_local_midnight(user: User, now: datetime) -> datetime:
    zone = ZoneInfo(user.time_zone)
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(), tzinfo=zone)


async def _retention(
    session: AsyncSession, since: datetime, user_id: int | None = None
) -> float | None:
    statement = select(func.count(), func.count(case((ReviewLog.rating != int(Rating.Again), 1))))
    statement = statement.where(
        ReviewLog.source == ReviewSource.REVIEW, ReviewLog.reviewed_at >= since
    )
    if user_id is not None:
        statement = statement.where(ReviewLog.user_id == user_id)
    total, right = (await session.execute(statement)).one()
    return int(right) / int(total) if total else None


async def review_progress(session: AsyncSession, user: User, now: datetime) -> ReviewProgress:
    """The learner's cards, learned, due now and later today (with the first of those),
    and their 30-day review retention."""
    later = and_(ReviewCard.due > now, ReviewCard.due < _next_local_midnight(user, now))
    cards, learned, due_now, later_today, next_later = (
        await session.execute(
            select(
                func.count(),
                func.count(case((ReviewCard.state == int(State.Review), 1))),
                func.count(case((ReviewCard.due <= now, 1))),
                func.count(case((later, 1))),
                func.min(case((later, ReviewCard.due))),
            ).where(ReviewCard.user_id == user.id, ReviewCard.retired == false())
        )
    ).one()
    return ReviewProgress(
        cards=int(cards),
        learned=int(learned),
        due_now=int(due_now),
        later_today=int(later_today),
        next_later=next_later,
        retention=await _retention(session, now - RETENTION_WINDOW, user.id),
    )


def due_counts_statement(user_ids: Sequence[int], now: datetime) -> Select[int, int]:
    """Due cards per learner: one range of (user_id, retired, due) for each learner."""
    return (
        select(ReviewCard.user_id, func.count())
        .where(
            ReviewCard.user_id.in_(list(user_ids)),
            ReviewCard.due <= now,
            ReviewCard.retired == false(),
        )
        .group_by(ReviewCard.user_id)
    )


async def due_review_counts(
    session: AsyncSession, user_ids: Sequence[int], now: datetime
) -> dict[int, int]:
    """How many cards each learner has due now, in one statement (learners with none absent)."""
    if not user_ids:
        return {}
    rows = await session.execute(due_counts_statement(user_ids, now))
    return {user_id: int(count) for user_id, count in rows}


@dataclass(frozen=True)
class ReviewActivity:
    answers_day: int  # review-session answers in the last 1 / 7 / 30 days
    answers_week: int
    answers_month: int
    learners_month: int  # learners who answered a review in the last 30 days
    retention: float | None


@dataclass(frozen=True)
class MissedQuestion:
    lesson_title: str  # raw: the renderer escapes
    question: str
    misses: int
    answers: int


async def review_activity(session: AsyncSession, now: datetime) -> ReviewActivity:
    """Review answers and reviewing learners over the last 30 days: a range of reviewed_at."""
    day, week, month = (now - timedelta(days=days) for days in (1, 7, 30))
    in_day, in_week, in_month, learners = (
        await session.execute(
            select(
                func.count(case((ReviewLog.reviewed_at >= day, 1))),
                func.count(case((ReviewLog.reviewed_at >= week, 1))),
                func.count(),
                func.count(func.distinct(ReviewLog.user_id)),
            ).where(ReviewLog.source == ReviewSource.REVIEW, ReviewLog.reviewed_at >= month)
        )
    ).one()
    return ReviewActivity(
        answers_day=int(in_day),
        answers_week=int(in_week),
        answers_month=int(in_month),
        learners_month=int(learners),
        retention=await _retention(session, month),
    )


async def most_missed(
    session: AsyncSession, now: datetime, limit: int = MOST_MISSED
) -> list[MissedQuestion]:
    """The questions answered wrongly most often in the last 30 days, grouped by lesson."""
    misses = func.count(case((ReviewLog.rating == int(Rating.Again), 1)))
    counted = (
        await session.execute(
            select(ReviewCard.question_id, misses, func.count())
            .join(ReviewCard, ReviewCard.id == ReviewLog.card_id)
            .where(
                ReviewLog.reviewed_at >= now - RETENTION_WINDOW, ReviewCard.question_id.is_not(None)
            )
            .group_by(ReviewCard.question_id)
            .having(misses > 0)
            .order_by(misses.desc(), ReviewCard.question_id)
            .limit(limit)
        )
    ).all()
    if not counted:
        return []
    names = {
        question_id: (lesson_title, question, lesson_id)
        for question_id, question, lesson_id, lesson_title in await session.execute(
            select(QuizQuestion.id, QuizQuestion.question, Lesson.id, Lesson.title)
            .join(Lesson, Lesson.id == QuizQuestion.lesson_id)
            .where(QuizQuestion.id.in_([row[0] for row in counted]))
        )
    }
    found = [
        (names[question_id], int(missed), int(total))
        for question_id, missed, total in counted
        if question_id in names
    ]
    # Grouped by lesson (the lesson of the most missed question first), misses within.
    first_seen: dict[int, int] = {}
    for index, ((_title, _question, lesson_id), _m, _t) in enumerate(found):
        first_seen.setdefault(lesson_id, index)
    found.sort(key=lambda item: (first_seen[item[0][2]], -item[1]))
    return [
        MissedQuestion(lesson_title=title, question=question, misses=missed, answers=total)
        for (title, question, _lesson_id), missed, total in found
    ]
