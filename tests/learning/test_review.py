"""Review cards and sessions, on SQLite and MariaDB: FSRS ratings from lesson answers,
rescheduling, points once per review, the streak kept by a session, retired cards."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from fsrs import Rating
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.clock import FixedClock
from bot.rules.content.loading import load_course
from bot.rules.content.reconcile import apply_import
from bot.rules.course import load_course_map
from bot.rules.review import lesson_rating
from bot.rules.review_sessions import (
    REVIEW_POINTS,
    REVIEW_SESSION_SIZE,
    NothingDue,
    ReviewAnswered,
    ReviewSummary,
    ReviewTurn,
    answer_review_poll,
    next_due,
    record_review_poll,
    start_review,
)
from bot.rules.review_stats import due_review_counts, review_progress
from bot.rules.rewards import ledger_total
from db.enums import PointsReason, ReviewSource
from db.models import PointsLedger, QuizQuestion, ReviewCard, ReviewLog, User, UserStats
from tests.support.factories import make_course, make_user
from tests.support.flows import take_quiz

MINI = Path(__file__).resolve().parents[1] / "support" / "courses" / "mini"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
_poll_ids = (f"r{i}" for i in itertools.count())


async def cards_by_question(session: AsyncSession, user: User) -> dict[str, ReviewCard]:
    rows = await session.execute(
        sa.select(QuizQuestion.question, ReviewCard)
        .join(ReviewCard, ReviewCard.question_id == QuizQuestion.id)
        .where(ReviewCard.user_id == user.id)
        .execution_options(populate_existing=True)
    )
    return {question: card for question, card in rows}


async def ratings(session: AsyncSession, user: User) -> list[tuple[str, int, ReviewSource]]:
    rows = await session.execute(
        sa.select(QuizQuestion.question, ReviewLog.rating, ReviewLog.source)
        .join(ReviewCard, ReviewCard.id == ReviewLog.card_id)
        .join(QuizQuestion, QuizQuestion.id == ReviewCard.question_id)
        .where(ReviewLog.user_id == user.id)
        .order_by(ReviewLog.id)
    )
    return [(question, rating, source) for question, rating, source in rows]


async def answer(
    session: AsyncSession, user: User, turn: ReviewTurn, right: bool, now: datetime
) -> tuple[str, ReviewAnswered]:
    """Send ``turn`` as a poll and answer it (the right shown option, or a wrong one)."""
    poll_id = next(_poll_ids)
    record_review_poll(session, user, turn, poll_id, now)
    await session.flush()
    wrong = next(p for p in range(len(turn.order)) if p not in turn.correct_positions)
    chosen = turn.correct_positions if right else [wrong]
    return poll_id, await answer_review_poll(session, user, poll_id, chosen, now)


def test_ratings_map_wrong_to_again_first_try_to_good_after_a_miss_to_hard() -> None:
    assert lesson_rating(correct=False, missed_before=False) is Rating.Again
    assert lesson_rating(correct=False, missed_before=True) is Rating.Again
    assert lesson_rating(correct=True, missed_before=False) is Rating.Good
    assert lesson_rating(correct=True, missed_before=True) is Rating.Hard


async def test_every_answered_lesson_question_becomes_a_card_rated_by_the_answer(
    session: AsyncSession,
) -> None:
    await make_course(session, [1], questions=2)
    user = await make_user(session)
    course = await load_course_map(session)
    lesson = course.lessons[0]
    failed = await take_quiz(session, course, user, lesson.id, NOW, [1, 1])  # both wrong
    assert not failed.passed
    later = NOW + timedelta(minutes=5)
    await take_quiz(session, course, user, lesson.id, later, [0, 1])  # q1 right now, q2 wrong
    assert await ratings(session, user) == [
        ("Question 1 of 1.1?", Rating.Again, ReviewSource.LESSON),
        ("Question 2 of 1.1?", Rating.Again, ReviewSource.LESSON),
        ("Question 1 of 1.1?", Rating.Hard, ReviewSource.LESSON),  # right after a miss
        ("Question 2 of 1.1?", Rating.Again, ReviewSource.LESSON),
    ]
    other = await make_user(session, 2)
    await take_quiz(session, course, other, lesson.id, NOW, [0, 0])
    assert [r for _q, r, _s in await ratings(session, other)] == [Rating.Good, Rating.Good]
    cards = await cards_by_question(session, user)
    assert {card.reviews for card in cards.values()} == {2}


async def test_a_card_answered_wrong_comes_back_sooner_than_one_answered_right(
    session: AsyncSession,
) -> None:
    await make_course(session, [1], questions=2)
    user = await make_user(session)
    course = await load_course_map(session)
    await take_quiz(session, course, user, course.lessons[0].id, NOW, [0, 1])
    cards = await cards_by_question(session, user)
    right, wrong = cards["Question 1 of 1.1?"], cards["Question 2 of 1.1?"]
    assert NOW < wrong.due < right.due
    day = NOW + timedelta(days=1)
    turn = await start_review(session, user, day)
    assert isinstance(turn, ReviewTurn)
    assert turn.question.question == "Question 2 of 1.1?"  # the longest overdue first
    before = {card.id: card.due for card in cards.values()}
    _poll, outcome = await answer(session, user, turn, right=False, now=day)
    assert outcome.turn is not None
    await answer(session, user, outcome.turn, right=True, now=day)
    cards = await cards_by_question(session, user)
    again, good = cards["Question 2 of 1.1?"], cards["Question 1 of 1.1?"]
    assert again.due != before[again.id]
    assert good.due != before[good.id]
    assert day < again.due < good.due


async def test_a_review_session_takes_at_most_twenty_due_cards_and_says_when_more_are_due(
    session: AsyncSession,
) -> None:
    await make_course(session, [6], questions=4)
    user = await make_user(session)
    course = await load_course_map(session)
    for lesson in course.lessons:
        await take_quiz(session, course, user, lesson.id, NOW, [0, 0, 0, 0])
    day = NOW + timedelta(days=1)
    assert (await due_review_counts(session, [user.id], day))[user.id] == 24
    turn = await start_review(session, user, day)
    assert isinstance(turn, ReviewTurn)
    assert (turn.number, turn.total) == (1, REVIEW_SESSION_SIZE)
    outcome: ReviewTurn | ReviewSummary | None = turn
    while isinstance(outcome, ReviewTurn):
        _poll, result = await answer(session, user, outcome, right=True, now=day)
        outcome = result.turn or result.summary
    assert isinstance(outcome, ReviewSummary)
    assert (outcome.right, outcome.more_due) == (REVIEW_SESSION_SIZE, True)  # 4 left
    next_session = await start_review(session, user, day)
    assert isinstance(next_session, ReviewTurn)
    assert next_session.total == 4


async def test_a_redelivered_review_answer_changes_nothing(session: AsyncSession) -> None:
    await make_course(session, [1], questions=2)
    user = await make_user(session)
    course = await load_course_map(session)
    await take_quiz(session, course, user, course.lessons[0].id, NOW, [0, 0])
    day = NOW + timedelta(days=1)
    turn = await start_review(session, user, day)
    assert isinstance(turn, ReviewTurn)
    poll_id, first = await answer(session, user, turn, right=True, now=day)
    card = await session.get(ReviewCard, turn.card_id, populate_existing=True)
    assert card is not None
    state = (card.due, card.reviews, card.stability)
    points = await ledger_total(session, user.id)
    again = await answer_review_poll(session, user, poll_id, turn.correct_positions, day)
    assert first.turn is not None
    assert (again.turn, again.summary) == (None, None)
    await session.refresh(card)
    assert (card.due, card.reviews, card.stability) == state
    assert await ledger_total(session, user.id) == points
    # A second copy of the same card's poll (e.g. /review sent twice) pays nothing either.
    copy = next(_poll_ids)
    record_review_poll(session, user, turn, copy, day)
    await session.flush()
    assert (await answer_review_poll(session, user, copy, turn.correct_positions, day)) == again
    paid = await session.scalars(
        sa.select(PointsLedger.points).where(PointsLedger.reason == PointsReason.REVIEW)
    )
    assert list(paid) == [REVIEW_POINTS]


async def test_a_finished_session_of_five_cards_keeps_the_streak(session: AsyncSession) -> None:
    await make_course(session, [3], questions=2)
    user = await make_user(session)
    course = await load_course_map(session)
    for lesson in course.lessons:
        await take_quiz(session, course, user, lesson.id, NOW, [0, 0])
    stats = await session.get(UserStats, user.id)
    assert stats is not None
    assert (stats.current_streak, stats.last_active_date) == (1, NOW.date())
    day = NOW + timedelta(days=1)
    outcome: ReviewTurn | ReviewSummary | NothingDue | None = await start_review(session, user, day)
    answered = 0
    while isinstance(outcome, ReviewTurn):
        _poll, result = await answer(session, user, outcome, right=answered != 0, now=day)
        answered += 1
        outcome = result.turn or result.summary
    assert answered == 6
    summary = outcome
    assert isinstance(summary, ReviewSummary)
    assert (summary.right, summary.wrong) == (5, 1)
    assert summary.streak_grew
    assert summary.streak == 2
    assert summary.next_due is not None
    assert summary.next_due > day
    await session.refresh(stats)
    assert (stats.current_streak, stats.last_active_date) == (2, day.date())
    assert await ledger_total(session, user.id) == stats.points
    assert isinstance(await start_review(session, user, day), NothingDue)


async def test_a_session_shorter_than_five_cards_does_not_touch_the_streak(
    session: AsyncSession,
) -> None:
    await make_course(session, [1], questions=2)
    user = await make_user(session)
    course = await load_course_map(session)
    await take_quiz(session, course, user, course.lessons[0].id, NOW, [0, 0])
    day = NOW + timedelta(days=1)
    outcome: ReviewTurn | ReviewSummary | NothingDue | None = await start_review(session, user, day)
    while isinstance(outcome, ReviewTurn):
        _poll, result = await answer(session, user, outcome, right=True, now=day)
        outcome = result.turn or result.summary
    assert isinstance(outcome, ReviewSummary)
    assert not outcome.streak_kept
    stats = await session.get(UserStats, user.id, populate_existing=True)
    assert stats is not None
    assert stats.last_active_date == NOW.date()


async def test_progress_counts_cards_due_now_and_later_today_and_retention(
    session: AsyncSession,
) -> None:
    await make_course(session, [1], questions=2)
    user = await make_user(session)
    course = await load_course_map(session)
    await take_quiz(session, course, user, course.lessons[0].id, NOW, [0, 1])
    view = await review_progress(session, user, NOW)
    assert (view.cards, view.due_now, view.later_today, view.retention) == (2, 0, 2, None)
    assert view.next_later == await next_due(session, user.id)  # what /review would say
    assert view.next_later is not None
    assert NOW < view.next_later < NOW + timedelta(hours=1)
    view = await review_progress(session, user, NOW + timedelta(hours=1))
    assert (view.due_now, view.later_today, view.next_later) == (2, 0, None)
    day = NOW + timedelta(days=1)
    turn = await start_review(session, user, day)
    assert isinstance(turn, ReviewTurn)
    _poll, result = await answer(session, user, turn, right=True, now=day)
    assert result.turn is not None
    await answer(session, user, result.turn, right=False, now=day)
    view = await review_progress(session, user, day)
    assert view.retention == 0.5


async def test_a_removed_question_retires_its_cards_and_a_kept_one_keeps_them(
    session: AsyncSession,
) -> None:
    spec = load_course(MINI)
    await apply_import(session, spec, FixedClock(NOW))
    user = await make_user(session)
    course = await load_course_map(session)
    lesson = course.lessons[0]
    assert len(lesson.questions) >= 2
    await take_quiz(session, course, user, lesson.id, NOW, [0] * len(lesson.questions))
    before = {card.question_id: card.id for card in await session.scalars(sa.select(ReviewCard))}
    first_module = spec.modules[0]
    first_lesson = first_module.lessons[0]
    trimmed = replace(first_lesson, questions=first_lesson.questions[:1])
    edited = replace(
        spec,
        modules=(
            replace(first_module, lessons=(trimmed, *first_module.lessons[1:])),
            *spec.modules[1:],
        ),
    )
    await apply_import(session, edited, FixedClock(NOW))
    cards = (
        await session.scalars(sa.select(ReviewCard).execution_options(populate_existing=True))
    ).all()
    assert len(cards) == len(before)  # nothing deleted, no broken key
    assert [card.id for card in cards if not card.retired] == [before[lesson.questions[0].id]]
    assert all(card.question_id is None for card in cards if card.retired)
    day = NOW + timedelta(days=1)
    assert await due_review_counts(session, [user.id], day) == {user.id: 1}
    turn = await start_review(session, user, day)
    assert isinstance(turn, ReviewTurn)
    assert (turn.total, turn.question.id) == (1, lesson.questions[0].id)
