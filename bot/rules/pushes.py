"""Who may receive a push, and who is due for one now.

A learner may receive a push (a broadcast, or anything the scheduler sends) when they are
active, have not blocked the bot and finished onboarding. Daily lessons and streak reminders
also need reminders switched on.

Jobs run for one time zone's *slot* at a time: the zone's local date and the local minutes
from the job's grace period ago up to now, clipped at local midnight, so a learner who was due
while the process was down is still served late, but never on the wrong local day.

- Daily lesson: once per local day at the learner's lesson time, unless they already learned
  that day (the ledger's key is the local date, so a second run claims nothing).
  Back-off: once `BACK_OFF_AFTER` daily pushes were sent since the learner last came (none
  of them answered), it goes every other day; once they have been away `PAUSE_AFTER`, one
  last message says reminders are paused, then nothing until they come back. Coming back
  (any update) resets both.
- Streak reminder: at the learner's usual learning hour (the most common local hour of
  their completions in the last `HABIT_WINDOW`; 20:00 until there is one), moved to at
  least `AFTER_LESSON_PUSH` after the daily lesson time, and never sent when that is later
  than 22:00 local; to learners whose streak ends tonight. The streak job runs first
  (freezes, resets; it never raises a streak).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, delete, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.observability.metrics import PUSH_FOLLOW_UPS
from bot.rules.streaks import ends_tonight, expire_streaks, take_freeze_notice
from db.enums import ActivityType, DeliveryKind, DeliveryStatus
from db.models import ActivityLog, Delivery, User, UserStats

DAILY_LESSON_GRACE = timedelta(hours=3)
STREAK_REMINDER_MINUTE = 20 * 60  # 20:00 local, until the learner has a usual hour
STREAK_REMINDER_LATEST = 22 * 60  # never later than 22:00 local
AFTER_LESSON_PUSH = 2 * 60  # minutes after the daily lesson time, at least
STREAK_REMINDER_GRACE = timedelta(hours=2)
HABIT_WINDOW = timedelta(days=14)
BACK_OFF_AFTER = 3  # unanswered daily pushes in a row, then every other day
PAUSE_AFTER = timedelta(days=14)  # away this long: one last message, then silence
FOLLOW_UP_WINDOW = timedelta(hours=24)  # activity this soon after a push counts as its answer


@dataclass(frozen=True)
class Slot:
    """A time zone's local date and the local minutes of the day a job serves now:
    from `grace` ago up to now, clipped at local midnight."""

    zone: str
    local_date: date
    first_minute: int
    last_minute: int
    now: datetime

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
    return Slot(zone, local.date(), first, minute, now)


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
            ~_away(window.now),
            _not_backed_off(window),
        )
    )
    return list(rows)


def _away(now: datetime) -> ColumnElement[bool]:
    """The learner has not come for `PAUSE_AFTER`: reminders are paused. (Learners never
    seen, from before visits were recorded, are neither paused nor backed off.)"""
    return and_(User.last_seen_at.is_not(None), User.last_seen_at < now - PAUSE_AFTER)


def _unanswered_pushes() -> ColumnElement[int]:
    """Daily pushes sent since the learner last came."""
    return (
        select(func.count())
        .where(
            Delivery.user_id == User.id,
            Delivery.kind == DeliveryKind.DAILY_LESSON,
            Delivery.status == DeliveryStatus.SENT,
            Delivery.sent_at > User.last_seen_at,
        )
        .scalar_subquery()
    )


def _not_backed_off(window: Slot) -> ColumnElement[bool]:
    """Daily, or after `BACK_OFF_AFTER` unanswered pushes only if none went yesterday."""
    yesterday = (window.local_date - timedelta(days=1)).isoformat()
    return or_(
        User.last_seen_at.is_(None),
        _unanswered_pushes() < BACK_OFF_AFTER,
        ~exists().where(
            Delivery.user_id == User.id,
            Delivery.kind == DeliveryKind.DAILY_LESSON,
            Delivery.dedup_key == yesterday,
        ),
    )


async def due_for_pause_notice(session: AsyncSession, window: Slot) -> list[User]:
    """At the lesson time, learners away for `PAUSE_AFTER` who were not told yet (the
    ledger row goes when they come back, so each absence gets one message)."""
    rows = await session.scalars(
        select(User).where(
            User.time_zone == window.zone,
            User.lesson_minute.between(window.first_minute, window.last_minute),
            *wants_reminders(),
            _away(window.now),
            ~exists().where(
                Delivery.user_id == User.id, Delivery.kind == DeliveryKind.REMINDERS_PAUSED
            ),
        )
    )
    return list(rows)


def _streak_reminder_minute() -> ColumnElement[int]:
    """`streak_reminder_minute` in SQL (None there is a minute after 22:00)."""
    habit = case(
        (UserStats.usual_hour.is_(None), STREAK_REMINDER_MINUTE),
        (UserStats.usual_hour * 60 > STREAK_REMINDER_LATEST, STREAK_REMINDER_LATEST),
        else_=UserStats.usual_hour * 60,
    )
    after_push = User.lesson_minute + AFTER_LESSON_PUSH
    return case((habit >= after_push, habit), else_=after_push)


class ReminderBasis(Enum):
    """What sets the streak reminder's time."""

    USUAL_HOUR = "usual_hour"  # the learner's usual learning hour
    DEFAULT = "default"  # 20:00: no usual hour yet
    LATEST = "latest"  # the usual hour is after 22:00, the latest a reminder goes
    AFTER_LESSON = "after_lesson"  # `AFTER_LESSON_PUSH` after the daily lesson, later than the rest


@dataclass(frozen=True)
class StreakReminder:
    minute: int | None  # local; None: the lesson time is too late for a streak reminder
    basis: ReminderBasis


def streak_reminder(usual: int | None, lesson_minute: int) -> StreakReminder:
    """The local minute of the learner's streak reminder and what sets it: their usual
    hour (20:00 without one), no later than 22:00, moved to 2 hours after the lesson time
    if that is later; None when that is after 22:00 (the late lesson push is the day's last
    word)."""
    if usual is None:
        habit, basis = STREAK_REMINDER_MINUTE, ReminderBasis.DEFAULT
    elif usual * 60 > STREAK_REMINDER_LATEST:
        habit, basis = STREAK_REMINDER_LATEST, ReminderBasis.LATEST
    else:
        habit, basis = usual * 60, ReminderBasis.USUAL_HOUR
    minute = lesson_minute + AFTER_LESSON_PUSH
    if minute > habit:
        basis = ReminderBasis.AFTER_LESSON
    else:
        minute = habit
    return StreakReminder(minute if minute <= STREAK_REMINDER_LATEST else None, basis)


def streak_reminder_minute(usual: int | None, lesson_minute: int) -> int | None:
    """`streak_reminder`'s minute alone."""
    return streak_reminder(usual, lesson_minute).minute


async def due_for_streak_reminder(session: AsyncSession, window: Slot) -> list[User]:
    """The streak job runs for the zone's day (freezes, resets), then the learners whose
    streak ends tonight and whose reminder minute falls in the slot are due."""
    await expire_streaks(session, window.zone, window.local_date)
    minute = _streak_reminder_minute()
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
            _not_claimed(DeliveryKind.STREAK_REMINDER, window),
        )
    )
    return list(rows)


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


@dataclass(frozen=True)
class Return:
    """What to tell a learner who came back after a while."""

    freeze_saved: int | None  # the streak a freeze saved while they were away


async def on_return(session: AsyncSession, user: User, now: datetime) -> Return:
    """A learner came back (seen again after a silence): the pushes of the last
    `FOLLOW_UP_WINDOW` sent since their previous visit count as answered, reminders are
    no longer paused (the pause message may go again after the next long absence), and
    a freeze used meanwhile is told."""
    previous = await session.scalar(
        select(func.max(ActivityLog.created_at)).where(
            ActivityLog.user_id == user.id,
            ActivityLog.activity_type == ActivityType.LOGIN,
            ActivityLog.created_at < now,
        )
    )
    since = now - FOLLOW_UP_WINDOW if previous is None else max(previous, now - FOLLOW_UP_WINDOW)
    answered = await session.scalars(
        select(Delivery.kind).where(
            Delivery.user_id == user.id,
            Delivery.status == DeliveryStatus.SENT,
            Delivery.sent_at > since,
            Delivery.sent_at <= now,
        )
    )
    for kind in answered:
        PUSH_FOLLOW_UPS.labels(kind=kind.name.lower()).inc()
    # Read first: an update that only reads must not write (and commit) anything.
    paused = Delivery.user_id == user.id, Delivery.kind == DeliveryKind.REMINDERS_PAUSED
    if await session.scalar(select(Delivery.id).where(*paused).limit(1)) is not None:
        await session.execute(
            delete(Delivery).where(*paused)
        )  # an update that reads writes nothing
    return Return(freeze_saved=await take_freeze_notice(session, user.id))


class Cadence(Enum):
    DAILY = "daily"
    EVERY_OTHER_DAY = "every_other_day"
    PAUSED = "paused"


@dataclass(frozen=True)
class ReminderPlan:
    """The reminders in force for a learner, for /settings."""

    enabled: bool
    lesson_minute: int
    streak: StreakReminder
    cadence: Cadence


async def reminder_plan(session: AsyncSession, user: User, now: datetime) -> ReminderPlan:
    """What `due_for_daily_lesson` and `due_for_streak_reminder` would do for this learner."""
    usual = await session.scalar(select(UserStats.usual_hour).where(UserStats.user_id == user.id))
    seen = user.last_seen_at or now
    unanswered = await session.scalar(
        select(func.count()).where(
            Delivery.user_id == user.id,
            Delivery.kind == DeliveryKind.DAILY_LESSON,
            Delivery.status == DeliveryStatus.SENT,
            Delivery.sent_at > seen,
        )
    )
    if seen < now - PAUSE_AFTER:
        cadence = Cadence.PAUSED
    elif (unanswered or 0) >= BACK_OFF_AFTER:
        cadence = Cadence.EVERY_OTHER_DAY
    else:
        cadence = Cadence.DAILY
    return ReminderPlan(
        enabled=user.reminders_enabled,
        lesson_minute=user.lesson_minute,
        streak=streak_reminder(usual, user.lesson_minute),
        cadence=cadence,
    )
