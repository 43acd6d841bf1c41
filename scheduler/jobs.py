"""The scheduled jobs: daily lessons, streak reminders, the leaderboard, broadcasts.

Each job works out who is due from the database for the instant it runs as (the
learner's local date and time, daylight saving included), claims a row in the
delivery ledger for each push, and hands the pushes to the one sender. A ledger row
is unique per (learner, kind, local date), so a push is claimed once however often a
job runs; a claimed row that was never sent (a crash) is sent by the next run.

A learner who was due while the process was down gets the push late, within the
job's grace period (DAILY_LESSON_GRACE, STREAK_REMINDER_GRACE); a grace period never
crosses the learner's local midnight.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.utils.i18n import I18n
from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql import Executable

from bot.rules.clock import Clock
from bot.rules.course import CourseCache, CourseMap
from bot.rules.leaderboard import refresh_leaderboard
from bot.rules.learning import ProgressRow, lesson_statuses, load_progress_many, next_step
from bot.telegram import texts
from bot.telegram.keyboards import start_lesson_keyboard
from db.enums import DeliveryKind, DeliveryStatus
from db.models import Delivery, User, UserStats
from scheduler.broadcasts import deliver_broadcasts
from scheduler.report import JobReport
from scheduler.sender import Outgoing, Sender

log = logging.getLogger(__name__)

DAILY_LESSON_GRACE = timedelta(hours=3)
STREAK_REMINDER_MINUTE = 20 * 60  # 20:00 local
STREAK_REMINDER_GRACE = timedelta(hours=2)
MINUTES_PER_DAY = 24 * 60


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


def slot(zone: str, now: datetime, grace: timedelta) -> Slot:
    local = now.astimezone(ZoneInfo(zone))
    minute = local.hour * 60 + local.minute
    first = max(0, minute - int(grace.total_seconds() // 60))
    return Slot(zone, local.date(), first, minute)


def claim_statement(session: AsyncSession, rows: list[dict[str, object]]) -> Executable:
    """INSERT that skips rows whose (user, kind, dedup key) is already claimed."""
    if session.get_bind().dialect.name == "mysql":
        statement = mysql_insert(Delivery).values(rows)
        return statement.on_duplicate_key_update(dedup_key=statement.inserted.dedup_key)
    return sqlite_insert(Delivery).values(rows).on_conflict_do_nothing()


class Jobs:
    """The jobs, sharing the services with the chat handlers and one sender."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        sender: Sender,
        clock: Clock,
        i18n: I18n,
        course_cache: CourseCache | None = None,
        bot: Bot | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.bot = bot  # for broadcasts' progress messages
        self.sender = sender
        self.clock = clock
        self.i18n = i18n
        self.course_cache = course_cache or CourseCache()

    # -------------------------------------------------------------- daily lessons

    async def daily_lessons(self) -> JobReport:
        """Today's next lesson, at each learner's chosen local time."""
        return await self._push(
            "daily-lessons", DeliveryKind.DAILY_LESSON, DAILY_LESSON_GRACE, self._due_daily
        )

    async def _push(
        self,
        name: str,
        kind: DeliveryKind,
        grace: timedelta,
        due_in: Callable[[AsyncSession, Slot], Awaitable[list[User]]],
    ) -> JobReport:
        """Claim the pushes due in every time zone's slot, then send what is claimed.

        The session is closed before the sender talks to Telegram.
        """
        now = self.clock.now()
        report = JobReport(name)
        async with self.session_factory() as session:
            course = await self.course_cache.get(session)
            for zone in await self._zones(session):
                window = slot(zone, now, grace)
                due = await due_in(session, window)
                report.due += len(due)
                await self._claim(session, kind, due, window, now)
            await session.commit()
            messages = await self._pending(session, kind, course, now, grace)
        report.claimed = len(messages)
        outcomes = await self.sender.send_all(messages)
        report.outcomes = {status.name: count for status, count in outcomes.items()}
        return report

    async def _zones(self, session: AsyncSession) -> Sequence[str]:
        return (
            await session.scalars(
                select(User.time_zone)
                .where(
                    User.reminders_enabled,
                    User.blocked_at.is_(None),
                    User.onboarded_at.is_not(None),
                )
                .distinct()
            )
        ).all()

    async def _due_daily(self, session: AsyncSession, window: Slot) -> list[User]:
        claimed = exists().where(
            Delivery.user_id == User.id,
            Delivery.kind == DeliveryKind.DAILY_LESSON,
            Delivery.dedup_key == window.local_date.isoformat(),
        )
        rows = await session.scalars(
            select(User)
            .outerjoin(UserStats, UserStats.user_id == User.id)
            .where(
                User.time_zone == window.zone,
                User.lesson_minute.between(window.first_minute, window.last_minute),
                User.reminders_enabled,
                User.is_active,
                User.blocked_at.is_(None),
                User.onboarded_at.is_not(None),
                or_(
                    UserStats.last_active_date.is_(None),
                    UserStats.last_active_date != window.local_date,
                ),
                ~claimed,
            )
        )
        return list(rows)

    async def _claim(
        self,
        session: AsyncSession,
        kind: DeliveryKind,
        users: list[User],
        window: Slot,
        now: datetime,
    ) -> None:
        if not users:
            return
        rows: list[dict[str, object]] = [
            {
                "user_id": user.id,
                "kind": kind,
                "dedup_key": window.local_date.isoformat(),
                "status": DeliveryStatus.PENDING,
                "attempts": 0,
                "claimed_at": now,
            }
            for user in users
        ]
        await session.execute(claim_statement(session, rows))

    async def _pending(
        self,
        session: AsyncSession,
        kind: DeliveryKind,
        course: CourseMap,
        now: datetime,
        grace: timedelta,
    ) -> list[Outgoing]:
        """Claimed, unsent pushes of this kind (a crash's leftovers included), as messages.

        Rows older than the grace period are given up; learners who finished the
        course, blocked the bot or turned reminders off meanwhile get nothing.
        """
        await session.execute(
            update(Delivery)
            .where(
                Delivery.kind == kind,
                Delivery.status == DeliveryStatus.PENDING,
                Delivery.claimed_at < now - grace,
            )
            .values(status=DeliveryStatus.FAILED, error="expired before it could be sent")
        )
        rows = (
            await session.execute(
                select(Delivery, User, UserStats)
                .join(User, User.id == Delivery.user_id)
                .outerjoin(UserStats, UserStats.user_id == User.id)
                .where(Delivery.kind == kind, Delivery.status == DeliveryStatus.PENDING)
                .order_by(Delivery.id)
            )
        ).all()
        progress = await load_progress_many(session, [user.id for _d, user, _s in rows])
        messages: list[Outgoing] = []
        skipped: list[int] = []
        for delivery, user, stats in rows:
            message = self._render(kind, course, user, stats, progress[user.id], now, delivery.id)
            if message is None or user.blocked_at is not None or not user.reminders_enabled:
                skipped.append(delivery.id)
            else:
                messages.append(message)
        if skipped:
            await session.execute(
                update(Delivery)
                .where(Delivery.id.in_(skipped))
                .values(status=DeliveryStatus.FAILED, error="nothing to send any more")
            )
        await session.commit()
        return messages

    def _render(
        self,
        kind: DeliveryKind,
        course: CourseMap,
        user: User,
        stats: UserStats | None,
        progress: dict[int, ProgressRow],
        now: datetime,
        delivery_id: int,
    ) -> Outgoing | None:
        step = next_step(lesson_statuses(course, progress, user, now))
        if step.lesson is None:
            return None
        with self.i18n.context(), self.i18n.use_locale(self._locale(user)):
            if kind is DeliveryKind.DAILY_LESSON:
                text = texts.daily_lesson_push(step.lesson.title)
            else:
                text = texts.streak_reminder_push(stats.current_streak if stats else 1)
            markup = start_lesson_keyboard(step.lesson)
        return Outgoing(
            chat_id=user.telegram_id,
            user_id=user.id,
            text=text,
            reply_markup=markup,
            delivery_id=delivery_id,
        )

    def _locale(self, user: User) -> str:
        for candidate in (user.language, user.language_code):
            if candidate and candidate[:2].lower() in self.i18n.available_locales:
                return candidate[:2].lower()
        return self.i18n.default_locale

    # -------------------------------------------------------------- streak reminders

    async def streak_reminders(self) -> JobReport:
        """In the evening, learners with a streak who have not been active today."""
        return await self._push(
            "streak-reminders",
            DeliveryKind.STREAK_REMINDER,
            STREAK_REMINDER_GRACE,
            self._due_reminders,
        )

    async def _expire_streaks(self, session: AsyncSession, window: Slot) -> None:
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

    async def _due_reminders(self, session: AsyncSession, window: Slot) -> list[User]:
        """At 20:00 local (within the grace period): lapsed streaks drop to zero, then the
        learners whose streak ends tonight are due."""
        if not window.covers(STREAK_REMINDER_MINUTE):
            return []
        await self._expire_streaks(session, window)
        claimed = exists().where(
            Delivery.user_id == User.id,
            Delivery.kind == DeliveryKind.STREAK_REMINDER,
            Delivery.dedup_key == window.local_date.isoformat(),
        )
        rows = await session.scalars(
            select(User)
            .join(UserStats, UserStats.user_id == User.id)
            .where(
                User.time_zone == window.zone,
                User.reminders_enabled,
                User.is_active,
                User.blocked_at.is_(None),
                and_(
                    UserStats.current_streak >= 1,
                    UserStats.last_active_date == window.local_date - timedelta(days=1),
                ),
                ~claimed,
            )
        )
        return list(rows)

    # -------------------------------------------------------------- leaderboard

    async def broadcasts(self) -> JobReport:
        """Deliver the broadcasts being sent (and resume them after a restart)."""
        if self.bot is None:
            raise RuntimeError("the broadcasts job needs the bot for progress messages")
        return await deliver_broadcasts(
            self.session_factory, self.sender, self.bot, self.clock, self.i18n
        )

    async def leaderboard(self) -> JobReport:
        async with self.session_factory() as session, session.begin():
            await refresh_leaderboard(session, self.clock.now())
        return JobReport("leaderboard")
