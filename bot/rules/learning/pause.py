"""A pause of learning (`/pause`, `/resume`).

- A pause starts with the learner's next local day, so it can never mend a day already
  missed, and lasts 3 days, a week, 2 weeks, or "until I come back": at most
  `MAX_PAUSE_DAYS`, then it ends by itself.
- While paused nothing is pushed (the daily lesson, reminders).
- The paused local days neither keep nor break the streak nor use a freeze: setting a
  pause moves the end of the last counted streak day forward by the paused days; ending
  it early moves it back by the days not used. The streak job and the reminders then see
  no missed day inside the pause, with no rule of their own.
- Drip waits: a drip lesson opens the paused days later (`drip_delay`).
- Any lesson, review or `/resume` ends it (`end_pause`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.learners import local_date, zone_of
from bot.rules.motivation.streaks import counted_day_end, day_start
from db.models import User, UserStats

PAUSE_CHOICES = (3, 7, 14)  # days; "until I come back" is MAX_PAUSE_DAYS
MAX_PAUSE_DAYS = 30


@dataclass(frozen=True)
class Pause:
    first_day: date  # the first paused local day
    end_day: date  # the first local day after it (the pause ends as it begins)
    starts_at: datetime
    ends_at: datetime

    @property
    def last_day(self) -> date:
        return self.end_day - timedelta(days=1)


class PauseRefusal(enum.Enum):
    ALREADY_PAUSED = "already_paused"
    NOT_PAUSED = "not_paused"


@dataclass(frozen=True)
class PauseRefused:
    reason: PauseRefusal
    pause: Pause | None = None


def pause_of(user: User, now: datetime) -> Pause | None:
    """The learner's pause, set or running, unless it is over at `now`."""
    if user.paused_from is None or user.paused_until is None or user.paused_until <= now:
        return None
    return Pause(
        local_date(user, user.paused_from),
        local_date(user, user.paused_until),
        user.paused_from,
        user.paused_until,
    )


def is_paused(user: User, now: datetime) -> bool:
    """Whether `now` falls in the learner's pause (nothing is pushed then)."""
    pause = pause_of(user, now)
    return pause is not None and pause.starts_at <= now


async def start_pause(
    session: AsyncSession, user: User, days: int, now: datetime
) -> Pause | PauseRefused:
    """Pause learning from the next local day for `days` days (at most `MAX_PAUSE_DAYS`)."""
    held = pause_of(user, now)
    if held is not None:
        return PauseRefused(PauseRefusal.ALREADY_PAUSED, held)
    days = max(1, min(days, MAX_PAUSE_DAYS))
    zone = zone_of(user)
    first = local_date(user, now) + timedelta(days=1)
    user.paused_from = day_start(zone, first)
    user.paused_until = day_start(zone, first + timedelta(days=days))
    await _shift_streak(session, user, days)
    pause = pause_of(user, now)
    assert pause is not None
    return pause


async def end_pause(session: AsyncSession, user: User, now: datetime) -> Pause | None:
    """End the learner's pause now, if there is one; the pause it ended, else None.

    The day it ends on is an ordinary day: the streak counts it as usual."""
    pause = pause_of(user, now)
    if pause is None:
        return None
    today = local_date(user, now)
    if now < pause.starts_at:  # set, not begun: as if never set
        unused = (pause.end_day - pause.first_day).days
        user.paused_from = user.paused_until = None
    else:
        unused = (pause.end_day - today).days
        user.paused_until = day_start(zone_of(user), today)
    await _shift_streak(session, user, -unused)
    return pause


async def _shift_streak(session: AsyncSession, user: User, days: int) -> None:
    """Move the end of the last counted streak day by `days` local days."""
    stats = await session.scalar(
        select(UserStats).where(UserStats.user_id == user.id).with_for_update()
    )
    if stats is None or stats.current_streak == 0 or not days:
        return
    zone = zone_of(user)
    ends_at = counted_day_end(stats, zone)
    if ends_at is None:
        return
    stats.streak_day_ends_at = day_start(zone, ends_at.astimezone(zone).date() + timedelta(days))


def drip_delay(user: User, after: date, opens_on: date) -> int:
    """How many days later a drip lesson due on `opens_on` (the wait began the day after
    `after`, the completion) opens: the learner's paused local days do not count."""
    if user.paused_from is None or user.paused_until is None:
        return 0
    first = local_date(user, user.paused_from)
    end = local_date(user, user.paused_until)
    start = max(first, after + timedelta(days=1))
    # Paused days inside the wait push its end out; the pause is one run of days, so the
    # wait ends `paused` days later, where `paused` counts the pause up to that end.
    paused = 0
    while (overlap := max(0, (min(end, opens_on + timedelta(days=paused)) - start).days)) > paused:
        paused = overlap
    return paused
