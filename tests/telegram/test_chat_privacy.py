"""/privacy, /export, /deleteme and the admins' /exportcsv, played in the chat."""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from aiogram import Bot, Dispatcher
from aiogram.methods import SendDocument, SendMessage
from aiogram.types import User as TgUser
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.entry.app import build_dispatcher, build_i18n
from bot.entry.offline import OfflineSession
from bot.rules.clock import FixedClock
from bot.rules.course import CourseCache
from bot.rules.privacy import erase_learner
from bot.telegram.handlers.admin import export
from db.enums import UserRole
from db.models import User, UserStats
from scheduler.jobs import Jobs
from scheduler.sender import Outgoing, Sender
from tests.support.chat import Chat
from tests.support.factories import T0, make_course
from tests.support.flows import finish_lesson, onboard

ADMIN_ID = 9001
MakeChat = Callable[..., Chat]


@pytest.fixture
def chat_as(
    session_factory: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    offline_session: OfflineSession,
) -> Callable[..., Chat]:
    dispatcher: Dispatcher = build_dispatcher(
        session_factory, clock, course_cache=CourseCache(ttl=0), admin_ids={ADMIN_ID}
    )

    def make(user_id: int, first_name: str = "Zoë", language: str = "en") -> Chat:
        user = TgUser(id=user_id, is_bot=False, first_name=first_name, language_code=language)
        return Chat(dispatcher, bot, offline_session, user)

    return make


def documents(chat: Chat) -> list[SendDocument]:
    return [method for method in chat.sent if isinstance(method, SendDocument)]


@pytest.fixture
def jobs(session_factory: async_sessionmaker[AsyncSession], bot: Bot, clock: FixedClock) -> Jobs:
    sender = Sender(bot, session_factory, clock, rate=1000, per_chat_interval=0)
    return Jobs(session_factory, sender, clock, build_i18n(), CourseCache(ttl=0))


async def two_learners_due_at_nine(session: AsyncSession, make_chat: MakeChat) -> list[Chat]:
    """Learners 501 and 502, onboarded for 09:00 in Berlin, with lessons left to push."""
    await make_course(session, [3], questions=1)
    await session.commit()
    chats = [make_chat(501), make_chat(502)]
    for chat in chats:
        await onboard(chat)
    return chats


async def daily_pushes_at_nine(
    jobs: Jobs, clock: FixedClock, offline_session: OfflineSession
) -> list[int | str]:
    """Run the daily-lessons job at 09:00 Berlin the next day; the chats it pushed to."""
    clock.set(datetime(2026, 11, 26, 8, 0, tzinfo=UTC))
    before = len(offline_session.calls)
    await jobs.daily_lessons()
    return [c.chat_id for c in offline_session.calls[before:] if isinstance(c, SendMessage)]


async def learner_count(session: AsyncSession, telegram_id: int) -> int:
    count = await session.scalar(
        sa.select(sa.func.count()).select_from(User).where(User.telegram_id == telegram_id)
    )
    return int(count or 0)


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", ["Telegram id", "time zone", "how long"]), ("ru", ["Telegram id", "часовой", "долго"])],
)
async def test_privacy_says_what_is_kept_why_for_how_long_and_how_to_take_it_out(
    make_chat: MakeChat, language: str, words: list[str]
) -> None:
    chat = make_chat(language_code=language)
    await chat.send("/privacy")
    text = chat.last_text()
    for word in [*words, "/export", "/deleteme"]:
        assert word.lower() in text.lower(), word


async def test_export_sends_the_learners_lessons_and_points_as_a_json_document(
    session: AsyncSession, make_chat: MakeChat, offline_session: OfflineSession
) -> None:
    await make_course(session, [2], questions=2)
    await session.commit()
    chat = make_chat(first_name="Zoë <b>")
    await onboard(chat)
    await finish_lesson(chat)

    await chat.send("/export")

    (sent,) = documents(chat)
    assert sent.document.filename == "learnbot-my-data.json"  # type: ignore[union-attr]
    data = json.loads(offline_session.uploads["learnbot-my-data.json"])
    assert data["profile"]["first_name"] == "Zoë <b>"
    assert data["profile"]["time_zone"] == "Europe/Berlin"
    assert [(p["lesson"], p["status"]) for p in data["progress"]] == [("Lesson 1.1", "COMPLETED")]
    stats = await session.scalar(sa.select(UserStats.points))
    assert data["stats"]["points"] == stats
    assert stats
    assert {award["for"] for award in data["points"]} >= {"Lesson 1.1"}
    assert data["progress"][0]["completed_at"] == "2026-11-25T12:00:00+00:00"


async def test_deleteme_asks_first_and_keeping_the_account_deletes_nothing(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    chat = make_chat()
    await onboard(chat)
    await chat.send("/deleteme")
    assert "progress" in chat.last_text()
    assert "/export" in chat.last_text()
    await chat.press_button("Keep")
    assert "Nothing was deleted" in chat.last_text()
    assert await learner_count(session, chat.user.id) == 1


async def test_deleteme_erases_the_learner_and_start_afterwards_is_a_brand_new_learner(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    await make_course(session, [2], questions=1)
    await session.commit()
    chat = make_chat(language_code="ru")
    await onboard(chat)
    await finish_lesson(chat)

    await chat.send("/deleteme")
    await chat.press_button("Да, удалить")

    assert "удалены" in chat.last_text()
    assert await learner_count(session, chat.user.id) == 0
    await chat.send("/start")
    assert "Привет" in chat.last_text()  # the welcome of a learner never seen before
    user = await session.scalar(sa.select(User).where(User.telegram_id == chat.user.id))
    assert user is not None
    assert user.onboarded_at is None
    assert await session.scalar(sa.select(UserStats.points)) == 0


async def test_an_admin_is_told_to_step_down_before_being_asked_to_delete_their_account(
    session: AsyncSession, chat_as: Callable[..., Chat]
) -> None:
    boss = chat_as(ADMIN_ID)
    sent = await boss.send("/deleteme")
    assert boss.texts(sent) == [
        "You are an admin: your account holds the record of your admin actions. Ask another "
        "admin to demote you (or the operator to remove you from ADMIN_IDS), then try again."
    ]
    assert boss.buttons() == []  # nothing destructive is offered
    assert await learner_count(session, ADMIN_ID) == 1


async def test_a_learner_promoted_after_being_asked_is_still_refused_at_the_tap(
    session: AsyncSession, chat_as: Callable[..., Chat]
) -> None:
    chat = chat_as(77)
    await chat.send("/deleteme")
    user = await session.scalar(sa.select(User).where(User.telegram_id == 77))
    assert user is not None
    user.role = UserRole.ADMIN
    await session.commit()
    await chat.press_button("Yes, delete")
    assert "You are an admin" in chat.last_text()
    assert await learner_count(session, 77) == 1


async def test_a_deleted_learner_gets_no_daily_push(
    session: AsyncSession,
    make_chat: MakeChat,
    jobs: Jobs,
    clock: FixedClock,
    offline_session: OfflineSession,
) -> None:
    leaving, _staying = await two_learners_due_at_nine(session, make_chat)
    await leaving.send("/deleteme")
    await leaving.press_button("Yes, delete")

    assert await daily_pushes_at_nine(jobs, clock, offline_session) == [502]


async def test_the_admins_csv_has_one_row_per_learner_with_their_numbers(
    session: AsyncSession,
    chat_as: Callable[..., Chat],
    offline_session: OfflineSession,
    clock: FixedClock,
) -> None:
    await make_course(session, [2], questions=1)
    await session.commit()
    learner = chat_as(501, language="ru")
    await onboard(learner)
    await finish_lesson(learner)
    await onboard(chat_as(502))
    boss = chat_as(ADMIN_ID, first_name="Boss")
    await boss.send("/start")

    await boss.send("/exportcsv")

    (sent,) = documents(boss)
    assert sent.chat_id == ADMIN_ID
    assert "3" in (sent.caption or "")
    rows = list(
        csv.DictReader(io.StringIO(offline_session.uploads["learners-2026-11-25.csv"].decode()))
    )
    assert [row["telegram_id"] for row in rows] == ["501", "502", str(ADMIN_ID)]
    stats = await session.scalar(
        sa.select(UserStats).join(User, User.id == UserStats.user_id).where(User.telegram_id == 501)
    )
    assert stats is not None
    assert rows[0] == {
        "telegram_id": "501", "first_name": "Zoë", "language": "ru", "lessons_done": "1",
        "points": str(stats.points), "level": str(stats.level), "streak": "1",
        "last_active": clock.now().isoformat(), "blocked": "false",
    }  # fmt: skip


async def test_a_learner_asking_for_the_admins_csv_gets_what_an_unknown_command_gets(
    make_chat: MakeChat,
) -> None:
    chat = make_chat()
    await chat.send("/exportcsv")
    await chat.send("/no-such-command")
    texts = chat.texts()
    assert texts[-1] == texts[-2]
    assert not documents(chat)


async def test_a_csv_above_the_upload_limit_goes_compressed_and_one_too_large_even_so_is_refused(
    session: AsyncSession,
    chat_as: Callable[..., Chat],
    offline_session: OfflineSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for telegram_id in range(1000, 1040):
        session.add(User(telegram_id=telegram_id, first_name="Learner", created_at=T0,
                         updated_at=T0))  # fmt: skip
    await session.commit()
    boss = chat_as(ADMIN_ID, first_name="Boss")
    monkeypatch.setattr(export, "UPLOAD_LIMIT", 1000)  # the plain file is about 2,500 bytes

    await boss.send("/exportcsv")

    packed = offline_session.uploads["learners-2026-11-25.csv.gz"]
    assert len(packed) <= 1000
    assert len(gzip.decompress(packed).decode().splitlines()) == 1 + 41
    assert "gzip" in (documents(boss)[-1].caption or "")

    monkeypatch.setattr(export, "UPLOAD_LIMIT", 10)
    await boss.send("/exportcsv")
    assert "learnbot export learners" in boss.last_text()
    assert len(documents(boss)) == 1


async def test_a_learner_erased_while_the_daily_job_is_sending_gets_nothing(
    session_factory: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    make_chat: MakeChat,
    jobs: Jobs,
    clock: FixedClock,
    offline_session: OfflineSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await two_learners_due_at_nine(session, make_chat)
    built = Jobs._pending

    async def erase_once_built(self: Jobs, *args: Any) -> list[Outgoing]:
        messages = await built(self, *args)  # the pushes are claimed and rendered: now erase
        assert {message.chat_id for message in messages} == {501, 502}
        async with session_factory() as other, other.begin():
            user = await other.scalar(sa.select(User).where(User.telegram_id == 501))
            assert user is not None
            await erase_learner(other, user)
        return messages

    monkeypatch.setattr(Jobs, "_pending", erase_once_built)

    assert await daily_pushes_at_nine(jobs, clock, offline_session) == [502]
