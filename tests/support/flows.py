"""Steps many tests take: onboarding in the chat, a whole quiz through the rules, buttons of a
recorded Bot API call."""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.course import CourseMap, LessonInfo
from bot.rules.learning.quizzes import QuizResult, QuizTurn, answer_poll, record_poll, start_quiz
from db.models import User
from tests.support.botapi_stub import RecordedCall
from tests.support.chat import Chat

_poll_ids = (f"p{i}" for i in itertools.count())


async def onboard(chat: Chat, zone: str = "Berlin", time: str = "09:00") -> None:
    """/start, then the two onboarding taps: a time zone and a lesson time."""
    await chat.send("/start")
    await chat.press_button(zone)
    await chat.press_button(time)


async def finish_lesson(chat: Chat) -> list[str]:
    """/learn, the quiz button, then every poll answered right; the texts after the last."""
    await chat.send("/learn")
    sent = await chat.press(chat.buttons()[-1][1])  # the quiz button
    poll = chat.polls(sent)[-1]
    while True:
        answered = await chat.answer_poll(chat.poll_ids()[-1], list(poll.correct_option_ids or []))
        polls = chat.polls(answered)
        if not polls:
            return chat.texts(answered)
        poll = polls[-1]


async def take_quiz(
    session: AsyncSession,
    course: CourseMap,
    user: User,
    lesson_id: int,
    now: datetime,
    answers: list[int],
) -> QuizResult:
    """Start a quiz and answer each question with the given option of the course's own
    order (0 = right in the test factories), pressed where the shuffled poll shows it."""
    turn = await start_quiz(session, course, user, lesson_id, now)
    assert isinstance(turn, QuizTurn), turn
    result = None
    for option in answers:
        assert turn is not None
        poll_id = next(_poll_ids)
        record_poll(session, user, turn, poll_id, now)
        await session.flush()
        shown = turn.order.index(option)
        outcome = await answer_poll(session, course, user, poll_id, [shown], now)
        turn, result = outcome.next_turn, outcome.result
    assert result is not None
    return result


def params(call: RecordedCall) -> dict[str, Any]:
    """A recorded call's parameters, with JSON-encoded ones decoded."""
    return {
        k: json.loads(v) if isinstance(v, str) and v[:1] in "[{" else v
        for k, v in call.params.items()
    }


def button(call: RecordedCall, label: str) -> str:
    """The callback data of the button whose text contains ``label``."""
    markup = params(call).get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for key in row:
            if label in key["text"]:
                return str(key["callback_data"])
    raise AssertionError(f"no button {label!r} in {markup}")


def right_answers(lesson: LessonInfo) -> list[int]:
    """The course's right option of every question, for `take_quiz`."""
    return [question.correct_option_ids[0] for question in lesson.questions]
