"""Review cards: every quiz question a learner answered comes back, scheduled by FSRS.

A learner gets one card per quiz question the first time they answer it in a lesson;
every answer after that (in a lesson quiz or a /review session) reviews the card with the
`fsrs` scheduler (its default parameters, desired retention 0.9, fuzzing on) and writes
one `review_log` row, so parameters can be fitted to the history later. A lesson quiz's
answers reach the cards when its attempt is finished (every question answered), each
reviewed at the time it was given: an attempt's cards cost two statements, not three per
answer. An attempt left half-answered keeps its open poll, and its answers count once the
learner finishes it.

Ratings: a wrong answer is Again; right at the first try is Good; right after an earlier
miss of the same question in the same lesson (a failed attempt before) is Hard. In a
review session a right answer is Good, a wrong one Again. A placement check's answers
(bot.rules.placement) are rated as lesson answers, when the check ends.

A question removed from the course retires its cards: they keep their history and are
never shown again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from fsrs import Card, Rating, Scheduler, State
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import ReviewSource
from db.models import QuizPoll, ReviewCard, ReviewLog
from db.queries.review import card_ids
from db.upsert import insert_all, upsert

DESIRED_RETENTION = 0.9
SCHEDULER = Scheduler(desired_retention=DESIRED_RETENTION, enable_fuzzing=True)
CARD_KEY = ("user_id", "question_id")  # one card per learner and question
CARD_SCHEDULE = ("state", "step", "stability", "difficulty", "due", "last_review", "reviews")


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


def missed_earlier(poll: QuizPoll, lesson_polls: Sequence[QuizPoll]) -> bool:
    """Whether the learner answered ``poll``'s question wrongly in an earlier attempt."""
    return any(
        other.question_id == poll.question_id
        and other.attempt < poll.attempt
        and other.is_correct is False
        for other in lesson_polls
    )


@dataclass(frozen=True)
class CardAnswer:
    """An answer to a question outside /review (a lesson quiz, a placement check): it
    creates or reviews the learner's card of the question, rated as a lesson answer."""

    user_id: int
    question_id: int
    correct: bool
    missed_before: bool  # the learner answered this question wrongly before
    answered_at: datetime


async def learn_from_attempt(
    session: AsyncSession,
    answered: Sequence[QuizPoll],
    lesson_polls: Sequence[QuizPoll],
    cards: Mapping[int, ReviewCard],
    now: datetime,
) -> None:
    """Lesson quiz answers (``answered``: scored polls) create or review their questions' cards.

    ``lesson_polls`` are all of the learner's polls of the lesson (for "missed before"),
    ``cards`` their cards by question, locked by the caller's read.
    """
    answers = [
        CardAnswer(
            poll.user_id,
            poll.question_id,
            bool(poll.is_correct),
            missed_earlier(poll, lesson_polls),
            poll.answered_at or now,
        )
        for poll in answered
    ]
    await learn_from_answers(session, answers, cards)


async def learn_from_answers(
    session: AsyncSession, answers: Sequence[CardAnswer], cards: Mapping[int, ReviewCard]
) -> None:
    """Each answer creates or reviews its question's card (``cards``: the learner's cards of
    these questions by question, locked by the caller), reviewed at the time it was given.
    However many answers, every card is written by one upsert and every answer logged by one
    insert (with one read of the new cards' ids between them when cards were created)."""
    card_rows: list[dict[str, object]] = []
    log_rows: dict[int, dict[str, object]] = {}  # by question
    for answer in answers:
        card = cards.get(answer.question_id)
        if card is not None and card.retired:
            continue
        at = answer.answered_at
        rating = lesson_rating(answer.correct, answer.missed_before)
        current = _as_fsrs(card) if card is not None else Card(card_id=0, due=at.astimezone(UTC))
        scheduled, _log = SCHEDULER.review_card(current, rating, at.astimezone(UTC))
        card_rows.append(
            {
                "user_id": answer.user_id,
                "question_id": answer.question_id,
                "state": int(scheduled.state),
                "step": scheduled.step,
                "stability": scheduled.stability,
                "difficulty": scheduled.difficulty,
                "due": scheduled.due,
                "last_review": at,
                "reviews": (card.reviews if card is not None else 0) + 1,
                "retired": False,
                "created_at": card.created_at if card is not None else at,
            }
        )
        log_rows[answer.question_id] = {
            "card_id": card.id if card is not None else None,  # a new card's: after the upsert
            "user_id": answer.user_id,
            "source": ReviewSource.LESSON,
            "rating": int(rating),
            "reviewed_at": at,
            "due": scheduled.due,
            "stability": scheduled.stability,
            "difficulty": scheduled.difficulty,
        }
    if not card_rows:
        return
    await session.execute(
        upsert(session, ReviewCard, key=CARD_KEY, update=CARD_SCHEDULE), card_rows
    )
    new = [question for question, row in log_rows.items() if row["card_id"] is None]
    if new:
        user_id = answers[0].user_id
        for question_id, card_id in (await card_ids(session, user_id, new)).items():
            log_rows[question_id]["card_id"] = card_id
    await session.execute(insert_all(ReviewLog), list(log_rows.values()))


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
