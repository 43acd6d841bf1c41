"""/review: a session of due review cards, asked as native quiz polls.

A session takes the learner's due cards when it starts: at most `REVIEW_SESSION_SIZE`,
the longest overdue first. One question is asked at a time, its options shuffled with a
key of learner, card and review number (a redelivered update sends the same order, every
review a new one, drawn apart from the order the lesson showed, whose key is another).
Each answer reschedules its card at once; a right answer earns `REVIEW_POINTS` in the
points ledger (one award per card and review number, so the same answer never pays twice).
After the last card the learner gets a summary, with the questions answered wrongly as a
lesson's quiz result has them; a session of at least `STREAK_MIN_CARDS` answered cards
keeps the streak like a completed lesson.

`/review` while a session is open continues it; a poll whose card was answered since
(another copy of the poll, or the same answer delivered twice) changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, false, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.course import QuestionInfo, question_info
from bot.rules.learners import local_date, zone_of
from bot.rules.review import review, review_rating
from bot.rules.rewards import level_for, locked_stats
from bot.rules.shuffle import course_options, option_order, shown_positions
from bot.rules.streaks import apply_activity
from db.enums import PointsReason, ReviewSource
from db.models import PointsLedger, QuizQuestion, ReviewCard, ReviewPoll, ReviewSession, User

REVIEW_SESSION_SIZE = 20
REVIEW_POINTS = 2
STREAK_MIN_CARDS = 5


@dataclass(frozen=True)
class ReviewTurn:
    """The next card of a session to send as a poll, with its options in shown order."""

    session_id: int
    card_id: int
    review_number: int
    number: int  # 1-based position in the session
    total: int
    question: QuestionInfo
    order: tuple[int, ...]  # position i shows the course's option order[i]

    @property
    def options(self) -> list[str]:
        return [self.question.options[index] for index in self.order]

    @property
    def correct_positions(self) -> list[int]:
        return shown_positions(self.order, self.question.correct_option_ids)


@dataclass(frozen=True)
class NothingDue:
    next_due: datetime | None  # None: the learner has no cards yet


@dataclass(frozen=True)
class ReviewSummary:
    right: int
    wrong: int
    next_due: datetime | None
    more_due: bool  # cards are due already (more than one session's worth)
    streak_kept: bool  # the session was long enough to count as the day's activity
    streak: int
    streak_grew: bool
    points: int
    missed: tuple[QuestionInfo, ...] = ()  # the questions answered wrongly, in the order asked


@dataclass(frozen=True)
class ReviewAnswered:
    """After an answer: the next card to send, or the session's summary; neither if ignored."""

    turn: ReviewTurn | None = None
    summary: ReviewSummary | None = None


IGNORED = ReviewAnswered()


async def is_review_poll(session: AsyncSession, poll_id: str) -> bool:
    found = await session.scalar(select(ReviewPoll.id).where(ReviewPoll.poll_id == poll_id))
    return found is not None


def due_cards_statement(user_id: int, now: datetime, limit: int) -> Select[int]:
    """A learner's due cards, longest overdue first: a range of (user_id, retired, due)."""
    return (
        select(ReviewCard.id)
        .where(ReviewCard.user_id == user_id, ReviewCard.due <= now, ReviewCard.retired == false())
        .order_by(ReviewCard.due, ReviewCard.id)
        .limit(limit)
    )


async def next_due(session: AsyncSession, user_id: int) -> datetime | None:
    due: datetime | None = await session.scalar(
        select(func.min(ReviewCard.due)).where(
            ReviewCard.user_id == user_id, ReviewCard.retired == false()
        )
    )
    return due


async def start_review(session: AsyncSession, user: User, now: datetime) -> ReviewTurn | NothingDue:
    """The next card of the open session, or a new session of the cards due now."""
    open_session = await session.scalar(
        select(ReviewSession)
        .where(ReviewSession.user_id == user.id, ReviewSession.finished_at.is_(None))
        .order_by(ReviewSession.id.desc())
        .limit(1)
        .with_for_update()
    )
    if open_session is not None:
        turn = await _next_turn(session, open_session)
        if turn is not None:
            return turn
        open_session.finished_at = now  # nothing left in it (its cards were retired)
    card_ids = list(await session.scalars(due_cards_statement(user.id, now, REVIEW_SESSION_SIZE)))
    if not card_ids:
        return NothingDue(await next_due(session, user.id))
    started = ReviewSession(user_id=user.id, card_ids=card_ids, started_at=now)
    session.add(started)
    await session.flush()
    turn = await _next_turn(session, started)
    assert turn is not None  # the cards were just selected, none retired
    return turn


async def _next_turn(session: AsyncSession, review_session: ReviewSession) -> ReviewTurn | None:
    counted = set(
        await session.scalars(
            select(ReviewPoll.card_id).where(
                ReviewPoll.session_id == review_session.id, ReviewPoll.is_correct.is_not(None)
            )
        )
    )
    remaining = [card_id for card_id in review_session.card_ids if card_id not in counted]
    if not remaining:
        return None
    rows = await session.execute(
        select(ReviewCard.id, ReviewCard.reviews, QuizQuestion)
        .join(QuizQuestion, QuizQuestion.id == ReviewCard.question_id)
        .where(ReviewCard.id.in_(remaining), ReviewCard.retired == false())
    )
    found = {card_id: (reviews, question) for card_id, reviews, question in rows}
    for card_id in remaining:
        if card_id not in found:
            continue  # retired since the session started
        reviews, row = found[card_id]
        question = question_info(row)
        order = option_order(
            len(question.options), "review", review_session.user_id, card_id, reviews
        )
        return ReviewTurn(
            session_id=review_session.id,
            card_id=card_id,
            review_number=reviews,
            number=review_session.card_ids.index(card_id) + 1,
            total=len(review_session.card_ids),
            question=question,
            order=order,
        )
    return None


def record_review_poll(
    session: AsyncSession, user: User, turn: ReviewTurn, poll_id: str, now: datetime
) -> None:
    """Remember which card a sent poll asks, and in which order its options were shown."""
    session.add(
        ReviewPoll(
            poll_id=poll_id,
            session_id=turn.session_id,
            card_id=turn.card_id,
            user_id=user.id,
            review_number=turn.review_number,
            option_order=list(turn.order),
            created_at=now,
        )
    )


async def answer_review_poll(
    session: AsyncSession, user: User, poll_id: str, option_ids: list[int], now: datetime
) -> ReviewAnswered:
    """Score a review answer, reschedule its card, pay a right one, and go on.

    Answering the same poll twice, or a copy of a poll whose card was answered since,
    changes nothing.
    """
    poll = await session.scalar(
        select(ReviewPoll).where(ReviewPoll.poll_id == poll_id).with_for_update()
    )
    if poll is None or poll.user_id != user.id or poll.answered_at is not None or not option_ids:
        return IGNORED
    poll.answered_at = now
    review_session = await session.scalar(
        select(ReviewSession).where(ReviewSession.id == poll.session_id).with_for_update()
    )
    card = await session.scalar(
        select(ReviewCard)
        .where(ReviewCard.id == poll.card_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert review_session is not None
    assert card is not None
    if (
        review_session.finished_at is not None
        or card.retired
        or card.question_id is None
        or card.reviews != poll.review_number
    ):
        return IGNORED
    question = await session.get(QuizQuestion, card.question_id)
    assert question is not None
    chosen = course_options(tuple(poll.option_order), list(option_ids))
    correct = chosen == sorted(question.correct_option_ids)
    poll.is_correct = correct
    await review(session, card, review_rating(correct), ReviewSource.REVIEW, now)
    if correct:
        review_session.right += 1
        await _pay(session, user, card.id, poll.review_number, now)
    else:
        review_session.wrong += 1
    turn = await _next_turn(session, review_session)
    if turn is not None:
        return ReviewAnswered(turn=turn)
    review_session.finished_at = now
    return ReviewAnswered(summary=await _finish(session, user, review_session, now))


async def _pay(
    session: AsyncSession, user: User, card_id: int, review_number: int, now: datetime
) -> None:
    stats = await locked_stats(session, user, now)
    await session.execute(
        insert(PointsLedger).values(
            user_id=user.id,
            points=REVIEW_POINTS,
            reason=PointsReason.REVIEW,
            award_key=f"review:{card_id}:{review_number}",
            created_at=now,
        )
    )
    stats.points += REVIEW_POINTS
    stats.level = level_for(stats.points)
    stats.updated_at = now


async def _finish(
    session: AsyncSession, user: User, review_session: ReviewSession, now: datetime
) -> ReviewSummary:
    """The summary; a session of at least STREAK_MIN_CARDS answers keeps the streak."""
    answered = review_session.right + review_session.wrong
    stats = await locked_stats(session, user, now)
    grew = False
    kept = answered >= STREAK_MIN_CARDS
    if kept:
        today = local_date(user, now)
        grew = apply_activity(stats, zone_of(user), now).grew  # the same rule as a lesson
        stats.longest_streak = max(stats.longest_streak, stats.current_streak)
        stats.last_active_date = today
        stats.updated_at = now
    due = await next_due(session, user.id)
    return ReviewSummary(
        right=review_session.right,
        wrong=review_session.wrong,
        next_due=due,
        more_due=due is not None and due <= now,
        streak_kept=kept,
        streak=stats.current_streak,
        streak_grew=grew,
        points=review_session.right * REVIEW_POINTS,
        missed=await _missed(session, review_session) if review_session.wrong else (),
    )


async def _missed(session: AsyncSession, review_session: ReviewSession) -> tuple[QuestionInfo, ...]:
    """The session's questions answered wrongly, in the order they were asked."""
    rows = await session.scalars(
        select(QuizQuestion)
        .join(ReviewCard, ReviewCard.question_id == QuizQuestion.id)
        .join(ReviewPoll, ReviewPoll.card_id == ReviewCard.id)
        .where(ReviewPoll.session_id == review_session.id, ReviewPoll.is_correct == false())
        .order_by(ReviewPoll.id)
    )
    return tuple(question_info(row) for row in rows)
