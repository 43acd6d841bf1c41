"""The periods a leaderboard counts points over, in UTC.

- Today: since 00:00 UTC. This week: since Monday 00:00 UTC. This month: since the 1st,
  00:00 UTC. All time: every point.
- A period ends where the next one starts: points stamped Sunday 23:59:59 belong to that
  week, points stamped Monday 00:00:00 to the next (ledger times are whole seconds).
- Weeks are named as ISO weeks ("2026-W48": the week of Thursday 26 November 2026), months
  as "2026-11", days as "2026-11-25".
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import InstrumentedAttribute

from db.enums import BoardPeriod
from db.models import LeaderboardCache

# The periods whose end is kept as a snapshot (the top 100 as it was).
KEPT = (BoardPeriod.WEEK, BoardPeriod.MONTH)
# The periods that restart: their points are counted from the ledger since their start.
RESTARTING = (BoardPeriod.DAY, BoardPeriod.WEEK, BoardPeriod.MONTH)
# The last instant a ledger row can carry and still belong to a period that ends at `end`.
LAST_SECOND = timedelta(seconds=1)
ALL_TIME_START = datetime(1970, 1, 1, tzinfo=UTC)


def day_start(now: datetime) -> datetime:
    return datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)


def week_start(now: datetime) -> datetime:
    """Monday 00:00 UTC of the week that contains `now`."""
    return day_start(now) - timedelta(days=now.weekday())


def month_start(now: datetime) -> datetime:
    return day_start(now).replace(day=1)


def period_start(period: BoardPeriod, now: datetime) -> datetime:
    match period:
        case BoardPeriod.DAY:
            return day_start(now)
        case BoardPeriod.WEEK:
            return week_start(now)
        case BoardPeriod.MONTH:
            return month_start(now)
        case BoardPeriod.ALL_TIME:
            return ALL_TIME_START


def next_start(period: BoardPeriod, start: datetime) -> datetime:
    """Where the period that starts at `start` ends."""
    match period:
        case BoardPeriod.DAY:
            return start + timedelta(days=1)
        case BoardPeriod.WEEK:
            return start + timedelta(days=7)
        case BoardPeriod.MONTH:
            return (start + timedelta(days=32)).replace(day=1)
        case BoardPeriod.ALL_TIME:
            raise ValueError("all time never ends")


def previous_start(period: BoardPeriod, now: datetime) -> datetime:
    """The start of the period before the one that contains `now` ("last week")."""
    return period_start(period, period_start(period, now) - LAST_SECOND)


def ends_between(after: datetime, until: datetime) -> Iterator[tuple[datetime, list[BoardPeriod]]]:
    """Each instant in (after, until] where a kept period ends, with the periods ending
    there (a Monday the 1st ends both), oldest first."""
    ends: dict[datetime, list[BoardPeriod]] = {}
    for period in KEPT:
        end = next_start(period, period_start(period, after))
        while end <= until:
            ends.setdefault(end, []).append(period)
            end = next_start(period, end)
    for end in sorted(ends):
        yield end, ends[end]


def label(period: BoardPeriod, start: date) -> str:
    """How a learner reads a period: 2026-W48, 2026-11, 2026-11-25."""
    match period:
        case BoardPeriod.WEEK:
            year, week, _day = start.isocalendar()
            return f"{year}-W{week:02d}"
        case BoardPeriod.MONTH:
            return f"{start:%Y-%m}"
        case _:
            return start.isoformat()


def points_column(period: BoardPeriod) -> InstrumentedAttribute[int]:
    """The column of `leaderboard_cache` that holds a learner's points of the period."""
    return {
        BoardPeriod.DAY: LeaderboardCache.day_points,
        BoardPeriod.WEEK: LeaderboardCache.week_points,
        BoardPeriod.MONTH: LeaderboardCache.month_points,
        BoardPeriod.ALL_TIME: LeaderboardCache.total_score,
    }[period]
