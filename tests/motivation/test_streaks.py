"""Fair streaks: the day rule across time zones and daylight saving, and freezes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

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
from bot.rules.reach.pushes import streak_reminder_minute
from db.models import User, UserStats
from tests.support.factories import T0, make_course, make_user, reload_stats
from tests.support.flows import take_quiz

BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


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


@pytest.mark.parametrize(
    ("usual", "lesson", "expected"),
    [
        (None, 9 * 60, 20 * 60),  # no habit yet: 20:00
        (7, 9 * 60, 11 * 60),  # 2 hours after the lesson push at least
        (21, 9 * 60, 21 * 60),
        (23, 9 * 60, 22 * 60),  # never after 22:00
        (None, 19 * 60 + 30, 21 * 60 + 30),
        (None, 21 * 60, None),  # no room between the lesson push and 22:00
    ],
)
def test_the_streak_reminder_minute(usual: int | None, lesson: int, expected: int | None) -> None:
    assert streak_reminder_minute(usual, lesson) == expected
