"""The learning rules: what is unlocked, what comes next, lessons and their quizzes.

Unlocking:
- a module unlocks when the previous module is done (all of its lessons completed);
- a lesson unlocks when the previous lesson of its module is done;
- drip: in a module with `days_between_lessons = N`, a lesson after the first
  opens N local days (the learner's time zone) after the previous one was completed;
- nothing the learner has already started is ever locked again, even when content
  is added before it later.

A quiz is a series of native quiz polls, one question at a time. An attempt is
finished when every question has an answer; it passes when the score reaches the
lesson's pass mark (percent of right answers). The first pass completes the lesson,
exactly once; attempts and the best score are kept in `user_progress`.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.rules.course import CourseMap, LessonInfo, QuestionInfo
from bot.rules.learners import local_date, log_activity
from bot.rules.milestones import Milestone, milestone_after
from bot.rules.review import learn_from_attempt
from bot.rules.rewards import Completion, Rewards, on_lesson_completed
from bot.rules.shuffle import course_options, option_order
from db.enums import ActivityType, ProgressStatus
from db.models import ActivityLog, QuizPoll, ReviewCard, User, UserProgress
from db.upsert import insert_all


class LessonState(enum.Enum):
    LOCKED = "locked"
    AVAILABLE = "available"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class LockReason(enum.Enum):
    PREVIOUS_LESSON = "previous_lesson"
    PREVIOUS_MODULE = "previous_module"
    DRIP = "drip"


@dataclass(frozen=True)
class ProgressRow:
    status: ProgressStatus
    score: int | None
    attempts: int
    completed_at: datetime | None


@dataclass(frozen=True)
class LessonStatus:
    lesson: LessonInfo
    state: LessonState
    reason: LockReason | None = None
    blocked_by: str | None = None  # title of the lesson or module to finish first
    opens_on: date | None = None  # drip: the learner's local date it opens

    @property
    def is_open(self) -> bool:
        return self.state is not LessonState.LOCKED


@dataclass(frozen=True)
class NextStep:
    """What the learner should do next: a lesson, a wait (drip), or nothing (finished)."""

    lesson: LessonInfo | None
    waiting: LessonStatus | None = None

    @property
    def finished(self) -> bool:
        return self.lesson is None and self.waiting is None


PROGRESS = select(
    UserProgress.lesson_id,
    UserProgress.status,
    UserProgress.score,
    UserProgress.attempts,
    UserProgress.completed_at,
).where(UserProgress.user_id == bindparam("user_id"))
LOCKED_PROGRESS = PROGRESS.with_for_update()


async def load_progress(
    session: AsyncSession, user_id: int, *, lock: bool = False
) -> dict[int, ProgressRow]:
    """The learner's progress by lesson; with `lock`, its rows stay locked for this
    transaction (a quiz attempt counts its number under the lock)."""
    query = LOCKED_PROGRESS if lock else PROGRESS
    rows = await session.execute(query, {"user_id": user_id})
    return {
        lesson_id: ProgressRow(status, score, attempts, completed_at)
        for lesson_id, status, score, attempts, completed_at in rows
    }


async def load_progress_many(
    session: AsyncSession, user_ids: Sequence[int]
) -> dict[int, dict[int, ProgressRow]]:
    """Progress of many learners in one query (the scheduler's batches)."""
    found: dict[int, dict[int, ProgressRow]] = {user_id: {} for user_id in user_ids}
    if not user_ids:
        return found
    rows = await session.execute(
        select(
            UserProgress.user_id,
            UserProgress.lesson_id,
            UserProgress.status,
            UserProgress.score,
            UserProgress.attempts,
            UserProgress.completed_at,
        ).where(UserProgress.user_id.in_(user_ids))
    )
    for user_id, lesson_id, status, score, attempts, completed_at in rows:
        found[user_id][lesson_id] = ProgressRow(status, score, attempts, completed_at)
    return found


def lesson_statuses(
    course: CourseMap, progress: dict[int, ProgressRow], user: User, now: datetime
) -> list[LessonStatus]:
    """The state of every published lesson for this learner, in course order."""
    today = local_date(user, now)
    statuses: list[LessonStatus] = []
    previous_module_done = True
    previous_module_title: str | None = None
    for module in course.modules:
        module_touched = any(lesson.id in progress for lesson in module.lessons)
        context = _ModuleContext(
            is_open=previous_module_done or module_touched,
            previous_title=previous_module_title,
            drip_days=module.days_between_lessons,
        )
        previous: LessonInfo | None = None
        for lesson in module.lessons:
            statuses.append(_status(lesson, previous, progress, context, user, today))
            previous = lesson
        previous_module_done = all(_done(progress.get(lesson.id)) for lesson in module.lessons)
        previous_module_title = module.title
    return statuses


def _done(row: ProgressRow | None) -> bool:
    return row is not None and row.status is ProgressStatus.COMPLETED


@dataclass(frozen=True)
class _ModuleContext:
    """What a lesson's status needs to know about its module."""

    is_open: bool  # the previous module is done, or the learner already started this one
    previous_title: str | None  # the module that must be finished first
    drip_days: int | None


def _status(
    lesson: LessonInfo,
    previous: LessonInfo | None,
    progress: dict[int, ProgressRow],
    module: _ModuleContext,
    user: User,
    today: date,
) -> LessonStatus:
    row = progress.get(lesson.id)
    if _done(row):
        return LessonStatus(lesson, LessonState.DONE)
    if row is not None and row.status is ProgressStatus.IN_PROGRESS:
        return LessonStatus(lesson, LessonState.IN_PROGRESS)
    if not module.is_open:
        return LessonStatus(
            lesson, LessonState.LOCKED, LockReason.PREVIOUS_MODULE, module.previous_title
        )
    if previous is None:
        return LessonStatus(lesson, LessonState.AVAILABLE)
    previous_row = progress.get(previous.id)
    if not _done(previous_row):
        return LessonStatus(lesson, LessonState.LOCKED, LockReason.PREVIOUS_LESSON, previous.title)
    assert previous_row is not None
    if module.drip_days and previous_row.completed_at is not None:
        opens_on = local_date(user, previous_row.completed_at) + timedelta(days=module.drip_days)
        if today < opens_on:
            return LessonStatus(lesson, LessonState.LOCKED, LockReason.DRIP, opens_on=opens_on)
    return LessonStatus(lesson, LessonState.AVAILABLE)


def next_step(statuses: Sequence[LessonStatus]) -> NextStep:
    """The lesson in progress or the first open one; else the first drip wait; else done."""
    for status in statuses:
        if status.state is LessonState.IN_PROGRESS:
            return NextStep(status.lesson)
    for status in statuses:
        if status.state is LessonState.AVAILABLE:
            return NextStep(status.lesson)
    for status in statuses:
        if status.reason is LockReason.DRIP:
            return NextStep(None, waiting=status)
    return NextStep(None)


async def learner_next_step(
    session: AsyncSession, course: CourseMap, user: User, now: datetime
) -> NextStep:
    progress = await load_progress(session, user.id)
    return next_step(lesson_statuses(course, progress, user, now))


async def open_next_lesson(
    session: AsyncSession, course: CourseMap, user: User, now: datetime
) -> LessonOpened | NextStep:
    """Open the learner's next lesson, or say why there is none (drip wait, finished)."""
    progress = await load_progress(session, user.id)
    step = next_step(lesson_statuses(course, progress, user, now))
    if step.lesson is None:
        return step
    opened = await open_lesson(session, course, user, step.lesson.id, now, progress)
    assert isinstance(opened, LessonOpened)
    return opened


# ------------------------------------------------------------------ lessons


class Refusal(enum.Enum):
    """Why a lesson or quiz cannot be opened (stale buttons, locked content)."""

    NOT_FOUND = "not_found"
    LOCKED = "locked"
    QUIZ_OPEN = "quiz_open"


@dataclass(frozen=True)
class Refused:
    """A lesson or quiz the learner cannot open now, and the lesson's status when known."""

    reason: Refusal
    status: LessonStatus | None = None


@dataclass(frozen=True)
class LessonOpened:
    lesson: LessonInfo
    status: LessonStatus


async def open_lesson(
    session: AsyncSession,
    course: CourseMap,
    user: User,
    lesson_id: int,
    now: datetime,
    progress: dict[int, ProgressRow] | None = None,
) -> LessonOpened | Refused:
    """Open a lesson the learner may read; the first opening marks it started."""
    lesson = course.by_id.get(lesson_id)
    if lesson is None:
        return Refused(Refusal.NOT_FOUND)
    if progress is None:
        progress = await load_progress(session, user.id)
    status = _status_of(course, progress, user, now, lesson_id)
    if not status.is_open:
        return Refused(Refusal.LOCKED, status)
    if lesson_id not in progress:
        await session.execute(
            insert_all(UserProgress),
            {
                "user_id": user.id,
                "lesson_id": lesson_id,
                "status": ProgressStatus.IN_PROGRESS,
                "attempts": 0,
                "started_at": now,
                "created_at": now,
                "updated_at": now,
            },
        )
        await log_activity(
            session,
            user.id,
            ActivityType.LESSON_STARTED,
            now,
            entity_id=lesson_id,
            entity_type="lesson",
        )
    return LessonOpened(lesson, status)


def _status_of(
    course: CourseMap, progress: dict[int, ProgressRow], user: User, now: datetime, lesson_id: int
) -> LessonStatus:
    return next(s for s in lesson_statuses(course, progress, user, now) if s.lesson.id == lesson_id)


# ------------------------------------------------------------------ quizzes


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
    rewards: Rewards | None = None  # what the completion earned
    progress: dict[int, ProgressRow] | None = None  # the learner's progress after this attempt
    missed: tuple[QuestionInfo, ...] = ()  # the questions answered wrongly, in quiz order
    milestone: Milestone | None = None  # a module or the whole course finished by this pass


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
    await session.execute(
        COUNT_ATTEMPT, {"user": user.id, "lesson": lesson_id, "attempt": attempt, "now": now}
    )
    if not lesson.questions:  # content without a quiz: reading it completes it
        return await _finish_attempt(session, course, user, lesson, attempt, (), now)
    retake = row is not None and row.status is ProgressStatus.COMPLETED
    return quiz_turn(user, lesson, lesson.questions[0], attempt, retake=retake)


COUNT_ATTEMPT = (
    update(UserProgress)
    .where(UserProgress.user_id == bindparam("user"), UserProgress.lesson_id == bindparam("lesson"))
    .values(attempts=bindparam("attempt"), updated_at=bindparam("now"))
    .execution_options(synchronize_session=False)
)


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


@dataclass(frozen=True)
class AnswerOutcome:
    """After an answer: the next question to send, the attempt's result, or nothing.

    `quiz_poll` is False when the poll is no lesson quiz's (a review session's, say)."""

    next_turn: QuizTurn | None = None
    result: QuizResult | None = None
    quiz_poll: bool = True


IGNORED = AnswerOutcome()
NOT_A_QUIZ_POLL = AnswerOutcome(quiz_poll=False)


async def answer_poll(
    session: AsyncSession,
    course: CourseMap,
    user: User,
    poll_id: str,
    option_ids: Sequence[int],
    now: datetime,
) -> AnswerOutcome:
    """Score an answer to a quiz poll. Answering the same poll twice changes nothing.

    One locking read (`LESSON_POLLS`) gives the attempt's state, the earlier attempts and
    the review cards, so an answer that asks the next question costs that read, the
    answer's UPDATE and the next poll's INSERT. The attempt's review cards and activity
    rows are written when it is finished, with its result.
    """
    rows = (await session.execute(LESSON_POLLS, {"poll_id": poll_id})).all()
    polls = sorted((row[0] for row in rows), key=lambda p: p.id)  # the order they were sent
    poll = next((p for p in polls if p.poll_id == poll_id), None)
    if poll is None:
        return NOT_A_QUIZ_POLL
    if poll.user_id != user.id or poll.answered_at is not None or not option_ids:
        return IGNORED
    lesson = course.by_id.get(poll.lesson_id)
    question = (
        next((q for q in lesson.questions if q.id == poll.question_id), None) if lesson else None
    )
    if lesson is None or question is None:
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
        await session.execute(insert_all(ActivityLog), answer_activity([poll]))
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
    result = await _finish_attempt(
        session, course, user, lesson, poll.attempt, missed, now, answer_activity(attempt)
    )
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
    activity: list[dict[str, Any]] | None = None,
) -> QuizResult:
    """Score the attempt; the first pass completes the lesson. `activity` rows still to
    be written (the last answer's) go out with the completion's, in one statement."""
    total = len(lesson.questions)
    correct = total - len(missed)
    score = round(100 * correct / total) if total else 100
    passed = correct >= lesson.questions_to_pass
    progress = await load_progress(session, user.id)
    row = progress[lesson.id]
    completed_now = passed and row.status is not ProgressStatus.COMPLETED
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
    if completed_now:
        finished = {lid: r for lid, r in progress.items() if r.status is ProgressStatus.COMPLETED}
        done = frozenset(finished)
        times = tuple(r.completed_at for r in finished.values() if r.completed_at is not None)
        completion = Completion(lesson, done, score=score, attempt=attempt, completed_at=times)
        rewards = await on_lesson_completed(
            session, course, user, completion, now, activity=activity or []
        )
        milestone = await milestone_after(session, course, user, lesson, done, now)
    elif activity:
        await session.execute(insert_all(ActivityLog), activity)
    return QuizResult(
        lesson=lesson,
        attempt=attempt,
        correct=correct,
        total=total,
        score=score,
        passed=passed,
        completed_now=completed_now,
        first_attempt=attempt == 1,
        rewards=rewards,
        progress=progress,
        missed=missed,
        milestone=milestone,
    )
