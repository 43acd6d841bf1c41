"""The learner's conversation, through the real dispatcher and handlers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage
from aiogram.types import Sticker
from sqlalchemy.ext.asyncio import AsyncSession

from bot.telegram.callbacks import CALLBACK_DATA_LIMIT, LessonCb, QuizCb
from db.enums import ProgressStatus
from db.models import User, UserProgress
from tests.support.chat import Chat
from tests.support.factories import make_course
from tests.support.flows import onboard
from tests.support.telegram_parser import parse_html

MakeChat = Callable[..., Chat]


async def test_start_onboards_a_new_learner_in_three_taps(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    await make_course(session, [2])
    await session.commit()
    chat = make_chat(first_name="Zoë 🔥 <script>&")
    sent = await chat.send("/start")
    assert "Zoë 🔥 &lt;script&gt;&amp;" in chat.texts(sent)[0]
    assert "what time is it for you now" in chat.texts(sent)[0]
    await chat.press_button("Berlin")  # tap 1
    assert "When would you like your daily lesson" in chat.last_text()
    await chat.press_button("08:00")  # tap 2
    assert "every day at <b>08:00</b>" in chat.last_text()
    sent = await chat.press_button("Start")  # tap 3: the first lesson
    assert "Lesson 1.1" in chat.texts(sent)[0]
    user = await session.scalar(sa.select(User))
    assert user is not None
    assert (user.time_zone, user.lesson_minute) == ("Europe/Berlin", 480)
    assert user.onboarded_at is not None
    assert user.first_name == "Zoë 🔥 <script>&"


async def test_returning_learner_is_offered_to_continue(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    await make_course(session, [2])
    await session.commit()
    chat = make_chat()
    await onboard(chat)
    sent = await chat.send("/start")
    assert "Welcome back" in chat.texts(sent)[0]
    assert "Lesson 1.1" in chat.texts(sent)[0]


async def test_a_whole_lesson_from_learn_to_the_next_one(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    await make_course(session, [2], questions=2)
    await session.commit()
    chat = make_chat()
    await onboard(chat)
    sent = await chat.send("/learn")
    assert "Lesson 1.1" in chat.texts(sent)[0]
    sent = await chat.press_button("Take the quiz")
    polls = chat.polls(sent)
    assert len(polls) == 1
    poll = polls[0]
    assert (poll.type, poll.is_anonymous) == ("quiz", False)
    assert poll.options[(poll.correct_option_ids or [])[0]].text == "right"
    assert poll.explanation == "Because."
    assert poll.question.startswith("1/2 · ")
    sent = await chat.answer_last_poll()
    assert len(chat.polls(sent)) == 1
    sent = await chat.answer_last_poll()
    text = chat.texts(sent)[-1]
    assert "Passed: 2 of 2 right (100%)" in text
    assert "Lesson 1.2" in text
    sent = await chat.press_button("Next")
    assert "Lesson 1.2" in chat.texts(sent)[0]
    progress = await session.scalar(sa.select(UserProgress).order_by(UserProgress.id))
    assert progress is not None
    assert progress.status is ProgressStatus.COMPLETED


async def test_failed_quiz_offers_a_retry(session: AsyncSession, make_chat: MakeChat) -> None:
    await make_course(session, [1], questions=1)
    await session.commit()
    chat = make_chat()
    await onboard(chat)
    await chat.send("/learn")
    await chat.press_button("Take the quiz")
    sent = await chat.answer_last_poll(right=False)
    assert "You need 1 of 1 to pass" in chat.texts(sent)[-1]
    sent = await chat.press_button("Try again")
    assert len(chat.polls(sent)) == 1


async def test_the_same_poll_answer_delivered_twice_is_handled_once(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    await make_course(session, [1], questions=1)
    await session.commit()
    chat = make_chat()
    await onboard(chat)
    await chat.send("/learn")
    await chat.press_button("Take the quiz")
    first = await chat.answer_last_poll()
    second = await chat.answer_last_poll()
    assert any("Passed" in text for text in chat.texts(first))
    assert second == []


async def test_double_tap_on_the_quiz_button_sends_one_poll(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    await make_course(session, [1])
    await session.commit()
    chat = make_chat()
    await onboard(chat)
    await chat.send("/learn")
    first = await chat.press_button("Take the quiz")
    second = await chat.press_button("Take the quiz")
    assert len(chat.polls(first)) == 1
    assert chat.polls(second) == []
    assert "waiting above" in chat.alerts(second)[0]


async def test_modules_shows_states_and_why_lessons_are_locked(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    await make_course(session, [2, 1])
    await session.commit()
    chat = make_chat()
    await onboard(chat)
    sent = await chat.send("/modules")
    text = chat.texts(sent)[0]
    assert "🟢 Lesson 1.1" in text
    assert "🔒 Lesson 1.2 — <i>after «Lesson 1.1»</i>" in text
    assert "🔒 Lesson 2.1 — <i>after module «Module 1»</i>" in text


@pytest.mark.parametrize(
    "data",
    [
        "ls:999999:1",  # a lesson that does not exist
        "qz:abc",  # malformed
        "zz:1",  # unknown prefix
        "ls:1:1:1:1",  # too many parts
        "tz:9999",  # a zone index out of range
        "",
    ],
)
async def test_stale_or_forged_buttons_get_a_polite_answer(
    session: AsyncSession, make_chat: MakeChat, data: str
) -> None:
    await make_course(session, [1])
    await session.commit()
    chat = make_chat()
    await onboard(chat)
    sent = await chat.press(data)
    answers = [m for m in sent if isinstance(m, AnswerCallbackQuery)]
    assert len(answers) == 1
    assert answers[0].text
    assert not chat.polls(sent)


async def test_a_locked_lesson_button_explains_itself(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    modules = await make_course(session, [2])
    await session.commit()
    chat = make_chat()
    await onboard(chat)
    locked = modules[0].lessons[1]
    sent = await chat.press(LessonCb(lesson_id=locked.id).pack())
    assert "Finish «Lesson 1.1» first" in chat.alerts(sent)[0]
    sent = await chat.press(QuizCb(lesson_id=locked.id).pack())
    assert "Finish «Lesson 1.1» first" in chat.alerts(sent)[0]


async def test_anything_unrecognised_gets_a_hint(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    chat = make_chat()
    await onboard(chat)
    for sent in [
        await chat.send("/frobnicate"),
        await chat.send("hello there"),
        await chat.send("x" * 4096),
        await chat.send_message(
            sticker=Sticker(
                file_id="s", file_unique_id="s", type="regular", width=1, height=1,
                is_animated=False, is_video=False,
            )
        ),
    ]:  # fmt: skip
        assert "/help" in chat.texts(sent)[0]


async def test_help_lists_the_commands(make_chat: MakeChat, session: AsyncSession) -> None:
    chat = make_chat()
    sent = await chat.send("/help")
    for command in ("/learn", "/modules", "/start", "/help"):
        assert command in chat.texts(sent)[0]


async def test_group_chats_are_pointed_to_private(
    make_chat: MakeChat, session: AsyncSession
) -> None:
    chat = make_chat(chat_type="group")
    sent = await chat.send("/learn")
    assert "in private" in chat.texts(sent)[0]
    assert await chat.send("just chatting") == []
    assert await session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


async def test_a_long_lesson_is_split_into_pages_under_the_limit(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    modules = await make_course(session, [1])
    paragraph = "<b>Git</b> stores snapshots &amp; history. " * 40
    modules[0].lessons[0].content = "\n\n".join([paragraph] * 12)
    await session.commit()
    chat = make_chat()
    await onboard(chat)
    sent = await chat.send("/learn")
    first = [m for m in sent if isinstance(m, SendMessage)][-1]
    assert len(parse_html(first.text)) <= 4096  # what Telegram counts: the text shown
    assert "page 1/" in first.text
    pages = 1
    while True:
        sent = await chat.press_button("Next ▶️")
        edits = [m for m in sent if isinstance(m, EditMessageText)]
        assert len(edits) == 1
        assert len(parse_html(edits[0].text)) <= 4096
        pages += 1
        if "Take the quiz" in str(chat.buttons()):
            break
    assert pages >= 3


async def test_every_callback_payload_fits_telegram(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    await make_course(session, [2, 2])
    await session.commit()
    chat = make_chat()
    await onboard(chat)
    await chat.send("/learn")
    await chat.send("/modules")
    await chat.press(LessonCb(lesson_id=2**31 - 1, page=999).pack())
    for method in chat.sent:
        markup = getattr(method, "reply_markup", None)
        for row in getattr(markup, "inline_keyboard", []) or []:
            for button in row:
                assert len((button.callback_data or "").encode()) <= CALLBACK_DATA_LIMIT
    assert len(LessonCb(lesson_id=2**63, page=2**31).pack().encode()) <= CALLBACK_DATA_LIMIT


async def test_edited_messages_are_ignored(session: AsyncSession, make_chat: MakeChat) -> None:
    from datetime import UTC, datetime

    from aiogram.types import Message, Update

    chat = make_chat()
    edited = Message(
        message_id=5, date=datetime.now(UTC), chat=chat.chat, from_user=chat.user,
        text="/learn", edit_date=1,
    )  # fmt: skip
    assert await chat.feed(Update(update_id=9_999_999, edited_message=edited)) == []


async def test_a_database_error_gets_a_try_again_answer_not_silence(
    session: AsyncSession, make_chat: MakeChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    from bot.telegram.handlers import learn

    await make_course(session, [1])
    await session.commit()
    chat = make_chat(language_code="ru")
    await onboard(chat)

    async def outage(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("SELECT 1", {}, Exception("server has gone away"))

    monkeypatch.setattr(learn, "open_next_lesson", outage)
    sent = await chat.send("/learn")
    assert "минуту" in chat.texts(sent)[0]  # "try again in a minute", in the learner's language


async def test_a_deadlock_reruns_the_whole_update_once_nothing_was_sent(
    session: AsyncSession, make_chat: MakeChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pymysql
    from sqlalchemy.exc import OperationalError

    from bot.telegram.handlers import learn

    await make_course(session, [1])
    await session.commit()
    chat = make_chat()
    await onboard(chat)
    real = learn.open_next_lesson
    failures = iter([True, True])  # two deadlocks, then it goes through

    async def deadlocking(*args: object, **kwargs: object) -> object:
        if next(failures, False):
            raise OperationalError("UPDATE …", {}, pymysql.err.OperationalError(1213, "Deadlock"))
        return await real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(learn, "open_next_lesson", deadlocking)
    sent = await chat.send("/learn")
    texts = chat.texts(sent)
    assert len(texts) == 1  # one answer: the lesson, no "try again"
    assert "Lesson 1.1" in texts[0]
