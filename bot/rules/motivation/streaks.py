"""Streaks that are fair: counted local days that a change of time zone cannot multiply,
and freezes that carry a streak over a missed day.

The rule for counting a day: a learner's streak day is a local calendar day in the zone in
force when it was counted, and we keep the UTC instant it *ends* (`streak_day_ends_at`).
Activity at instant `now`, whose local day in the current zone starts at `start(today)`:

- `start(today) < ends_at`: the two days overlap, so it is the same streak day (nothing is
  added). Two counted days are therefore always at least one full local day apart.
- `start(yesterday) < ends_at <= start(today)`: the next day, the streak grows by one.
- otherwise whole local days were missed: each missed day takes one freeze; with too few
  freezes the streak starts again at one.

A freeze is earned each time the streak reaches a multiple of `FREEZE_EVERY` days; at most
`MAX_FREEZES` are held. Frozen days keep the streak going but do not add to it. The streak
job applies the same rule without activity (`expire_streaks`): it may use freezes and reset
a streak, never raise it. Points are not touched: freezes are not points.

Habits: the usual learning hour (the most common local hour of a learner's completions in
the last `HABIT_WINDOW`) sets when the streak reminder goes; the streak reminder goes to
the learners whose streak ends tonight (`due_for_streak_reminder`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.reach.audience import wants_reminders
from bot.rules.reach.pushes import (
    STREAK_REMINDER_LATEST,
    Slot,
    not_claimed,
    note_return,
    streak_reminder_minute_column,
)
from db.enums import DeliveryKind
from db.models import User, UserStats

FREEZE_EVERY = 5
MAX_FREEZES = 2


def day_start(zone: ZoneInfo, day: date) -> datetime:
    """The UTC instant a local calendar day begins (daylight saving included)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def counted_day_end(stats: UserStats, zone: ZoneInfo) -> datetime | None:
    """When the last counted streak day ended; rows from before the rule count their
    `last_active_date` in the current zone."""
    if stats.streak_day_ends_at is not None:
        return stats.streak_day_ends_at
    if stats.last_active_date is None:
        return None
    return day_start(zone, stats.last_active_date + timedelta(days=1))


def missed_days(ends_at: datetime, zone: ZoneInfo, today: date) -> int:
    """Whole local days (in `zone`) between the last counted day and `today`, up to one
    more than a learner can freeze."""
    missed = 0
    while missed <= MAX_FREEZES and day_start(zone, today - timedelta(days=missed + 1)) >= ends_at:
        missed += 1
    return missed


class StreakStep(Enum):
    STARTED = "started"  # no streak to continue: it starts at one
    SAME_DAY = "same_day"  # this local day (or one overlapping it) was already counted
    GREW = "grew"  # the next local day
    FROZEN = "frozen"  # missed days covered by freezes, then grew
    RESTARTED = "restarted"  # missed days without enough freezes: back to one


@dataclass(frozen=True)
class StreakChange:
    step: StreakStep
    streak: int
    freezes_used: int = 0

    @property
    def grew(self) -> bool:
        return self.step is not StreakStep.SAME_DAY


def streak_step(stats: UserStats, zone: ZoneInfo, now: datetime) -> StreakChange:
    """What activity at `now` does to the streak (see the module's rule)."""
    today = now.astimezone(zone).date()
    ends_at = counted_day_end(stats, zone)
    if ends_at is None or stats.current_streak == 0:
        return StreakChange(StreakStep.STARTED, 1)
    if day_start(zone, today) < ends_at:
        return StreakChange(StreakStep.SAME_DAY, stats.current_streak)
    missed = missed_days(ends_at, zone, today)
    if missed == 0:
        return StreakChange(StreakStep.GREW, stats.current_streak + 1)
    if missed <= stats.streak_freezes:
        return StreakChange(StreakStep.FROZEN, stats.current_streak + 1, missed)
    return StreakChange(StreakStep.RESTARTED, 1)


def apply_activity(stats: UserStats, zone: ZoneInfo, now: datetime) -> StreakChange:
    """Count activity at `now` into the stats row: streak, freezes, frozen days."""
    change = streak_step(stats, zone, now)
    today = now.astimezone(zone).date()
    match change.step:
        case StreakStep.SAME_DAY:
            return change
        case StreakStep.FROZEN:
            stats.freeze_notice = stats.current_streak
            stats.streak_freezes -= change.freezes_used
            stats.frozen_days += change.freezes_used
            stats.last_frozen_date = today - timedelta(days=1)
        case StreakStep.STARTED | StreakStep.RESTARTED:
            stats.frozen_days = 0
        case StreakStep.GREW:
            pass
    stats.current_streak = change.streak
    stats.streak_day_ends_at = day_start(zone, today + timedelta(days=1))
    if change.streak % FREEZE_EVERY == 0 and stats.streak_freezes < MAX_FREEZES:
        stats.streak_freezes += 1
    return change


def shown_streak(stats: UserStats | None, zone: ZoneInfo, today: date) -> int:
    """The streak as it stands today: zero once more days were missed than freezes cover."""
    if stats is None or stats.current_streak == 0:
        return 0
    ends_at = counted_day_end(stats, zone)
    if ends_at is None or missed_days(ends_at, zone, today) > stats.streak_freezes:
        return 0
    return stats.current_streak


def _ended_by(zone: ZoneInfo, today: date, days_ago: int) -> ColumnElement[bool]:
    """The last counted day ended no later than the start of `today - days_ago`, i.e. at
    least `days_ago` whole local days were missed (old rows: by `last_active_date`)."""
    return or_(
        and_(
            UserStats.streak_day_ends_at.is_not(None),
            UserStats.streak_day_ends_at <= day_start(zone, today - timedelta(days=days_ago)),
        ),
        and_(
            UserStats.last_active_date.is_not(None),
            UserStats.streak_day_ends_at.is_(None),
            UserStats.last_active_date < today - timedelta(days=days_ago),
        ),
    )


async def expire_streaks(session: AsyncSession, zone_name: str, today: date) -> None:
    """The streak job for one time zone on its local `today`, set-based: each missed day
    uses a freeze (the learner is told on their next visit); a streak with more missed days
    than freezes drops to zero. Never raises a streak."""
    zone = ZoneInfo(zone_name)
    in_zone = UserStats.user_id.in_(select(User.id).where(User.time_zone == zone_name))
    lapsed = or_(
        _ended_by(zone, today, MAX_FREEZES + 1),
        *(
            and_(_ended_by(zone, today, missed), UserStats.streak_freezes < missed)
            for missed in range(1, MAX_FREEZES + 1)
        ),
    )
    await session.execute(
        update(UserStats)
        .where(UserStats.current_streak > 0, in_zone, lapsed)
        .values(current_streak=0, frozen_days=0)
        .execution_options(synchronize_session=False)
    )
    for missed in range(MAX_FREEZES, 0, -1):  # the larger gap first: it also matches the smaller
        await session.execute(
            update(UserStats)
            .where(UserStats.current_streak > 0, in_zone, _ended_by(zone, today, missed))
            .values(
                streak_freezes=UserStats.streak_freezes - missed,
                frozen_days=UserStats.frozen_days + missed,
                last_frozen_date=today - timedelta(days=1),
                streak_day_ends_at=day_start(zone, today),
                freeze_notice=UserStats.current_streak,
            )
            .execution_options(synchronize_session=False)
        )


async def take_freeze_notice(session: AsyncSession, user_id: int) -> int | None:
    """The streak a freeze saved since the learner was last told, cleared once read."""
    saved = await session.scalar(
        select(UserStats.freeze_notice).where(UserStats.user_id == user_id)
    )
    if saved is not None:
        await session.execute(
            update(UserStats).where(UserStats.user_id == user_id).values(freeze_notice=None)
        )
    return saved


def ends_tonight(zone: ZoneInfo, today: date) -> ColumnElement[bool]:
    """The last counted (or frozen) day ended yesterday: today's activity keeps the streak."""
    return and_(_ended_by(zone, today, 0), ~_ended_by(zone, today, 1))


# ---------------------------------------------------------------- habits and reminders

HABIT_WINDOW = timedelta(days=14)


def usual_hour_of(completions: Sequence[datetime], zone: ZoneInfo) -> int | None:
    """The most common local hour of these completions; a tie goes to the latest one."""
    counts: dict[int, tuple[int, datetime]] = {}
    for at in completions:
        hour = at.astimezone(zone).hour
        count, latest = counts.get(hour, (0, at))
        counts[hour] = (count + 1, max(latest, at))
    if not counts:
        return None
    return max(counts, key=lambda hour: counts[hour])


def usual_hour(completions: Sequence[datetime], user: User, now: datetime) -> int | None:
    """The learner's usual learning hour: the most common local hour of their lesson
    completions (first completions, `completions`, the one at `now` included) over the
    last `HABIT_WINDOW`."""
    recent = [at for at in completions if at >= now - HABIT_WINDOW]
    return usual_hour_of(recent, _zone(user.time_zone))


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


async def due_for_streak_reminder(session: AsyncSession, window: Slot) -> list[User]:
    """The streak job runs for the zone's day (freezes, resets), then the learners whose
    streak ends tonight and whose reminder minute falls in the slot are due."""
    await expire_streaks(session, window.zone, window.local_date)
    minute = streak_reminder_minute_column()
    rows = await session.scalars(
        select(User)
        .join(UserStats, UserStats.user_id == User.id)
        .where(
            User.time_zone == window.zone,
            *wants_reminders(),
            UserStats.current_streak >= 1,
            ends_tonight(ZoneInfo(window.zone), window.local_date),
            minute <= STREAK_REMINDER_LATEST,
            minute.between(window.first_minute, window.last_minute),
            not_claimed(DeliveryKind.STREAK_REMINDER, window),
        )
    )
    return list(rows)


@dataclass(frozen=True)
class Return:
    """What to tell a learner who came back after a while."""

    freeze_saved: int | None  # the streak a freeze saved while they were away


async def on_return(session: AsyncSession, user: User, now: datetime) -> Return:
    """A learner came back (seen again after a silence): their reminders take note
    (`note_return`), and a freeze used meanwhile is told."""
    await note_return(session, user, now)
    return Return(freeze_saved=await take_freeze_notice(session, user.id))
