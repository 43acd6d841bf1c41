"""Review in the chat, through the dispatcher: the missed questions come back first,
answers are scored against the shuffled options, a summary ends the session."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import SendPoll
from aiogram.types import User as TgUser
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.entry.app import build_dispatcher
from bot.entry.offline import OfflineSession
from bot.rules.clock import FixedClock
from bot.rules.course import CourseCache
from bot.telegram.callbacks import ReviewCb
from tests.support.chat import Chat
from tests.support.factories import make_course
from tests.support.flows import onboard

MakeChat = Callable[..., Chat]
ADMIN_ID = 9002


async def answer_quiz(
    chat: Chat, wrong: frozenset[int] = frozenset(), button: str = "Take the quiz"
) -> None:
    """Take the quiz the latest keyboard offers; questions numbered in `wrong` get a wrong
    answer, the others the right one (read from the poll: options may be shuffled)."""
    sent = await chat.press_button(button)
    number = 1
    while polls := chat.polls(sent):
        poll = polls[-1]
        right = list(poll.correct_option_ids or [])
        choice = [next(i for i in range(len(poll.options)) if i not in right)]
        sent = await chat.answer_poll(chat.poll_ids()[-1], choice if number in wrong else right)
        number += 1


def question_of(poll: SendPoll) -> str:
    return poll.question.split(" · ", 1)[-1]


async def test_missed_questions_of_lesson_one_come_back_first_a_day_later(
    session: AsyncSession, make_chat: MakeChat, clock: FixedClock
) -> None:
    await make_course(session, [2], questions=5)
    await session.commit()
    chat = make_chat()
    await onboard(chat)
    await chat.send("/learn")
    await answer_quiz(chat, wrong=frozenset({2, 4}))  # 3 of 5: passed, two questions missed
    assert "Passed: 3 of 5" in chat.last_text()
    await chat.press_button("Next")
    await answer_quiz(chat)
    # the course is finished: the result, then the celebration with the certificate
    assert any("Passed: 5 of 5" in text for text in chat.texts()[-3:])
    clock.advance(days=1)
    sent = await chat.send("/review")
    assert "Review: 10 questions" in chat.texts(sent)[0]
    first = chat.polls(sent)
    assert len(first) == 1
    assert (first[0].type, first[0].is_anonymous) == ("quiz", False)
    assert first[0].question.startswith("🔁 1/10 · ")
    asked = [question_of(first[0])]
    sent = await chat.answer_poll(chat.poll_ids()[-1], list(first[0].correct_option_ids or []))
    asked.append(question_of(chat.polls(sent)[0]))
    assert sorted(asked) == ["Question 2 of 1.1?", "Question 4 of 1.1?"]


async def test_a_review_session_ends_in_a_summary_and_shows_in_progress(
    session: AsyncSession, make_chat: MakeChat, clock: FixedClock
) -> None:
    await make_course(session, [1], questions=2)
    await session.commit()
    chat = make_chat()
    await onboard(chat)
    sent = await chat.send("/review")
    assert "Nothing to review yet" in chat.texts(sent)[0]
    await chat.send("/learn")
    await answer_quiz(chat, wrong=frozenset({1}))
    await answer_quiz(chat, button="Try again")
    clock.advance(days=1)  # the missed question is due; the other has graduated to days
    sent = await chat.send("/review")
    assert "Review: 1 question" in chat.texts(sent)[0]
    poll = chat.polls(sent)[0]
    assert question_of(poll) == "Question 1 of 1.1?"
    sent = await chat.answer_poll(chat.poll_ids()[-1], list(poll.correct_option_ids or []))
    summary = chat.texts(sent)[-1]
    assert "Review done: 1 right, 0 wrong." in summary
    assert "+2 points" in summary
    assert "Next review:" in summary
    again = await chat.answer_poll(chat.poll_ids()[-1], list(poll.correct_option_ids or []))
    assert again == []  # the same answer delivered twice
    sent = await chat.press(ReviewCb().pack())  # the daily push's button
    assert "Nothing is due for review" in chat.texts(sent)[0]
    sent = await chat.send("/progress")
    text = chat.texts(sent)[0]
    assert "Cards: 2" in text
    assert "retention (30 days): 100%" in text


async def test_a_review_summary_names_the_questions_answered_wrongly(
    session: AsyncSession, make_chat: MakeChat, clock: FixedClock
) -> None:
    await make_course(session, [1], questions=3)
    await session.commit()
    chat = make_chat()
    await onboard(chat)
    await chat.send("/learn")
    await answer_quiz(chat, wrong=frozenset({1, 3}))
    await answer_quiz(chat, button="Try again")
    clock.advance(days=1)  # the two missed questions are due
    (first,) = chat.polls(await chat.send("/review"))
    (second,) = chat.polls(await chat.answer_last_poll())
    missed, summary = chat.texts(await chat.answer_last_poll(right=False))
    assert "Review done: 1 right, 1 wrong." in summary
    assert "What you missed: 1 question" in missed
    assert f"❌ <b>{question_of(second)}</b>" in missed
    assert question_of(first) not in missed
    assert "💡 <i>Because.</i>" in missed


@pytest.fixture
def admin_chat(
    session_factory: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    offline_session: OfflineSession,
) -> Chat:
    dispatcher: Dispatcher = build_dispatcher(
        session_factory, clock, course_cache=CourseCache(ttl=0), admin_ids={ADMIN_ID}
    )
    user = TgUser(id=ADMIN_ID, is_bot=False, first_name="Root", language_code="en")
    return Chat(dispatcher, bot, offline_session, user)


async def test_admin_stats_show_review_activity_and_the_most_missed_questions(
    session: AsyncSession, make_chat: MakeChat, admin_chat: Chat
) -> None:
    await make_course(session, [1], questions=3)
    await session.commit()
    chat = make_chat()
    await onboard(chat)
    await chat.send("/learn")
    await answer_quiz(chat, wrong=frozenset({3}))
    sent = await admin_chat.send("/stats")
    text = "\n".join(admin_chat.texts(sent))
    assert "Review answers: 0 today" in text
    assert "Most missed questions (30 days)" in text
    assert "📖 <b>Lesson 1.1</b>" in text
    assert "Question 3 of 1.1? — 1 of 1 wrong" in text


async def test_progress_and_review_agree_on_what_is_due_now_and_later_today(
    session: AsyncSession, make_chat: MakeChat, clock: FixedClock
) -> None:
    await make_course(session, [1], questions=2)
    await session.commit()
    chat = make_chat()
    await onboard(chat)
    await chat.send("/learn")
    await answer_quiz(chat)  # both right: each card's next step is minutes away, not now
    nothing = chat.texts(await chat.send("/review"))[0]
    assert "Nothing is due for review" in nothing
    found = re.search(r"Next review: \d{4}-\d\d-\d\d (\d\d:\d\d)", nothing)
    assert found is not None
    progress = chat.texts(await chat.send("/progress"))[0]
    assert f"due now: 0, 2 more later today (next at {found[1]})" in progress
    clock.advance(hours=1)
    progress = chat.texts(await chat.send("/progress"))[0]
    assert "due now: 2" in progress
    assert "later today" not in progress
    assert "Review: 2 questions" in chat.texts(await chat.send("/review"))[0]


REVIEWED_LESSONS, QUESTIONS_EACH = 6, 10


async def test_a_review_shows_the_options_in_an_order_drawn_apart_from_the_lesson(
    session: AsyncSession, make_chat: MakeChat, clock: FixedClock
) -> None:
    """Over many cards, a review's option order matches the one the lesson showed at most
    as often as two independent shuffles do (1 in 6 with three options)."""
    await make_course(session, [REVIEWED_LESSONS], questions=QUESTIONS_EACH)
    await session.commit()
    chat = make_chat()
    await onboard(chat)
    for _lesson in range(REVIEWED_LESSONS):
        await chat.send("/learn")
        await answer_quiz(chat)
    lesson_orders = {question_of(poll): options_of(poll) for poll in chat.polls()}
    clock.advance(days=3)
    review_orders: dict[str, list[str]] = {}
    while "Nothing is due" not in chat.texts(sent := await chat.send("/review"))[0]:
        while polls := chat.polls(sent):
            review_orders[question_of(polls[-1])] = options_of(polls[-1])
            sent = await chat.answer_poll(
                chat.poll_ids()[-1], list(polls[-1].correct_option_ids or [])
            )
    cards = REVIEWED_LESSONS * QUESTIONS_EACH
    assert sorted(review_orders) == sorted(lesson_orders)
    assert len(review_orders) == cards
    same = sum(review_orders[q] == lesson_orders[q] for q in review_orders)
    # Two independent shuffles agree with p = 1/6: 10 of 60 expected, sd 2.9; six sds
    # above (27) is never reached by chance (p < 1e-7), while a review that kept the
    # lesson's order (or leaned towards it) would be far above it.
    expected = cards / 6
    assert same <= expected + 6 * (cards * (1 / 6) * (5 / 6)) ** 0.5, (same, cards)


def options_of(poll: SendPoll) -> list[str]:
    return [option.text for option in poll.options]
