"""Who may receive a push, and who is due for one now.

A learner may receive a push (a broadcast, or anything the scheduler sends) when they are
active, have not blocked the bot and finished onboarding. Daily lessons and streak reminders
also need reminders switched on.

Jobs run for one time zone's *slot* at a time: the zone's local date and the local minutes
from the job's grace period ago up to now, clipped at local midnight, so a learner who was due
while the process was down is still served late, but never on the wrong local day.

- Daily lesson: once per local day at the learner's lesson time, unless they already learned
  that day (the ledger's key is the local date, so a second run claims nothing).
- Streak reminder: at 20:00 local, to learners whose streak ends tonight (active yesterday,
  not yet today); lapsed streaks drop to zero first (a job never raises a streak).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import DeliveryKind
from db.models import Delivery, User, UserStats

DAILY_LESSON_GRACE = timedelta(hours=3)
STREAK_REMINDER_MINUTE = 20 * 60  # 20:00 local
STREAK_REMINDER_GRACE = timedelta(hours=2)


@dataclass(frozen=True)
class Slot:
    """A time zone's local date and the local minutes of the day a job serves now:
    from `grace` ago up to now, clipped at local midnight."""

    zone: str
    local_date: date
    first_minute: int
    last_minute: int

    def covers(self, minute: int) -> bool:
        return self.first_minute <= minute <= self.last_minute

    @property
    def dedup_key(self) -> str:
        """The delivery ledger's key for a once-per-local-day push."""
        return self.local_date.isoformat()


def slot(zone: str, now: datetime, grace: timedelta) -> Slot:
    local = now.astimezone(ZoneInfo(zone))
    minute = local.hour * 60 + local.minute
    first = max(0, minute - int(grace.total_seconds() // 60))
    return Slot(zone, local.date(), first, minute)


def may_receive_pushes() -> list[ColumnElement[bool]]:
    """WHERE conditions over `users`: active, not blocked, onboarded."""
    return [
        User.is_active.is_(True),
        User.blocked_at.is_(None),
        User.onboarded_at.is_not(None),
    ]


def wants_reminders() -> list[ColumnElement[bool]]:
    """WHERE conditions over `users` for daily lessons and streak reminders."""
    return [*may_receive_pushes(), User.reminders_enabled.is_(True)]


def still_wants(user: User) -> bool:
    """The same rule for a learner already loaded (a claimed push is re-checked before sending)."""
    return (
        user.is_active
        and user.blocked_at is None
        and user.onboarded_at is not None
        and user.reminders_enabled
    )


async def reminder_zones(session: AsyncSession) -> Sequence[str]:
    """The time zones of learners who want reminders: one slot each per job run."""
    return (
        await session.scalars(select(User.time_zone).where(*wants_reminders()).distinct())
    ).all()


def _not_claimed(kind: DeliveryKind, window: Slot) -> ColumnElement[bool]:
    return ~exists().where(
        Delivery.user_id == User.id,
        Delivery.kind == kind,
        Delivery.dedup_key == window.dedup_key,
    )


async def due_for_daily_lesson(session: AsyncSession, window: Slot) -> list[User]:
    """Learners whose lesson time falls in the slot and who have not learned that local day."""
    rows = await session.scalars(
        select(User)
        .outerjoin(UserStats, UserStats.user_id == User.id)
        .where(
            User.time_zone == window.zone,
            User.lesson_minute.between(window.first_minute, window.last_minute),
            *wants_reminders(),
            or_(
                UserStats.last_active_date.is_(None),
                UserStats.last_active_date != window.local_date,
            ),
            _not_claimed(DeliveryKind.DAILY_LESSON, window),
        )
    )
    return list(rows)


async def expire_streaks(session: AsyncSession, window: Slot) -> None:
    """Streaks whose last active day is before yesterday drop to zero (never raised)."""
    in_zone = select(User.id).where(User.time_zone == window.zone).scalar_subquery()
    await session.execute(
        update(UserStats)
        .where(
            UserStats.current_streak > 0,
            UserStats.last_active_date < window.local_date - timedelta(days=1),
            UserStats.user_id.in_(in_zone),
        )
        .values(current_streak=0)
        .execution_options(synchronize_session=False)
    )


async def due_for_streak_reminder(session: AsyncSession, window: Slot) -> list[User]:
    """At 20:00 local (within the grace period): lapsed streaks drop to zero, then the
    learners whose streak ends tonight are due."""
    if not window.covers(STREAK_REMINDER_MINUTE):
        return []
    await expire_streaks(session, window)
    rows = await session.scalars(
        select(User)
        .join(UserStats, UserStats.user_id == User.id)
        .where(
            User.time_zone == window.zone,
            *wants_reminders(),
            UserStats.current_streak >= 1,
            UserStats.last_active_date == window.local_date - timedelta(days=1),
            _not_claimed(DeliveryKind.STREAK_REMINDER, window),
        )
    )
    return list(rows)
