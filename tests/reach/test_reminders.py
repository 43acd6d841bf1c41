"""Reminder hours and back-off, travelling in time with the injected clock (the freezes the
streak job uses are in tests/motivation/test_streaks.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from aiogram import Bot
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.entry.offline import OfflineSession
from bot.rules.clock import FixedClock
from bot.rules.course import load_course_map
from db.models import User, UserStats
from scheduler.jobs import Jobs
from tests.support.chat import Chat
from tests.support.factories import T0, make_course, make_user, reload_stats
from tests.support.flows import take_quiz
from tests.support.scheduling import offline_jobs, sent_texts

BERLIN = ZoneInfo("Europe/Berlin")
RECENTLY = datetime(2026, 5, 29, 8, 0, tzinfo=UTC)  # not away: reminders are not paused


@pytest.fixture
def jobs(session_factory: async_sessionmaker[AsyncSession], bot: Bot, clock: FixedClock) -> Jobs:
    return offline_jobs(session_factory, bot, clock)


async def reminder_times(jobs: Jobs, clock: FixedClock, offline: OfflineSession) -> list[str]:
    """Local times (Berlin) of the streak reminders sent over 2 June, every 15 minutes."""
    times = []
    start = datetime(2026, 6, 1, 22, 0, tzinfo=UTC)  # 00:00 on 2 June in Berlin
    for step in range(96):
        clock.set(start + timedelta(minutes=15 * step))
        before = len(sent_texts(offline))
        await jobs.streak_reminders()
        times += [f"{clock.now().astimezone(BERLIN):%H:%M}"] * (len(sent_texts(offline)) - before)
    return times


async def test_the_streak_reminder_goes_at_the_learners_usual_hour(
    session: AsyncSession, jobs: Jobs, clock: FixedClock, offline_session: OfflineSession
) -> None:
    await make_course(session, [4], questions=1)
    user = await make_user(session, 1, zone="Europe/Berlin", last_seen_at=RECENTLY)
    session.add(UserStats(user_id=user.id, updated_at=T0))
    course = await load_course_map(session)
    for day, lesson in zip((30, 31), course.lessons, strict=False):  # 21:15 in Berlin, twice
        when = datetime(2026, 5, day, 19, 15, tzinfo=UTC)
        await take_quiz(session, course, user, lesson.id, when, [0])
    await take_quiz(
        session, course, user, course.lessons[2].id, datetime(2026, 6, 1, 8, 0, tzinfo=UTC), [0]
    )
    await session.commit()
    assert (await reload_stats(session, user.id)).usual_hour == 21
    assert await reminder_times(jobs, clock, offline_session) == ["21:00"]


async def test_without_a_habit_the_reminder_goes_at_20_and_never_after_22(
    session: AsyncSession, jobs: Jobs, clock: FixedClock, offline_session: OfflineSession
) -> None:
    await make_course(session, [2])
    for telegram_id, lesson_minute in ((1, 9 * 60), (2, 21 * 60), (3, 19 * 60 + 30)):
        await make_user(
            session,
            telegram_id,
            zone="Europe/Berlin",
            lesson_minute=lesson_minute,
            last_seen_at=RECENTLY,
        )
    for user in await session.scalars(sa.select(User)):
        session.add(
            UserStats(
                user_id=user.id, current_streak=3, last_active_date=date(2026, 6, 1), updated_at=T0
            )
        )
    await session.commit()
    assert await reminder_times(jobs, clock, offline_session) == ["20:00", "21:30"]


async def daily_pushes(
    jobs: Jobs, clock: FixedClock, offline: OfflineSession, days: range
) -> dict[int, str]:
    """Day of June -> the push sent at 09:05 Berlin that day ('lesson' or 'paused')."""
    got = {}
    for day in days:
        clock.set(datetime(2026, 6, day, 7, 5, tzinfo=UTC))
        before = len(sent_texts(offline))
        await jobs.daily_lessons()
        await jobs.streak_reminders()  # it sends the reminders-paused message
        for text in sent_texts(offline)[before:]:
            got[day] = "paused" if "paused" in text else "lesson"
    return got


async def away_since_31_may(session: AsyncSession) -> None:
    """A course, and learner 501 in Berlin (lessons at 09:00) last seen on 31 May."""
    await make_course(session, [3])
    user = await make_user(
        session,
        501,
        zone="Europe/Berlin",
        lesson_minute=9 * 60,
        last_seen_at=datetime(2026, 5, 31, 10, 0, tzinfo=UTC),
    )
    session.add(UserStats(user_id=user.id, updated_at=T0))
    await session.commit()


async def test_pushes_back_off_after_3_and_pause_after_14_ignored_days_until_the_learner_returns(
    session: AsyncSession,
    jobs: Jobs,
    clock: FixedClock,
    offline_session: OfflineSession,
    make_chat: Callable[..., Chat],
) -> None:
    await away_since_31_may(session)
    got = await daily_pushes(jobs, clock, offline_session, range(1, 20))
    assert got == {
        **{day: "lesson" for day in (1, 2, 3, 5, 7, 9, 11, 13)},
        15: "paused",  # 14 days after the last visit: one last message
    }
    clock.set(datetime(2026, 6, 20, 12, 0, tzinfo=UTC))
    await make_chat(501).send("/settings")  # the learner comes back
    assert await daily_pushes(jobs, clock, offline_session, range(21, 25)) == {
        21: "lesson",
        22: "lesson",
        23: "lesson",
    }


def sample(name: str, kind: str) -> float:
    return REGISTRY.get_sample_value(name, {"kind": kind}) or 0.0


async def test_metrics_count_pushes_by_kind_and_the_visits_that_followed_within_a_day(
    session: AsyncSession,
    jobs: Jobs,
    clock: FixedClock,
    offline_session: OfflineSession,
    make_chat: Callable[..., Chat],
) -> None:
    await away_since_31_may(session)
    sent = sample("learnbot_pushes_by_kind_total", "daily_lesson")
    followed = sample("learnbot_push_follow_ups_total", "daily_lesson")
    assert await daily_pushes(jobs, clock, offline_session, range(1, 2)) == {1: "lesson"}
    clock.set(datetime(2026, 6, 1, 18, 0, tzinfo=UTC))  # the same evening
    await make_chat(501).send("/learn")
    clock.advance(hours=2)
    await make_chat(501).send("/learn")  # a second visit answers nothing more
    assert sample("learnbot_pushes_by_kind_total", "daily_lesson") == sent + 1
    assert sample("learnbot_push_follow_ups_total", "daily_lesson") == followed + 1
