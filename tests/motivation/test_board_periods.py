"""The periods of the leaderboards in UTC: where a day, a week and a month start and end,
how they are named, and which ends a refresh passes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.rules.motivation.board_periods import (
    ends_between,
    label,
    next_start,
    period_start,
    previous_start,
)
from db.enums import BoardPeriod

DAY, WEEK, MONTH = BoardPeriod.DAY, BoardPeriod.WEEK, BoardPeriod.MONTH


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("now", "week"),
    [
        (at(2026, 11, 29, 23, 59, 59), at(2026, 11, 23)),  # Sunday's last second
        (at(2026, 11, 30, 0, 0, 0), at(2026, 11, 30)),  # Monday 00:00 starts the next
        (at(2026, 11, 25, 12), at(2026, 11, 23)),
    ],
)
def test_a_week_runs_from_monday_midnight_to_sunday_23_59_59_utc(
    now: datetime, week: datetime
) -> None:
    assert period_start(WEEK, now) == week


@pytest.mark.parametrize(
    ("now", "month"),
    [
        (at(2026, 11, 30, 23, 59, 59), at(2026, 11, 1)),
        (at(2026, 12, 1), at(2026, 12, 1)),
        (at(2026, 12, 31, 23, 59, 59), at(2026, 12, 1)),
        (at(2027, 1, 1), at(2027, 1, 1)),  # a new year
        (at(2028, 2, 29, 23, 59, 59), at(2028, 2, 1)),  # the leap day is February's
        (at(2028, 3, 1), at(2028, 3, 1)),
    ],
)
def test_a_month_runs_from_the_first_to_its_last_day_utc(now: datetime, month: datetime) -> None:
    assert period_start(MONTH, now) == month


def test_the_leap_day_is_a_day_of_its_own_and_february_ends_after_it() -> None:
    assert period_start(DAY, at(2028, 2, 29, 23, 59, 59)) == at(2028, 2, 29)
    assert next_start(DAY, at(2028, 2, 28)) == at(2028, 2, 29)
    assert next_start(MONTH, at(2028, 2, 1)) == at(2028, 3, 1)
    assert next_start(MONTH, at(2027, 2, 1)) == at(2027, 3, 1)
    assert next_start(MONTH, at(2026, 12, 1)) == at(2027, 1, 1)


def test_last_week_and_last_month_are_the_periods_before_now() -> None:
    monday = at(2026, 11, 30)
    assert previous_start(WEEK, monday) == at(2026, 11, 23)
    assert previous_start(WEEK, monday.replace(second=1)) == at(2026, 11, 23)
    assert previous_start(MONTH, at(2028, 3, 1)) == at(2028, 2, 1)
    assert previous_start(MONTH, at(2027, 1, 15)) == at(2026, 12, 1)


def test_periods_are_named_as_iso_weeks_and_months() -> None:
    assert label(WEEK, date(2026, 11, 23)) == "2026-W48"
    assert label(WEEK, date(2026, 12, 28)) == "2026-W53"
    assert label(WEEK, date(2027, 1, 4)) == "2027-W01"
    assert label(MONTH, date(2028, 2, 1)) == "2028-02"


def test_the_ends_a_refresh_passes_are_listed_oldest_first_with_what_ends_there() -> None:
    assert list(ends_between(at(2026, 11, 29, 23, 59, 59), at(2026, 11, 30))) == [
        (at(2026, 11, 30), [WEEK])
    ]
    assert list(ends_between(at(2026, 11, 30), at(2026, 11, 30, 0, 5))) == []
    # Down from Saturday to Wednesday: a week and a month end on the way.
    assert list(ends_between(at(2026, 11, 28), at(2026, 12, 2))) == [
        (at(2026, 11, 30), [WEEK]),
        (at(2026, 12, 1), [MONTH]),
    ]
    # A Monday the 1st ends both.
    assert list(ends_between(at(2027, 2, 28, 12), at(2027, 3, 1, 0, 1))) == [
        (at(2027, 3, 1), [WEEK, MONTH])
    ]
