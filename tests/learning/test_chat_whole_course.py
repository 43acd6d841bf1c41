"""The bundled course played in the chat from start to end: shuffled quizzes cannot be passed
by always pressing the first option; played right, it ends with a certificate anyone can
verify."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

from aiogram.methods import SendPhoto, SendPoll, TelegramMethod
from aiogram.types import BufferedInputFile
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.course import load_course_map
from bot.telegram.callbacks import QuizCb
from tests.support.chat import Chat
from tests.support.factories import import_bundled_course
from tests.support.flows import onboard

Choice = Callable[[SendPoll], list[int]]
MakeChat = Callable[..., Chat]


def first_option(poll: SendPoll) -> list[int]:
    return [0]


def right_option(poll: SendPoll) -> list[int]:
    return list(poll.correct_option_ids or [])[:1]


async def play_quiz(chat: Chat, lesson_id: int, choose: Choice) -> list[TelegramMethod[Any]]:
    """Press the lesson's quiz button and answer every poll it sends; all that was sent."""
    sent = await chat.press(QuizCb(lesson_id=lesson_id).pack())
    everything = list(sent)
    while polls := chat.polls(sent):
        sent = await chat.answer_poll(chat.poll_ids()[-1], choose(polls[-1]))
        everything += sent
    return everything


def passed(chat: Chat, sent: list[TelegramMethod[Any]]) -> bool:
    return any(text.startswith("✅ Passed") for text in chat.texts(sent))


async def test_always_pressing_the_first_option_passes_at_most_a_third_of_the_quizzes(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    await import_bundled_course(session)
    await session.commit()
    course = await load_course_map(session)
    chat = make_chat()
    await onboard(chat)
    passes = 0
    for lesson in course.lessons:
        sent = await play_quiz(chat, lesson.id, first_option)
        if passed(chat, sent):
            passes += 1
        else:  # learn it properly to go on to the next lesson
            assert passed(chat, await play_quiz(chat, lesson.id, right_option))
    assert passes <= len(course.lessons) // 3


async def test_the_course_played_right_ends_with_a_certificate_that_verify_accepts(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    await import_bundled_course(session)
    await session.commit()
    course = await load_course_map(session)
    chat = make_chat(first_name="Zoë", last_name="李 <b>&")
    await onboard(chat)
    celebrations = []
    for lesson in course.lessons:
        sent = await play_quiz(chat, lesson.id, right_option)
        assert passed(chat, sent)
        celebrations += [t for t in chat.texts(sent) if t.startswith(("🎉", "🎓 <b>"))]
    assert len(celebrations) == len(course.modules)
    assert "«Branches»" in celebrations[1]  # what comes next after the second module
    assert "whole course «Git essentials»" in celebrations[-1]
    photos = [m for m in chat.sent if isinstance(m, SendPhoto)]
    assert len(photos) == 1
    code = re.search(r"<code>([A-Z0-9]{10})</code>", celebrations[-1])
    assert code is not None
    assert_certificate_png(photos[0])
    assert photos[0].caption is not None
    assert "李 &lt;b&gt;&amp;" in photos[0].caption

    sent = await chat.send(f"/verify {code[1]}")
    assert "is genuine: Zoë 李 &lt;b&gt;&amp; finished «Git essentials»" in chat.texts(sent)[0]
    stranger = make_chat(user_id=777, first_name="Eve")
    sent = await stranger.send(f"/start verify-{code[1].lower()}")
    assert "is genuine" in stranger.texts(sent)[0]
    sent = await stranger.send("/verify ABCDEFGHJK")
    assert "No certificate has the code <code>ABCDEFGHJK</code>" in stranger.texts(sent)[0]
    sent = await stranger.send("/certificate")
    assert "Finish every lesson" in stranger.texts(sent)[0]
    again = await chat.send("/certificate")
    assert [type(m) for m in again] == [SendPhoto]


def assert_certificate_png(photo: SendPhoto) -> None:
    assert isinstance(photo.photo, BufferedInputFile)
    image = Image.open(io.BytesIO(photo.photo.data))
    assert (image.format, image.size) == ("PNG", (1600, 1130))


async def test_a_failed_quiz_lists_each_missed_question_with_the_right_answer(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    await import_bundled_course(session)
    await session.commit()
    course = await load_course_map(session)
    lesson = course.lessons[0]
    chat = make_chat()
    await onboard(chat)
    wrong_first: list[bool] = []

    def wrong_then_right(poll: SendPoll) -> list[int]:
        wrong_first.append(not wrong_first)
        correct = list(poll.correct_option_ids or [])
        return (
            [next(i for i in range(len(poll.options)) if i not in correct)]
            if len(wrong_first) <= 2
            else correct[:1]
        )

    sent = await play_quiz(chat, lesson.id, wrong_then_right)
    texts = chat.texts(sent)
    intro = texts[0]
    assert "4 questions, 3 of 4 right to pass" in intro
    missed = next(t for t in texts if t.startswith("<b>📋"))
    assert "What you missed: 2 questions" in missed
    for question in lesson.questions[:2]:
        assert question.question in missed
        assert f"✅ Right: {question.options[question.correct_option_ids[0]]}" in missed
        assert f"💡 <i>{question.explanation}</i>" in missed
    assert lesson.questions[2].question not in missed
    assert "❌ 2 of 4 right (50%). You need 3 of 4 to pass" in texts[-1]


async def test_retaking_a_finished_lesson_says_it_earns_no_points(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    await import_bundled_course(session)
    await session.commit()
    lesson = (await load_course_map(session)).lessons[0]
    chat = make_chat(language_code="ru")
    await onboard(chat)
    await play_quiz(chat, lesson.id, right_option)
    sent = await play_quiz(chat, lesson.id, right_option)
    texts = chat.texts(sent)
    assert "повтор не принесёт очков" in texts[0]
    assert "в этот раз без очков" in texts[-1]
