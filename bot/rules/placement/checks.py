"""Taking a placement check: native quiz polls, one question at a time, kept in the database.

- The learner starts it from the choice offered when they start the course, or from the
  course's card (it must be their current course). A check under way is continued: its
  open question is asked again by a new poll (the old poll no longer counts).
- Each answer is scored against the options' shuffled order (bot.rules.shuffle, keyed by
  learner, check, attempt and question). An answer to a poll of a check that was abandoned
  or finished, of an earlier attempt, or answered already changes nothing.
- "Start from the beginning" abandons a check under way: its answers become review cards,
  and the check may be taken again from the card (a new attempt, the same questions) until
  a lesson of the course is done. A finished check is never taken again.
- Questions removed from the course since the draw are skipped (and their answers no longer
  count); when none is left to ask, the check is finished.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.course import Catalogue, CourseMap, QuestionInfo
from bot.rules.learning.unlocks import NextStep, learner_next_step
from bot.rules.placement.draw import draw_questions
from bot.rules.placement.results import (
    PlacementResult,
    course_questions,
    finish_check,
    learn_from_check,
)
from bot.rules.shuffle import course_options, option_order
from db.enums import PlacementStatus
from db.models import PlacementAnswer, PlacementCheck, ReviewCard, User
from db.queries.learning import done_lesson_ids
from db.queries.placement import CheckRows, check_of_course, check_of_poll


class PlacementRefusal(enum.Enum):
    NOT_OFFERED = "not_offered"  # no such course, or it offers no check
    NOT_CURRENT = "not_current"  # not the learner's current course
    ALREADY_TAKEN = "already_taken"  # a check of this course was finished
    LESSON_DONE = "lesson_done"  # the learner has done a lesson of the course


@dataclass(frozen=True)
class PlacementRefused:
    reason: PlacementRefusal


@dataclass(frozen=True)
class PlacementTurn:
    """The next question of a check, to send as a quiz poll (options in `order`)."""

    check_id: int
    attempt: int
    question: QuestionInfo
    number: int  # 1-based, of `total` questions
    total: int
    order: tuple[int, ...]
    first: bool = False  # the first question of the attempt: the check's intro goes first
    replaces: int | None = None  # the open question's answer row, asked again (continued)


@dataclass(frozen=True)
class PlacementOutcome:
    """After an answer: the next question, or the result; neither when the answer changes
    nothing. `placement_poll` is False when the poll is no placement check's."""

    turn: PlacementTurn | None = None
    result: PlacementResult | None = None
    placement_poll: bool = True


IGNORED = PlacementOutcome()
NOT_A_PLACEMENT_POLL = PlacementOutcome(placement_poll=False)


def _split(
    rows: CheckRows,
) -> tuple[PlacementCheck | None, list[PlacementAnswer], dict[int, ReviewCard]]:
    """The check, its answers (every attempt) and the review cards of their questions."""
    if not rows:
        return None, [], {}
    answers = {a.id: a for _check, a, _card in rows if a is not None}
    cards = {c.question_id: c for _check, _a, c in rows if c is not None and c.question_id}
    return rows[0][0], sorted(answers.values(), key=lambda a: a.id), cards


async def start_check(
    session: AsyncSession, catalogue: Catalogue, user: User, course_id: int, now: datetime
) -> PlacementTurn | PlacementResult | PlacementRefused:
    """Begin the learner's check of the course, continue it, or take it again after it was
    abandoned; the question to ask (or the result, when nothing is left to ask)."""
    course = catalogue.get(course_id)
    if course is None or course.placement is None:
        return PlacementRefused(PlacementRefusal.NOT_OFFERED)
    if user.current_course_id != course.id:
        return PlacementRefused(PlacementRefusal.NOT_CURRENT)
    check, answers, cards = _split(await check_of_course(session, user.id, course.id))
    if check is not None and check.status is PlacementStatus.FINISHED:
        return PlacementRefused(PlacementRefusal.ALREADY_TAKEN)
    if course.done_in(await done_lesson_ids(session, user.id)):
        return PlacementRefused(PlacementRefusal.LESSON_DONE)
    if check is None or check.status is PlacementStatus.ABANDONED:
        drawn = [question.id for question in draw_questions(course, user.id)]
        if not drawn:
            return PlacementRefused(PlacementRefusal.NOT_OFFERED)
        if check is None:
            check = PlacementCheck(user_id=user.id, course_id=course.id, attempt=0)
            session.add(check)
        check.attempt += 1
        check.status = PlacementStatus.IN_PROGRESS
        check.question_ids = drawn
        check.started_at, check.ended_at = now, None
        await session.flush()  # the new check's id, for its polls
    turn = next_turn(course, user, check, answers)
    if turn is None:  # every question left was removed from the course
        return await finish_check(session, course, user, check, answers, cards, now)
    return turn


def next_turn(
    course: CourseMap, user: User, check: PlacementCheck, answers: Sequence[PlacementAnswer]
) -> PlacementTurn | None:
    """The open question of the check's attempt (asked again), else the next one not asked
    yet; None when every question still in the course has its answer."""
    questions = course_questions(course)
    live = [question_id for question_id in check.question_ids if question_id in questions]
    asked = [a for a in answers if a.attempt == check.attempt and a.question_id in questions]
    waiting = next((a for a in asked if a.answered_at is None), None)
    if waiting is not None:
        question_id, replaces = waiting.question_id, waiting.id
    else:
        done = {a.question_id for a in asked}
        question_id = next((q for q in live if q not in done), 0)
        replaces = None
        if not question_id:
            return None
    question = questions[question_id][0]
    order = option_order(
        len(question.options), "placement", user.id, check.id, check.attempt, question.id
    )
    number = live.index(question_id) + 1
    return PlacementTurn(
        check.id, check.attempt, question, number, len(live), order, not asked, replaces
    )


async def record_placement_poll(
    session: AsyncSession, turn: PlacementTurn, poll_id: str, now: datetime
) -> None:
    """Remember which question a sent poll asks (a continued check's poll replaces the
    open question's, whose answer then no longer counts)."""
    if turn.replaces is not None:
        await session.execute(
            update(PlacementAnswer)
            .where(PlacementAnswer.id == turn.replaces)
            .values(poll_id=poll_id, created_at=now)
            .execution_options(synchronize_session=False)
        )
        return
    session.add(
        PlacementAnswer(
            check_id=turn.check_id,
            question_id=turn.question.id,
            attempt=turn.attempt,
            poll_id=poll_id,
            option_order=list(turn.order),
            created_at=now,
        )
    )


async def answer_placement_poll(
    session: AsyncSession,
    catalogue: Catalogue,
    user: User,
    poll_id: str,
    option_ids: Sequence[int],
    now: datetime,
) -> PlacementOutcome:
    """Score an answer to a placement poll; the next question or the check's result.

    One locking read (the check with its answers and cards) serialises the learner's
    answers; an answer that asks the next question costs that read, its UPDATE and the next
    poll's INSERT."""
    check, answers, cards = _split(await check_of_poll(session, poll_id))
    if check is None:
        return NOT_A_PLACEMENT_POLL
    answer = next(a for a in answers if a.poll_id == poll_id)
    if (
        check.user_id != user.id
        or check.status is not PlacementStatus.IN_PROGRESS
        or answer.attempt != check.attempt
        or answer.answered_at is not None
        or not option_ids
    ):
        return IGNORED
    course = catalogue.get(check.course_id)
    question = course_questions(course).get(answer.question_id) if course else None
    if course is None or question is None:
        return IGNORED
    answer.option_ids = course_options(tuple(answer.option_order), list(option_ids))
    answer.is_correct = answer.option_ids == sorted(question[0].correct_option_ids)
    answer.answered_at = now
    turn = next_turn(course, user, check, answers)
    if turn is not None:
        return PlacementOutcome(turn=turn)
    return PlacementOutcome(
        result=await finish_check(session, course, user, check, answers, cards, now)
    )


async def start_from_the_beginning(
    session: AsyncSession, catalogue: Catalogue, user: User, course_id: int, now: datetime
) -> NextStep | None:
    """The learner takes the course from its first lesson: a check under way is abandoned
    (its answers become review cards). The next step; None for an unknown course."""
    course = catalogue.get(course_id)
    if course is None:
        return None
    check, answers, cards = _split(await check_of_course(session, user.id, course.id))
    if check is not None and check.status is PlacementStatus.IN_PROGRESS:
        check.status = PlacementStatus.ABANDONED
        check.ended_at = now
        await learn_from_check(session, check, answers, cards)
    return await learner_next_step(session, course, user, now)
