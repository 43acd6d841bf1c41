"""Quizzes that teach, through the rules on both databases: shuffled options scored as sent,
the pass mark in questions, the level curve, certificates (achievements that fit the course:
tests/motivation/test_achievements.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.course import CourseMap, load_course_map
from bot.rules.learning.certificates import CODE_ALPHABET, CODE_LENGTH, verify_code
from bot.rules.learning.quizzes import QuizTurn, answer_poll, record_poll, start_quiz
from bot.rules.motivation.levels import level_for
from db.models import QuizPoll, User, UserStats
from tests.support.factories import import_bundled_course, make_course, make_user
from tests.support.flows import right_answers, take_quiz

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


async def first_turn(session: AsyncSession, course: CourseMap, user: User) -> QuizTurn:
    turn = await start_quiz(session, course, user, course.lessons[0].id, NOW)
    assert isinstance(turn, QuizTurn), turn
    return turn


async def attempt_orders(
    session: AsyncSession,
    course: CourseMap,
    user: User,
    *,
    right: bool,
    started: QuizTurn | None = None,
) -> list[tuple[int, ...]]:
    """Play one attempt at the first lesson (from `started`, or a new attempt); the shown
    order of every question."""
    turn: QuizTurn | None = started or await first_turn(session, course, user)
    orders = []
    while turn is not None:
        orders.append(turn.order)
        poll_id = f"p{user.id}-{turn.attempt}-{turn.number}"
        record_poll(session, user, turn, poll_id, NOW)
        await session.flush()
        pressed = turn.order.index(0) if right else turn.order.index(1)
        outcome = await answer_poll(session, course, user, poll_id, [pressed], NOW)
        turn = outcome.next_turn
    return orders


# ------------------------------------------------------------------ shuffling


async def test_a_redelivered_update_sends_the_same_order_and_a_new_attempt_a_new_one(
    session: AsyncSession,
) -> None:
    await make_course(session, [1], questions=4)
    user_id = (await make_user(session)).id
    await session.commit()
    course = await load_course_map(session)
    user = await session.get_one(User, user_id)
    first = await first_turn(session, course, user)
    await session.rollback()  # the update failed before it was answered; Telegram resends it
    user = await session.get_one(User, user_id)
    again = await first_turn(session, course, user)
    assert (again.attempt, again.order) == (first.attempt, first.order)
    failed = await attempt_orders(session, course, user, right=False, started=again)
    retried = await attempt_orders(session, course, user, right=False)
    assert failed[0] == first.order
    assert failed != retried  # attempt 2 shows its questions in other orders
    assert all(sorted(order) == [0, 1, 2] for order in failed + retried)


async def test_orders_differ_between_learners_of_the_same_attempt(session: AsyncSession) -> None:
    await make_course(session, [1], questions=4)
    ada = await make_user(session, 1)
    bob = await make_user(session, 2)
    course = await load_course_map(session)
    assert await attempt_orders(session, course, ada, right=True) != await attempt_orders(
        session, course, bob, right=True
    )


async def test_an_answer_is_scored_against_the_order_that_was_sent(
    session: AsyncSession,
) -> None:
    await make_course(session, [1], questions=1)
    user = await make_user(session)
    course = await load_course_map(session)
    turn = await first_turn(session, course, user)
    record_poll(session, user, turn, "sent", NOW)
    await session.flush()
    shown_right = turn.order.index(0)
    outcome = await answer_poll(session, course, user, "sent", [shown_right], NOW)
    assert outcome.result is not None
    assert outcome.result.passed
    poll = await session.scalar(sa.select(QuizPoll).where(QuizPoll.poll_id == "sent"))
    assert poll is not None
    assert (poll.option_order, poll.option_ids, poll.is_correct) == (list(turn.order), [0], True)


# ------------------------------------------------------------------ what was missed, pass mark


async def test_a_finished_attempt_lists_the_missed_questions_in_quiz_order(
    session: AsyncSession,
) -> None:
    await make_course(session, [1], questions=4)
    user = await make_user(session)
    course = await load_course_map(session)
    lesson = course.lessons[0]
    result = await take_quiz(session, course, user, lesson.id, NOW, [1, 0, 2, 0])
    assert [q.slug for q in result.missed] == ["q1", "q3"]
    assert (result.correct, result.passed) == (2, False)
    passed = await take_quiz(session, course, user, lesson.id, NOW, [0, 0, 0, 0])
    assert passed.missed == ()


def test_the_pass_mark_in_questions_matches_the_percent_rule() -> None:
    from dataclasses import replace

    from tests.support.lessons import lesson_with

    for total, mark, needed in [(4, 60, 3), (5, 60, 3), (3, 60, 2), (4, 100, 4), (1, 60, 1)]:
        lesson = replace(lesson_with(total), pass_mark=mark)
        assert lesson.questions_to_pass == needed
        assert round(100 * needed / total) >= mark > round(100 * (needed - 1) / total)


# ------------------------------------------------------------------ achievements fit the course


# ------------------------------------------------------------------ levels and the ending


async def test_the_bundled_course_in_one_sitting_ends_mid_curve_with_a_certificate(
    session: AsyncSession,
) -> None:
    await import_bundled_course(session)
    user = await make_user(session, first_name="Zoë 🔥")
    course = await load_course_map(session)
    results = [
        await take_quiz(session, course, user, lesson.id, NOW, right_answers(lesson))
        for lesson in course.lessons
    ]
    stats = await session.get(UserStats, user.id)
    assert stats is not None
    assert 1_500 <= stats.points < 2_100
    assert stats.level == level_for(stats.points) == 6  # of ten levels up to 4,500 points
    modules = [r.milestone for r in results if r.milestone is not None]
    assert [m.module.title for m in modules] == [m.title for m in course.modules]
    assert [m.course_finished for m in modules] == [False, False, False, True]
    certificate = modules[-1].certificate
    assert certificate is not None
    assert (certificate.learner_name, certificate.course_title) == ("Zoë 🔥", "Git essentials")
    assert len(certificate.code) == CODE_LENGTH
    assert set(certificate.code) <= set(CODE_ALPHABET)
    assert await verify_code(session, certificate.code.lower()) == certificate
    assert await verify_code(session, "ABCDEFGHJK") is None
    assert await verify_code(session, "") is None
