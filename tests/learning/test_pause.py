"""A pause of learning: it starts with the next local day, nothing is pushed meanwhile, the
paused days neither keep nor break the streak, drip waits, and a lesson or /resume ends it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from aiogram import Bot
from aiogram.methods import SendMessage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.entry.offline import OfflineSession
from bot.rules.clock import FixedClock
from bot.rules.course import load_course_map
from bot.rules.learning.pause import (
    PauseRefusal,
    PauseRefused,
    end_pause,
    is_paused,
    start_pause,
)
from bot.rules.learning.unlocks import LockReason, lesson_statuses, load_progress
from bot.rules.motivation.streaks import day_start, expire_streaks, shown_streak
from db.models import User, UserStats
from scheduler.jobs import Jobs
from tests.support.chat import Chat
from tests.support.factories import make_course, make_user, reload_stats
from tests.support.flows import onboard, take_quiz
from tests.support.scheduling import offline_jobs

BERLIN = ZoneInfo("Europe/Berlin")
MakeChat = Callable[..., Chat]


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


@pytest.fixture
def jobs(session_factory: async_sessionmaker[AsyncSession], bot: Bot, clock: FixedClock) -> Jobs:
    return offline_jobs(session_factory, bot, clock)


async def test_pause_and_resume_in_the_chat(
    session: AsyncSession, make_chat: MakeChat, clock: FixedClock
) -> None:
    await make_course(session, [2])
    await session.commit()
    chat = make_chat()
    await onboard(chat)  # Berlin
    clock.set(at("2026-06-01T10:00Z"))
    sent = await chat.send("/resume")
    assert chat.texts(sent) == ["You are not paused. To take a break: /pause"]
    sent = await chat.send("/pause")
    assert "From tomorrow, I send nothing" in chat.texts(sent)[0]
    assert [label for label, _ in chat.buttons()] == [
        "3 days",
        "a week",
        "14 days",
        "until I come back",
    ]
    sent = await chat.press_button("a week")
    assert chat.texts(sent)[0].startswith("⏸ Paused from 2026-06-02 to 2026-06-08.")
    sent = await chat.send("/pause")
    assert chat.texts(sent) == ["⏸ You are already paused until 2026-06-08. /resume ends it."]
    clock.set(at("2026-06-04T10:00Z"))
    sent = await chat.send("/resume")
    assert chat.texts(sent)[0].startswith("▶️ Welcome back!")
    user = await session.scalar(sa.select(User).execution_options(populate_existing=True))
    assert user is not None
    assert (user.paused_from, user.paused_until) == (
        day_start(BERLIN, date(2026, 6, 2)),
        day_start(BERLIN, date(2026, 6, 4)),  # the pause covered 2 and 3 June
    )
    sent = await chat.send("/resume")
    assert chat.texts(sent) == ["You are not paused. To take a break: /pause"]


async def test_a_pause_starts_tomorrow_and_is_at_most_thirty_days(session: AsyncSession) -> None:
    user = await make_user(session, zone="Europe/Berlin")
    now = at("2026-06-01T21:30Z")  # 23:30 in Berlin
    pause = await start_pause(session, user, 365, now)
    assert not isinstance(pause, PauseRefused)
    assert (pause.first_day, pause.last_day) == (date(2026, 6, 2), date(2026, 7, 1))
    assert not is_paused(user, now)  # today is an ordinary day
    assert is_paused(user, at("2026-06-01T22:00Z"))  # Berlin's midnight
    assert not is_paused(user, day_start(BERLIN, date(2026, 7, 2)))  # ended by itself
    twice = await start_pause(session, user, 3, now)
    assert isinstance(twice, PauseRefused)
    assert twice.reason is PauseRefusal.ALREADY_PAUSED


async def test_paused_days_neither_keep_nor_break_the_streak(session: AsyncSession) -> None:
    await make_course(session, [4], questions=1)
    user = await make_user(session, zone="Europe/Berlin")
    course = await load_course_map(session)
    await take_quiz(session, course, user, course.lessons[0].id, at("2026-06-01T08:00Z"), [0])
    await take_quiz(session, course, user, course.lessons[1].id, at("2026-06-02T08:00Z"), [0])
    await start_pause(session, user, 7, at("2026-06-02T09:00Z"))  # 3 to 9 June paused
    for day in range(3, 11):  # the streak job runs every day of the pause and the next
        await expire_streaks(session, "Europe/Berlin", date(2026, 6, day))
    stats = await reload_stats(session, user.id)
    assert (stats.current_streak, stats.streak_freezes, stats.frozen_days) == (2, 0, 0)
    assert shown_streak(stats, BERLIN, date(2026, 6, 10)) == 2
    # 10 June, the day after the pause: the streak goes on.
    await take_quiz(session, course, user, course.lessons[2].id, at("2026-06-10T08:00Z"), [0])
    assert (await reload_stats(session, user.id)).current_streak == 3


async def test_a_pause_cannot_mend_a_day_already_missed(session: AsyncSession) -> None:
    await make_course(session, [3], questions=1)
    user = await make_user(session, zone="Europe/Berlin")
    course = await load_course_map(session)
    await take_quiz(session, course, user, course.lessons[0].id, at("2026-06-01T08:00Z"), [0])
    # 2 June missed, then a pause from 4 June: 2 and 3 June stay missed days.
    await start_pause(session, user, 3, at("2026-06-03T20:00Z"))
    await take_quiz(session, course, user, course.lessons[1].id, at("2026-06-07T08:00Z"), [0])
    assert (await reload_stats(session, user.id)).current_streak == 1


async def test_a_lesson_ends_the_pause_early_and_that_day_counts(session: AsyncSession) -> None:
    await make_course(session, [3], questions=1)
    user = await make_user(session, zone="Europe/Berlin")
    course = await load_course_map(session)
    await take_quiz(session, course, user, course.lessons[0].id, at("2026-06-01T08:00Z"), [0])
    await start_pause(session, user, 14, at("2026-06-01T09:00Z"))  # from 2 June
    await take_quiz(session, course, user, course.lessons[1].id, at("2026-06-04T08:00Z"), [0])
    assert not is_paused(user, at("2026-06-05T08:00Z"))
    stats = await reload_stats(session, user.id)
    assert stats.current_streak == 2  # 2 and 3 June paused, 4 June counted
    assert stats.streak_day_ends_at == day_start(BERLIN, date(2026, 6, 5))
    assert await end_pause(session, user, at("2026-06-05T08:00Z")) is None


async def test_drip_waits_while_paused(session: AsyncSession) -> None:
    await make_course(session, [3], questions=1, drip={1: 2})
    user = await make_user(session, zone="Europe/Berlin")
    course = await load_course_map(session)
    await take_quiz(session, course, user, course.lessons[0].id, at("2026-06-01T08:00Z"), [0])
    await start_pause(session, user, 3, at("2026-06-01T09:00Z"))  # 2, 3 and 4 June
    progress = await load_progress(session, user.id)
    second = lesson_statuses(course, progress, user, at("2026-06-01T09:00Z"))[1]
    assert second.reason is LockReason.DRIP
    assert second.opens_on == date(2026, 6, 6)  # 2 days of drip, not counting 3 paused


async def test_nothing_is_pushed_to_a_paused_learner(
    session: AsyncSession, jobs: Jobs, clock: FixedClock, offline_session: OfflineSession
) -> None:
    await make_course(session, [3])
    paused = await make_user(session, 1, zone="UTC", lesson_minute=9 * 60)
    other = await make_user(session, 2, zone="UTC", lesson_minute=9 * 60)
    for user in (paused, other):
        session.add(UserStats(user_id=user.id, updated_at=datetime(2026, 1, 1, tzinfo=UTC)))
    await start_pause(session, paused, 3, at("2026-06-01T12:00Z"))  # 2 to 4 June
    await session.commit()

    def chats() -> list[int]:
        return [int(c.chat_id) for c in offline_session.calls if isinstance(c, SendMessage)]

    for day in range(2, 6):
        before = len(chats())
        clock.set(datetime(2026, 6, day, 9, 5, tzinfo=UTC))
        await jobs.daily_lessons()
        got = chats()[before:]
        assert got == ([2] if day < 5 else [1, 2]), (day, got)
