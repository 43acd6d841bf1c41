"""Learning rules against a real database: unlock order, drip, quizzes, completion once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.clock import FixedClock
from bot.rules.course import CourseMap, load_course_map
from bot.rules.learning.lessons import LessonOpened, Refusal, Refused, open_lesson
from bot.rules.learning.quizzes import QuizTurn, answer_poll, record_poll, start_quiz
from bot.rules.learning.unlocks import (
    LessonState,
    LockReason,
    learner_next_step,
    lesson_statuses,
    load_progress,
)
from db.enums import ActivityType, ProgressStatus
from db.models import ActivityLog, User, UserProgress
from tests.support.factories import make_course, make_user
from tests.support.flows import take_quiz


async def states(session: AsyncSession, course: CourseMap, user: User, now: datetime) -> list[str]:
    progress = await load_progress(session, user.id)
    return [s.state.value for s in lesson_statuses(course, progress, user, now)]


async def test_only_the_first_lesson_is_open_at_the_start(session: AsyncSession) -> None:
    await make_course(session, [2, 2])
    user = await make_user(session)
    course = await load_course_map(session)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    assert await states(session, course, user, now) == [
        "available",
        "locked",
        "locked",
        "locked",
    ]
    statuses = lesson_statuses(course, await load_progress(session, user.id), user, now)
    assert statuses[1].reason is LockReason.PREVIOUS_LESSON
    assert statuses[1].blocked_by == "Lesson 1.1"
    assert statuses[2].reason is LockReason.PREVIOUS_MODULE
    assert statuses[2].blocked_by == "Module 1"


async def test_lessons_and_modules_unlock_in_order(session: AsyncSession) -> None:
    await make_course(session, [2, 1])
    user = await make_user(session)
    course = await load_course_map(session)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    first, second, third = course.lessons
    result = await take_quiz(session, course, user, first.id, now, [0, 0])
    assert result.passed
    assert result.completed_now
    assert await states(session, course, user, now) == ["done", "available", "locked"]
    await take_quiz(session, course, user, second.id, now, [0, 0])
    assert await states(session, course, user, now) == ["done", "done", "available"]
    step = await learner_next_step(session, course, user, now)
    assert step.lesson == third


async def test_a_locked_lesson_cannot_be_opened_or_quizzed(session: AsyncSession) -> None:
    await make_course(session, [2])
    user = await make_user(session)
    course = await load_course_map(session)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    locked = course.lessons[1]
    refused = await open_lesson(session, course, user, locked.id, now)
    assert isinstance(refused, Refused)
    assert refused.reason is Refusal.LOCKED
    quiz = await start_quiz(session, course, user, locked.id, now)
    assert isinstance(quiz, Refused)
    assert quiz.reason is Refusal.LOCKED
    assert await open_lesson(session, course, user, 999_999, now) == Refused(Refusal.NOT_FOUND)


@pytest.mark.parametrize(
    ("zone", "completed_at", "still_locked_at", "open_at"),
    [
        # Honolulu (UTC−10): done 23:30 local on 1 Mar; opens at local midnight of 3 Mar.
        ("Pacific/Honolulu", "2026-03-02T09:30Z", "2026-03-03T09:59Z", "2026-03-03T10:00Z"),
        # Kolkata (UTC+5:30): done 00:10 local on 2 Mar.
        ("Asia/Kolkata", "2026-03-01T18:40Z", "2026-03-03T18:29Z", "2026-03-03T18:30Z"),
        # Tonga (UTC+13): done 23:59 local on 1 Mar.
        ("Pacific/Tongatapu", "2026-03-01T10:59Z", "2026-03-02T10:59Z", "2026-03-02T11:00Z"),
        # Berlin across the spring change (29 Mar 2026): local midnight of 30 Mar is 22:00Z.
        ("Europe/Berlin", "2026-03-27T23:30Z", "2026-03-29T21:59Z", "2026-03-29T22:00Z"),
        # New York across the autumn change (1 Nov 2026): midnight of 2 Nov is 05:00Z.
        ("America/New_York", "2026-10-31T12:00Z", "2026-11-02T04:59Z", "2026-11-02T05:00Z"),
    ],
)
async def test_drip_opens_at_the_learners_local_midnight(
    session: AsyncSession, zone: str, completed_at: str, still_locked_at: str, open_at: str
) -> None:
    await make_course(session, [2], drip={1: 2})
    user = await make_user(session, zone=zone)
    course = await load_course_map(session)
    done = datetime.fromisoformat(completed_at)
    await take_quiz(session, course, user, course.lessons[0].id, done, [0, 0])
    before = datetime.fromisoformat(still_locked_at)
    statuses = lesson_statuses(course, await load_progress(session, user.id), user, before)
    assert statuses[1].state is LessonState.LOCKED
    assert statuses[1].reason is LockReason.DRIP
    step = await learner_next_step(session, course, user, before)
    assert step.lesson is None
    assert step.waiting is not None
    after = datetime.fromisoformat(open_at)
    assert (await states(session, course, user, after))[1] == "available"


async def test_failed_quiz_can_be_retried_and_best_score_is_kept(session: AsyncSession) -> None:
    await make_course(session, [1], questions=4)
    user = await make_user(session)
    course = await load_course_map(session)
    lesson = course.lessons[0]
    now = datetime(2026, 3, 1, tzinfo=UTC)
    failed = await take_quiz(session, course, user, lesson.id, now, [0, 1, 1, 1])
    assert (failed.score, failed.passed, failed.completed_now) == (25, False, False)
    passed = await take_quiz(session, course, user, lesson.id, now, [0, 0, 0, 1])
    assert (passed.score, passed.passed, passed.completed_now, passed.attempt) == (
        75,
        True,
        True,
        2,
    )
    again = await take_quiz(session, course, user, lesson.id, now, [0, 1, 1, 1])
    assert again.passed is False
    assert again.completed_now is False
    row = await session.scalar(sa.select(UserProgress))
    assert row is not None
    assert (row.status, row.score, row.attempts) == (ProgressStatus.COMPLETED, 75, 3)


async def test_pass_mark_is_inclusive(session: AsyncSession) -> None:
    await make_course(session, [1], questions=5, pass_mark=60)
    user = await make_user(session)
    course = await load_course_map(session)
    result = await take_quiz(
        session, course, user, course.lessons[0].id, datetime(2026, 3, 1, tzinfo=UTC),
        [0, 0, 0, 1, 1],
    )  # fmt: skip
    assert (result.score, result.passed) == (60, True)


async def test_answering_the_same_poll_twice_counts_once(session: AsyncSession) -> None:
    await make_course(session, [1], questions=1)
    user = await make_user(session)
    course = await load_course_map(session)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    turn = await start_quiz(session, course, user, course.lessons[0].id, now)
    assert isinstance(turn, QuizTurn)
    record_poll(session, user, turn, "once", now)
    await session.flush()
    right = turn.order.index(0)
    first = await answer_poll(session, course, user, "once", [right], now)
    second = await answer_poll(session, course, user, "once", [right], now)
    assert first.result is not None
    assert first.result.completed_now
    assert second.result is None
    assert second.next_turn is None
    completed = await session.scalar(
        sa.select(sa.func.count())
        .select_from(ActivityLog)
        .where(ActivityLog.activity_type == ActivityType.LESSON_COMPLETED)
    )
    assert completed == 1


async def test_a_double_tap_on_start_quiz_sends_no_second_poll(session: AsyncSession) -> None:
    await make_course(session, [1])
    user = await make_user(session)
    course = await load_course_map(session)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    turn = await start_quiz(session, course, user, course.lessons[0].id, now)
    assert isinstance(turn, QuizTurn)
    record_poll(session, user, turn, "open", now)
    await session.flush()
    again = await start_quiz(session, course, user, course.lessons[0].id, now)
    assert isinstance(again, Refused)
    assert again.reason is Refusal.QUIZ_OPEN


async def test_someone_elses_poll_is_ignored(session: AsyncSession) -> None:
    await make_course(session, [1], questions=1)
    owner = await make_user(session, 1)
    stranger = await make_user(session, 2)
    course = await load_course_map(session)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    turn = await start_quiz(session, course, owner, course.lessons[0].id, now)
    assert isinstance(turn, QuizTurn)
    record_poll(session, owner, turn, "mine", now)
    await session.flush()
    outcome = await answer_poll(session, course, stranger, "mine", [0], now)
    assert outcome.result is None
    assert outcome.next_turn is None
    unknown = await answer_poll(session, course, owner, "unknown-poll", [0], now)
    assert unknown.result is None
    assert unknown.next_turn is None
    assert not unknown.quiz_poll  # left to the review router


async def test_activity_rows_for_a_lesson(session: AsyncSession) -> None:
    await make_course(session, [1], questions=2)
    user = await make_user(session)
    course = await load_course_map(session)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    opened = await open_lesson(session, course, user, course.lessons[0].id, now)
    assert isinstance(opened, LessonOpened)
    await take_quiz(session, course, user, course.lessons[0].id, now, [0, 1])
    kinds = (
        await session.scalars(sa.select(ActivityLog.activity_type).order_by(ActivityLog.id))
    ).all()
    assert kinds.count(ActivityType.LESSON_STARTED) == 1
    assert kinds.count(ActivityType.CHALLENGE_ATTEMPTED) == 2
    assert kinds.count(ActivityType.CHALLENGE_SOLVED) == 1
    assert kinds.count(ActivityType.LESSON_COMPLETED) == 0  # 50 % < 60 %


async def test_finished_course_has_no_next_step(session: AsyncSession) -> None:
    await make_course(session, [1], questions=1)
    user = await make_user(session)
    course = await load_course_map(session)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    await take_quiz(session, course, user, course.lessons[0].id, now, [0])
    step = await learner_next_step(session, course, user, now)
    assert step.finished


async def test_started_lessons_never_lock_again_after_content_is_added(
    session: AsyncSession, clock: FixedClock
) -> None:
    modules = await make_course(session, [1, 1])
    user = await make_user(session)
    course = await load_course_map(session)
    await take_quiz(session, course, user, course.lessons[0].id, clock.now(), [0, 0])
    opened = await open_lesson(session, course, user, course.lessons[1].id, clock.now())
    assert isinstance(opened, LessonOpened)
    await make_course_extra_lesson(session, modules[0].id)
    course = await load_course_map(session)
    assert (await states(session, course, user, clock.now()))[-1] == "in_progress"


async def make_course_extra_lesson(session: AsyncSession, module_id: int) -> None:
    from db.models import Lesson

    session.add(
        Lesson(module_id=module_id, slug="late", title="Late", order=99, is_published=True,
               content="x")
    )  # fmt: skip
    await session.flush()
