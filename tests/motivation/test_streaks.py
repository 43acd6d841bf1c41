"""Fair streaks: the day rule across time zones and daylight saving, freezes (the streak
job uses them, the learner is told), the usual learning hour."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rules.clock import FixedClock
from bot.rules.course import CourseMap, load_course_map
from bot.rules.motivation.streaks import (
    StreakStep,
    day_start,
    expire_streaks,
    missed_days,
    shown_streak,
    streak_step,
    usual_hour_of,
)
from db.models import User, UserStats
from scheduler.jobs import Jobs
from tests.support.chat import Chat
from tests.support.factories import T0, make_course, make_user, reload_stats
from tests.support.flows import take_quiz
from tests.support.scheduling import offline_jobs

BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")
RECENTLY = datetime(2026, 5, 29, 8, 0, tzinfo=UTC)  # not away: reminders are not paused


@pytest.fixture
def jobs(session_factory: async_sessionmaker[AsyncSession], bot: Bot, clock: FixedClock) -> Jobs:
    return offline_jobs(session_factory, bot, clock)


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


async def stats_of(session: AsyncSession, user: User) -> UserStats:
    return await reload_stats(session, user.id)


async def complete(
    session: AsyncSession, course: CourseMap, user: User, index: int, when: datetime
) -> None:
    lesson = course.lessons[index]
    await take_quiz(session, course, user, lesson.id, when, [0] * len(lesson.questions))


async def streak_after(
    session: AsyncSession, course: CourseMap, user: User, index: int, when: str
) -> UserStats:
    lesson = course.lessons[index]
    await take_quiz(session, course, user, lesson.id, at(when), [0] * len(lesson.questions))
    return await reload_stats(session, user.id)


async def test_moving_from_berlin_to_tokyo_late_in_the_evening_adds_no_day(
    session: AsyncSession,
) -> None:
    await make_course(session, [3], questions=1)
    user = await make_user(session, zone="Europe/Berlin")
    course = await load_course_map(session)
    assert (await streak_after(session, course, user, 0, "2026-06-01T20:30Z")).current_streak == 1
    user.time_zone = "Asia/Tokyo"  # 22:40 in Berlin is already 05:40 tomorrow in Tokyo
    assert (await streak_after(session, course, user, 1, "2026-06-01T20:40Z")).current_streak == 1
    # The next Tokyo day starts after the Berlin day ended: that one counts.
    assert (await streak_after(session, course, user, 2, "2026-06-02T16:00Z")).current_streak == 2


async def test_moving_from_tokyo_to_berlin_adds_no_day_and_keeps_the_streak(
    session: AsyncSession,
) -> None:
    await make_course(session, [3], questions=1)
    user = await make_user(session, zone="Asia/Tokyo")
    course = await load_course_map(session)
    assert (await streak_after(session, course, user, 0, "2026-06-01T23:00Z")).current_streak == 1
    user.time_zone = "Europe/Berlin"  # 08:00 on 2 June in Tokyo, 01:10 on 2 June in Berlin
    assert (await streak_after(session, course, user, 1, "2026-06-01T23:10Z")).current_streak == 1
    stats = await streak_after(session, course, user, 2, "2026-06-02T22:30Z")  # 00:30, 3 June
    assert stats.current_streak == 2
    assert stats.streak_day_ends_at == day_start(BERLIN, date(2026, 6, 4))


@pytest.mark.parametrize(
    ("zone", "instants", "expected"),
    [
        # Berlin: Saturday 23:59, Sunday 29 March 23:59 (a 23-hour day), Monday 00:00.
        (
            "Europe/Berlin",
            ["2026-03-28T22:59Z", "2026-03-29T21:59Z", "2026-03-29T22:00Z"],
            [1, 2, 3],
        ),
        # Berlin: Sunday 25 October 00:00 and 23:59 (one 25-hour day), Monday 00:00.
        (
            "Europe/Berlin",
            ["2026-10-24T22:00Z", "2026-10-25T22:59Z", "2026-10-25T23:00Z"],
            [1, 1, 2],
        ),
    ],
)
async def test_daylight_saving_weekends_neither_break_nor_double_a_day(
    session: AsyncSession, zone: str, instants: list[str], expected: list[int]
) -> None:
    await make_course(session, [len(instants)], questions=1)
    user = await make_user(session, zone=zone)
    course = await load_course_map(session)
    streaks = [
        (await streak_after(session, course, user, index, instant)).current_streak
        for index, instant in enumerate(instants)
    ]
    assert streaks == expected


def test_a_local_day_is_as_long_as_the_clock_says() -> None:
    spring = day_start(BERLIN, date(2026, 3, 30)) - day_start(BERLIN, date(2026, 3, 29))
    autumn = day_start(BERLIN, date(2026, 10, 26)) - day_start(BERLIN, date(2026, 10, 25))
    assert (spring, autumn) == (timedelta(hours=23), timedelta(hours=25))


def stats_row(streak: int, ends: datetime | None, freezes: int = 0) -> UserStats:
    return UserStats(
        current_streak=streak,
        longest_streak=streak,
        streak_day_ends_at=ends,
        streak_freezes=freezes,
        frozen_days=0,
        last_active_date=None,
    )


@pytest.mark.parametrize(
    ("freezes", "now", "step", "streak", "used"),
    [
        (0, "2026-06-02T10:00Z", StreakStep.SAME_DAY, 4, 0),  # still 2 June in Berlin
        (0, "2026-06-03T10:00Z", StreakStep.GREW, 5, 0),
        (0, "2026-06-04T10:00Z", StreakStep.RESTARTED, 1, 0),  # 3 June missed
        (1, "2026-06-04T10:00Z", StreakStep.FROZEN, 5, 1),
        (1, "2026-06-05T10:00Z", StreakStep.RESTARTED, 1, 0),  # two missed, one freeze
        (2, "2026-06-05T10:00Z", StreakStep.FROZEN, 5, 2),
        (2, "2026-06-06T10:00Z", StreakStep.RESTARTED, 1, 0),  # a third missed day
    ],
)
def test_a_missed_day_takes_a_freeze_or_restarts_the_streak(
    freezes: int, now: str, step: StreakStep, streak: int, used: int
) -> None:
    stats = stats_row(4, day_start(BERLIN, date(2026, 6, 3)), freezes)  # 2 June counted
    change = streak_step(stats, BERLIN, at(now))
    assert (change.step, change.streak, change.freezes_used) == (step, streak, used)


def test_the_shown_streak_counts_freezes_in() -> None:
    stats = stats_row(7, day_start(BERLIN, date(2026, 6, 3)), freezes=1)
    assert shown_streak(stats, BERLIN, date(2026, 6, 4)) == 7  # 3 June is covered
    assert shown_streak(stats, BERLIN, date(2026, 6, 5)) == 0
    assert missed_days(day_start(BERLIN, date(2026, 6, 3)), BERLIN, date(2026, 6, 9)) == 3


async def test_a_freeze_is_earned_every_five_days_and_at_most_two_are_held(
    session: AsyncSession,
) -> None:
    await make_course(session, [16], questions=1)
    user = await make_user(session, zone="Europe/Berlin")
    course = await load_course_map(session)
    held = []
    for day in range(16):
        when = (datetime(2026, 6, 1, 8, tzinfo=UTC) + timedelta(days=day)).isoformat()
        held.append((await streak_after(session, course, user, day, when)).streak_freezes)
    assert held[3:5] == [0, 1]  # day 5
    assert held[8:10] == [1, 2]  # day 10
    assert held[14:] == [2, 2]  # day 15: already two


async def test_the_streak_job_uses_freezes_and_never_raises_a_streak(
    session: AsyncSession,
) -> None:
    users = [await make_user(session, index, zone="Europe/Berlin") for index in range(1, 4)]
    ends = day_start(BERLIN, date(2026, 6, 2))  # 1 June was the last counted day
    for user, (streak, freezes) in zip(users, [(9, 1), (9, 0), (0, 2)], strict=True):
        session.add(
            UserStats(
                user_id=user.id,
                current_streak=streak,
                longest_streak=9,
                streak_day_ends_at=ends,
                streak_freezes=freezes,
                updated_at=T0,
            )
        )
    await session.flush()
    for _ in range(2):  # a second run the same day changes nothing more
        await expire_streaks(session, "Europe/Berlin", date(2026, 6, 3))
    rows = {
        row.user_id: row
        for row in await session.scalars(
            sa.select(UserStats).execution_options(populate_existing=True)
        )
    }
    frozen, lapsed, none = (rows[user.id] for user in users)
    assert (frozen.current_streak, frozen.streak_freezes, frozen.frozen_days) == (9, 0, 1)
    assert (frozen.last_frozen_date, frozen.freeze_notice) == (date(2026, 6, 2), 9)
    assert (lapsed.current_streak, lapsed.freeze_notice) == (0, None)
    assert (none.current_streak, none.streak_freezes) == (0, 2)


def test_the_usual_hour_is_the_most_common_local_hour() -> None:
    times = [at("2026-06-01T19:10Z"), at("2026-06-02T19:50Z"), at("2026-06-03T06:00Z")]
    assert usual_hour_of(times, BERLIN) == 21
    assert usual_hour_of([], BERLIN) is None
    tie = [at("2026-06-01T06:00Z"), at("2026-06-02T19:00Z")]
    assert usual_hour_of(tie, BERLIN) == 21  # the latest of the tied hours


STREAK_CASES = [
    # (zone, completion instants in UTC, expected streak after each)
    # UTC−10: 23:59 and 00:01 local are different days.
    ("Pacific/Honolulu", ["2026-03-02T09:59Z", "2026-03-02T10:01Z"], [1, 2]),
    # UTC−10: two completions on the same local day (across the UTC midnight).
    ("Pacific/Honolulu", ["2026-03-01T20:00Z", "2026-03-02T09:00Z"], [1, 1]),
    # UTC+5:30: 00:10 and 23:50 local of consecutive days, then a missed day.
    ("Asia/Kolkata", ["2026-03-01T18:40Z", "2026-03-03T18:20Z", "2026-03-05T10:00Z"], [1, 2, 1]),
    # UTC+13: the local day starts at 11:00Z.
    ("Pacific/Tongatapu", ["2026-03-01T10:59Z", "2026-03-01T11:00Z", "2026-03-02T11:00Z"],
     [1, 2, 3]),
    # Berlin across spring forward (29 Mar 2026, 23 hours long).
    ("Europe/Berlin", ["2026-03-28T22:30Z", "2026-03-29T21:30Z", "2026-03-29T22:30Z"], [1, 2, 3]),
    # Berlin across fall back (25 Oct 2026, 25 hours long): no double day.
    ("Europe/Berlin", ["2026-10-24T21:59Z", "2026-10-25T22:59Z", "2026-10-25T23:00Z"], [1, 2, 3]),
    # New York across spring forward (8 Mar 2026) and fall back (1 Nov 2026).
    ("America/New_York", ["2026-03-08T04:59Z", "2026-03-09T03:59Z"], [1, 2]),
    # …and 01:30 twice on 1 Nov (the repeated hour) is one day.
    ("America/New_York", ["2026-11-01T05:30Z", "2026-11-01T06:30Z", "2026-11-02T04:59Z",
                          "2026-11-02T05:00Z"], [1, 1, 1, 2]),
    # A missed local day resets; the next activity starts at one.
    ("UTC", ["2026-03-02T12:00Z", "2026-03-03T12:00Z", "2026-03-05T12:00Z"], [1, 2, 1]),
]  # fmt: skip


@pytest.mark.parametrize(("zone", "instants", "expected"), STREAK_CASES)
async def test_streaks_follow_the_learners_local_days(
    session: AsyncSession, zone: str, instants: list[str], expected: list[int]
) -> None:
    await make_course(session, [len(instants)], questions=1)
    user = await make_user(session, zone=zone)
    course = await load_course_map(session)
    streaks = []
    for index, instant in enumerate(instants):
        await complete(session, course, user, index, at(instant))
        streaks.append((await stats_of(session, user)).current_streak)
    assert streaks == expected
    assert (await stats_of(session, user)).longest_streak == max(expected)


async def learner_with_streak(
    session: AsyncSession, telegram_id: int, streak: int, freezes: int, last: date
) -> User:
    user = await make_user(
        session, telegram_id, zone="Europe/Berlin", last_seen_at=RECENTLY, lesson_minute=9 * 60
    )
    session.add(
        UserStats(
            user_id=user.id,
            current_streak=streak,
            longest_streak=streak,
            last_active_date=last,
            streak_day_ends_at=day_start(BERLIN, last + timedelta(days=1)),
            streak_freezes=freezes,
            updated_at=T0,
        )
    )
    await session.commit()
    return user


async def test_a_freeze_saves_the_streak_on_a_missed_day_and_the_learner_is_told(
    session: AsyncSession,
    jobs: Jobs,
    clock: FixedClock,
    make_chat: Callable[..., Chat],
) -> None:
    await make_course(session, [2])
    user = await learner_with_streak(session, 501, streak=12, freezes=1, last=date(2026, 6, 1))
    clock.set(datetime(2026, 6, 3, 6, 0, tzinfo=UTC))  # 08:00 on 3 June: 2 June was missed
    await jobs.streak_reminders()
    await jobs.streak_reminders()
    stats = await reload_stats(session, user.id)
    assert (stats.current_streak, stats.streak_freezes, stats.frozen_days) == (12, 0, 1)
    assert stats.last_frozen_date == date(2026, 6, 2)
    chat = make_chat(501)
    clock.set(datetime(2026, 6, 3, 7, 0, tzinfo=UTC))
    texts = chat.texts(await chat.send("/progress"))
    assert "❄️ Your streak freeze saved your 12-day streak." in texts
    progress = next(text for text in texts if "progress" in text)
    assert "Streak: 12 days" in progress
    assert "Streak freezes: 0 of 2 · frozen days: 1" in progress
    clock.advance(hours=2)
    assert not any("freeze saved" in text for text in chat.texts(await chat.send("/progress")))


async def test_a_third_missed_day_with_no_freeze_left_resets_the_streak(
    session: AsyncSession, jobs: Jobs, clock: FixedClock
) -> None:
    user = await learner_with_streak(session, 1, streak=10, freezes=2, last=date(2026, 6, 1))
    seen = []
    for day in (3, 4, 5):  # 2, 3 and 4 June missed, the job running every hour
        for hour in range(0, 24, 6):
            clock.set(datetime(2026, 6, day, hour, 30, tzinfo=UTC))
            await jobs.streak_reminders()
        stats = await reload_stats(session, user.id)
        seen.append((stats.current_streak, stats.streak_freezes))
    assert seen == [(10, 1), (10, 0), (0, 0)]


async def test_a_missed_dst_weekend_day_is_frozen_once(
    session: AsyncSession, jobs: Jobs, clock: FixedClock
) -> None:
    user = await learner_with_streak(session, 1, streak=6, freezes=1, last=date(2026, 3, 28))
    clock.set(datetime(2026, 3, 29, 22, 30, tzinfo=UTC))  # 00:30 on Monday 30 March, CEST
    await jobs.streak_reminders()
    stats = await reload_stats(session, user.id)
    assert (stats.current_streak, stats.streak_freezes, stats.last_frozen_date) == (
        6,
        0,
        date(2026, 3, 29),
    )
