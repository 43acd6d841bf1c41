"""Review cards: every quiz question a learner answered comes back, scheduled by FSRS.

A learner gets one card per quiz question the first time they answer it in a lesson;
every answer after that (in a lesson quiz or a /review session) reviews the card with the
`fsrs` scheduler (its default parameters, desired retention 0.9, fuzzing on) and writes
one `review_log` row, so parameters can be fitted to the history later.

Ratings: a wrong answer is Again; right at the first try is Good; right after an earlier
miss of the same question in the same lesson (a failed attempt before) is Hard. In a
review session a right answer is Good, a wrong one Again.

A question removed from the course retires its cards: they keep their history and are
never shown again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from fsrs import Card, Rating, Scheduler, State
from sqlalchemy import exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import ReviewSource
from db.models import QuizPoll, ReviewCard, ReviewLog

DESIRED_RETENTION = 0.9
SCHEDULER = Scheduler(desired_retention=DESIRED_RETENTION, enable_fuzzing=True)


def lesson_rating(correct: bool, missed_before: bool) -> Rating:
    """Wrong: Again; right at the first try: Good; right after an earlier miss: Hard."""
    if not correct:
        return Rating.Again
    return Rating.Hard if missed_before else Rating.Good


def review_rating(correct: bool) -> Rating:
    return Rating.Good if correct else Rating.Again


def _as_fsrs(card: ReviewCard) -> Card:
    # A card not yet flushed has no id. fsrs would then make one from the clock and block the
    # event loop for a millisecond to keep it unique; its id is never used here.
    return Card(
        card_id=card.id or 0,
        state=State(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
    )


async def review(
    session: AsyncSession, card: ReviewCard, rating: Rating, source: ReviewSource, now: datetime
) -> None:
    """Reschedule ``card`` (locked by the caller) after an answer, and log the answer."""
    scheduled, _log = SCHEDULER.review_card(_as_fsrs(card), rating, now.astimezone(UTC))
    card.state = int(scheduled.state)
    card.step = scheduled.step
    card.stability = scheduled.stability
    card.difficulty = scheduled.difficulty
    card.due = scheduled.due
    card.last_review = now
    card.reviews += 1
    await session.flush()  # a new card gets its id, for its log row
    await session.execute(
        insert(ReviewLog).values(
            card_id=card.id,
            user_id=card.user_id,
            source=source,
            rating=int(rating),
            reviewed_at=now,
            due=card.due,
            stability=card.stability,
            difficulty=card.difficulty,
        )
    )


async def locked_card(session: AsyncSession, user_id: int, question_id: int) -> ReviewCard | None:
    return await session.scalar(
        select(ReviewCard)
        .where(ReviewCard.user_id == user_id, ReviewCard.question_id == question_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def learn_from_answer(session: AsyncSession, poll: QuizPoll, now: datetime) -> None:
    """A lesson quiz answer (``poll``, already scored) creates or reviews the question's card.

    A learner's answers are serialised by the lock on their quiz polls, so the first
    answer to a question inserts its card without an upsert.
    """
    card = await locked_card(session, poll.user_id, poll.question_id)
    missed_before = False
    if card is None:
        fresh = Card(card_id=0, due=now.astimezone(UTC))
        card = ReviewCard(
            user_id=poll.user_id,
            question_id=poll.question_id,
            state=int(fresh.state),
            step=fresh.step,
            due=now,
            reviews=0,
            retired=False,
            created_at=now,
        )
        session.add(card)
    elif poll.is_correct:
        missed_before = bool(
            await session.scalar(
                select(
                    exists().where(
                        QuizPoll.user_id == poll.user_id,
                        QuizPoll.lesson_id == poll.lesson_id,
                        QuizPoll.question_id == poll.question_id,
                        QuizPoll.attempt < poll.attempt,
                        QuizPoll.is_correct.is_(False),
                    )
                )
            )
        )
    if card.retired:
        return
    rating = lesson_rating(bool(poll.is_correct), missed_before)
    await review(session, card, rating, ReviewSource.LESSON, now)


async def retire_cards(session: AsyncSession, question_ids: Sequence[int]) -> None:
    """Cards of questions about to be deleted are retired: kept, never shown again."""
    if not question_ids:
        return
    await session.execute(
        update(ReviewCard)
        .where(ReviewCard.question_id.in_(list(question_ids)))
        .values(retired=True, question_id=None)
        .execution_options(synchronize_session=False)
    )
