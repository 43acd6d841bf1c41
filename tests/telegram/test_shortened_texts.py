"""Texts shortened to fit a place (a button, a line of /stats, a push preview in the demo,
a certificate) are cut after a whole word and end with "…"."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from aiogram import Bot
from aiogram.methods import SendMessage
from aiogram.types import User as TgUser
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.entry.app import build_dispatcher
from bot.entry.demo import Terminal
from bot.entry.offline import OfflineSession
from bot.rules.clock import FixedClock
from bot.rules.content.yaml_lines import show_value
from bot.rules.course import CourseCache
from bot.rules.shorten import shorten
from db.models import Lesson, QuizQuestion
from tests.support.chat import Chat
from tests.support.factories import make_course
from tests.support.flows import finish_lesson, onboard

MakeChat = Callable[..., Chat]
ADMIN_ID = 9003
NEXT_TITLE = "Creating a repository with init and clone"
LONG_QUESTION = (
    "You have two branches that changed the same line of the same file inside one"
    " repository. Which command shows the conflict?"
)


def is_cut_at_a_word(original: str, shown: str) -> bool:
    """`shown` is `original` whole, or a run of its whole words followed by "…"."""
    if shown == original:
        return True
    head = shown.removesuffix("…")
    rest = original[len(head) :]
    return (
        shown.endswith("…")
        and original.startswith(head)
        and bool(head)
        and (not rest or not rest[0].isalnum() or not head[-1].isalnum())
    )


@pytest.mark.parametrize(
    ("text", "limit", "shown"),
    [
        (NEXT_TITLE, 40, "Creating a repository with init and…"),
        (NEXT_TITLE, 41, NEXT_TITLE),
        ("One lesson today keeps it alive", 23, "One lesson today keeps…"),
        ("Wait, what — really?", 13, "Wait, what…"),
        ("Supercalifragilistic", 8, "Superca…"),
        ("Zoe\u0301 and friends", 4, "Zo…"),
        ("a b", 1, "…"),
    ],
)
def test_a_shortened_text_ends_at_a_word_with_an_ellipsis(
    text: str, limit: int, shown: str
) -> None:
    assert shorten(text, limit) == shown


def test_any_text_shortened_fits_and_is_cut_at_a_word() -> None:
    words = ["a", "git", "repository", "init,", "—", "clone.", "Zoë", "🔥", "(branch)", "x" * 30]
    generator = random.Random(7)
    for _ in range(2000):
        text = " ".join(generator.choice(words) for _ in range(generator.randint(1, 12)))
        limit = generator.randint(1, 60)
        shown = shorten(text, limit)
        assert len(shown) <= limit, (text, limit, shown)
        if " " in text[:limit] and len(text) > limit:
            assert is_cut_at_a_word(text, shown), (text, limit, shown)


async def test_the_next_lesson_button_cuts_a_long_title_at_a_word(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    await make_course(session, [2], questions=1)
    second = await session.scalar(sa.select(Lesson).where(Lesson.slug == "m1-l2"))
    assert second is not None
    second.title = NEXT_TITLE + " with a few more words"
    await session.commit()
    chat = make_chat()
    await onboard(chat)
    await finish_lesson(chat)
    labels = [label for label, _data in chat.buttons()]
    assert "▶️ Next: Creating a repository with init and…" in labels


async def test_stats_cut_a_long_missed_question_at_a_word(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    offline_session: OfflineSession,
    make_chat: MakeChat,
) -> None:
    await make_course(session, [1], questions=1)
    question = await session.scalar(sa.select(QuizQuestion))
    assert question is not None
    question.question = LONG_QUESTION
    await session.commit()
    chat = make_chat()
    await onboard(chat)
    await chat.send("/learn")
    sent = await chat.press_button("Take the quiz")
    await chat.answer_last_poll(right=False)
    dispatcher = build_dispatcher(
        session_factory, clock, course_cache=CourseCache(ttl=0), admin_ids={ADMIN_ID}
    )
    user = TgUser(id=ADMIN_ID, is_bot=False, first_name="Root", language_code="en")
    admin = Chat(dispatcher, bot, offline_session, user)
    sent = await admin.send("/stats")
    text = "\n".join(admin.texts(sent))
    line = next(line for line in text.splitlines() if line.endswith("— 1 of 1 wrong"))
    shown = line.removeprefix("  • ").removesuffix(" — 1 of 1 wrong")
    assert shown == "You have two branches that changed the same line of the same file inside one…"
    assert is_cut_at_a_word(LONG_QUESTION, shown)


def test_the_demo_previews_a_push_to_another_learner_cut_at_a_word(
    capsys: pytest.CaptureFixture[str],
) -> None:
    terminal = Terminal({7001: "Linus (sample)"})
    push = (
        "🔥 Your 2-day streak ends at midnight! One lesson today keeps it alive.\n"
        "Send /learn to take it."
    )
    terminal.show(SendMessage(chat_id=7001, text=push), None)
    preview = capsys.readouterr().out.strip()
    assert "📨 sent to Linus (sample): 🔥 Your 2-day streak ends at midnight!" in preview
    assert preview.endswith("One lesson today…")


def test_a_long_value_in_a_content_problem_is_cut_at_a_word() -> None:
    shown = show_value("take the first option, then the second one as well")
    assert shown == "'take the first option, then the second…"
