"""Quizzes: a series of native quiz polls, one question at a time.

An attempt is finished when every question has an answer; it passes when the score
reaches the lesson's pass mark (percent of right answers). The first pass completes the
lesson, exactly once (a lesson with an assignment: once the assignment is accepted too);
attempts and the best score are kept in `user_progress`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.course import CourseMap, Courses, LessonInfo, QuestionInfo
from bot.rules.learning.lessons import LessonOpened, Refusal, Refused, open_lesson
from bot.rules.learning.milestones import Milestone, milestone_after
from bot.rules.learning.unlocks import (
    NextStep,
    ProgressRow,
    lesson_statuses,
    load_outputs,
    load_progress,
    next_step,
)
from bot.rules.motivation.awards import LessonCompleted, Rewards, award
from bot.rules.pending import Pending
from bot.rules.review.cards import learn_from_attempt
from bot.rules.shuffle import course_options, option_order
from db.enums import ActivityType, ProgressStatus
from db.models import ActivityLog, QuizPoll, User, UserProgress
from db.queries.assignments import assignment_accepted
from db.queries.learning import count_attempt, lesson_polls_locked


@dataclass(frozen=True)
class QuizTurn:
    """The next question to send as a poll, for attempt `attempt` of a lesson.

    `order` is the shown order of the options: position ``i`` shows the course's option
    ``order[i]``, shuffled per learner, lesson, attempt and question (bot.rules.shuffle).
    """

    lesson: LessonInfo
    question: QuestionInfo
    attempt: int
    number: int  # 1-based position of the question in the quiz
    order: tuple[int, ...]
    retake: bool = False  # first turn of an attempt at a completed lesson: it earns nothing


def quiz_turn(
    user: User, lesson: LessonInfo, question: QuestionInfo, attempt: int, *, retake: bool = False
) -> QuizTurn:
    """The turn for `question`, its options in the order this learner's attempt shows them."""
    order = option_order(len(question.options), "quiz", user.id, lesson.id, attempt, question.id)
    number = lesson.questions.index(question) + 1
    return QuizTurn(lesson, question, attempt, number, order, retake)


@dataclass(frozen=True)
class QuizResult:
    lesson: LessonInfo
    attempt: int
    correct: int
    total: int
    score: int
    passed: bool
    completed_now: bool  # this attempt completed the lesson (first pass)
    first_attempt: bool
    step: NextStep  # what the learner should do next, after this attempt
    rewards: Rewards | None = None  # what the completion earned
    missed: tuple[QuestionInfo, ...] = ()  # the questions answered wrongly, in quiz order
    milestone: Milestone | None = None  # a module or the whole course finished by this pass
    awaiting_assignment: bool = False  # passed, but the lesson's assignment is not accepted yet


async def start_quiz(
    session: AsyncSession, course: CourseMap, user: User, lesson_id: int, now: datetime
) -> QuizTurn | QuizResult | Refused:
    """Begin a new attempt at a lesson's quiz and return its first question.

    An attempt still waiting for an answer is not restarted (a double tap sends no
    second poll): the learner is pointed to the open question instead.
    """
    progress = await load_progress(session, user.id, lock=True)
    opened = await open_lesson(session, course, user, lesson_id, now, progress)
    if not isinstance(opened, LessonOpened):
        return opened
    lesson = opened.lesson
    row = progress.get(lesson_id)  # None: opening it just now started it
    attempts = row.attempts if row is not None else 0
    if attempts and await _open_poll(session, user.id, lesson_id, attempts):
        return Refused(Refusal.QUIZ_OPEN, opened.status)
    attempt = attempts + 1
    await count_attempt(session, user.id, lesson_id, attempt, now)
    if not lesson.questions:  # content without a quiz: reading it completes it
        pending = Pending()
        result = await _finish_attempt(session, course, user, lesson, attempt, (), now, pending)
        await pending.write(session)
        return result
    retake = row is not None and row.status is ProgressStatus.COMPLETED
    return quiz_turn(user, lesson, lesson.questions[0], attempt, retake=retake)


async def _open_poll(session: AsyncSession, user_id: int, lesson_id: int, attempt: int) -> bool:
    found = await session.scalar(
        select(QuizPoll.id)
        .where(
            QuizPoll.user_id == user_id,
            QuizPoll.lesson_id == lesson_id,
            QuizPoll.attempt == attempt,
            QuizPoll.answered_at.is_(None),
        )
        .limit(1)
    )
    return found is not None


def record_poll(
    session: AsyncSession, user: User, turn: QuizTurn, poll_id: str, now: datetime
) -> None:
    """Remember which question a sent poll asks, so its answer can be scored."""
    session.add(
        QuizPoll(
            poll_id=poll_id,
            user_id=user.id,
            lesson_id=turn.lesson.id,
            question_id=turn.question.id,
            attempt=turn.attempt,
            option_order=list(turn.order),
            created_at=now,
        )
    )


@dataclass(frozen=True)
class AnswerOutcome:
    """After an answer: the next question to send, or the attempt's result with the next
    step; neither when the answer changes nothing. `quiz_poll` is False when the poll is no
    lesson quiz's (a review session's, say)."""

    next_turn: QuizTurn | None = None
    result: QuizResult | None = None
    quiz_poll: bool = True


IGNORED = AnswerOutcome()
NOT_A_QUIZ_POLL = AnswerOutcome(quiz_poll=False)


async def answer_poll(
    session: AsyncSession,
    courses: Courses,
    user: User,
    poll_id: str,
    option_ids: Sequence[int],
    now: datetime,
) -> AnswerOutcome:
    """Score an answer to a quiz poll. Answering the same poll twice changes nothing.

    One locking read (`lesson_polls_locked`) gives the attempt's state, the earlier attempts and
    the review cards, so an answer that asks the next question costs that read, the
    answer's UPDATE and the next poll's INSERT. The attempt's review cards and activity
    rows are written when it is finished, with its result: the rows it appends are
    collected and written once, at the end.
    """
    rows = await lesson_polls_locked(session, poll_id)
    polls = sorted((row[0] for row in rows), key=lambda p: p.id)  # the order they were sent
    poll = next((p for p in polls if p.poll_id == poll_id), None)
    if poll is None:
        return NOT_A_QUIZ_POLL
    if poll.user_id != user.id or poll.answered_at is not None or not option_ids:
        return IGNORED
    course = courses.course_of_lesson(poll.lesson_id)  # any course, not only the current one
    lesson = course.by_id.get(poll.lesson_id) if course is not None else None
    question = (
        next((q for q in lesson.questions if q.id == poll.question_id), None) if lesson else None
    )
    if course is None or lesson is None or question is None:
        return IGNORED
    # Scored against the order that was sent (polls from before shuffling: the file's order).
    shown = tuple(poll.option_order or range(len(question.options)))
    poll.option_ids = course_options(shown, list(option_ids))
    poll.is_correct = poll.option_ids == sorted(question.correct_option_ids)
    poll.answered_at = now
    cards = {card.question_id: card for _poll, card in rows if card and card.question_id}
    if any(other.attempt > poll.attempt for other in polls):
        # A newer attempt replaced this one: the answer is only recorded.
        await learn_from_attempt(session, [poll], polls, cards, now)
        pending = Pending()
        pending.add(ActivityLog, answer_activity([poll]))
        await pending.write(session)
        return IGNORED
    attempt = [other for other in polls if other.attempt == poll.attempt]
    answers = {other.question_id: other.is_correct for other in attempt}
    for candidate in lesson.questions:
        if candidate.id not in answers:
            return AnswerOutcome(next_turn=quiz_turn(user, lesson, candidate, poll.attempt))
    if any(value is None for value in answers.values()):
        return IGNORED  # another question of this attempt still awaits its answer
    await learn_from_attempt(session, attempt, polls, cards, now)
    missed = tuple(q for q in lesson.questions if not answers.get(q.id))
    pending = Pending()
    pending.add(ActivityLog, answer_activity(attempt))
    result = await _finish_attempt(
        session, course, user, lesson, poll.attempt, missed, now, pending
    )
    await pending.write(session)
    return AnswerOutcome(result=result)


def answer_activity(polls: Sequence[QuizPoll]) -> list[dict[str, Any]]:
    """The activity rows of answered polls (in the order given): each attempted, the right
    ones solved too."""
    return [
        {
            "user_id": poll.user_id,
            "activity_type": kind,
            "entity_id": poll.question_id,
            "entity_type": "question",
            "created_at": poll.answered_at,
            "details": None,
        }
        for poll in polls
        for kind in (ActivityType.CHALLENGE_ATTEMPTED, ActivityType.CHALLENGE_SOLVED)
        if kind is ActivityType.CHALLENGE_ATTEMPTED or poll.is_correct
    ]


async def _finish_attempt(
    session: AsyncSession,
    course: CourseMap,
    user: User,
    lesson: LessonInfo,
    attempt: int,
    missed: tuple[QuestionInfo, ...],
    now: datetime,
    pending: Pending,
) -> QuizResult:
    """Score the attempt; the first pass completes the lesson and awards it."""
    total = len(lesson.questions)
    correct = total - len(missed)
    score = round(100 * correct / total) if total else 100
    passed = correct >= lesson.questions_to_pass
    progress = await load_progress(session, user.id)
    row = progress[lesson.id]
    completed_now = passed and row.status is not ProgressStatus.COMPLETED
    awaiting = False
    if completed_now and lesson.assignment is not None:  # its assignment must be accepted too
        completed_now = await assignment_accepted(session, user.id, lesson.id)
        awaiting = not completed_now
    values: dict[str, object] = {"updated_at": now}
    if row.score is None or score > row.score:
        values["score"] = score
    if completed_now:
        values.update(status=ProgressStatus.COMPLETED, completed_at=now)
        row = ProgressRow(ProgressStatus.COMPLETED, max(score, row.score or 0), row.attempts, now)
        progress[lesson.id] = row
    await session.execute(
        update(UserProgress)
        .where(UserProgress.user_id == user.id, UserProgress.lesson_id == lesson.id)
        .values(**values)
    )
    rewards = milestone = None
    outputs = await load_outputs(session, course, user.id)
    if completed_now:
        finished = {lid: r for lid, r in progress.items() if r.status is ProgressStatus.COMPLETED}
        done = frozenset(finished)
        times = tuple(r.completed_at for r in finished.values() if r.completed_at is not None)
        tested_out = frozenset(lid for lid, r in finished.items() if r.tested_out)
        completion = LessonCompleted(
            lesson, done, score=score, attempt=attempt, completed_at=times, tested_out=tested_out
        )
        rewards = await award(session, pending, course, user, completion, now)
        milestone = await milestone_after(session, course, user, lesson, done, now)
    return QuizResult(
        lesson=lesson,
        attempt=attempt,
        correct=correct,
        total=total,
        score=score,
        passed=passed,
        completed_now=completed_now,
        first_attempt=attempt == 1,
        step=next_step(lesson_statuses(course, progress, user, now, outputs)),
        rewards=rewards,
        missed=missed,
        milestone=milestone,
        awaiting_assignment=awaiting,
    )
