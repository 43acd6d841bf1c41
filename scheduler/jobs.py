"""The scheduled jobs: daily lessons, streak reminders, the leaderboard, broadcasts.

Each job works out who is due from the database for the instant it runs as (the
learner's local date and time, daylight saving included), claims a row in the
delivery ledger for each push, and hands the pushes to the one sender. A ledger row
is unique per (learner, kind, local date), so a push is claimed once however often a
job runs; a claimed row that was never sent (a crash) is sent by the next run (and so, once
more, is a message sent but not yet recorded when the process was killed: at most the
sender's re-send window of them, see scheduler.sender).

A learner who was due while the process was down gets the push late, within the
job's grace period (DAILY_LESSON_GRACE, STREAK_REMINDER_GRACE); a grace period never
crosses the learner's local midnight.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from aiogram import Bot
from aiogram.utils.i18n import I18n
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.observability.metrics import PUSHES_BY_KIND
from bot.rules.clock import Clock
from bot.rules.course import Catalogue, CourseCache, LessonInfo
from bot.rules.dashboard.daily import fill_days
from bot.rules.learners import learner_locale
from bot.rules.learning.pause import is_paused
from bot.rules.learning.unlocks import lesson_statuses, load_progress_many, next_step
from bot.rules.motivation.leaderboard_refresh import refresh_leaderboard
from bot.rules.motivation.streaks import due_for_streak_reminder
from bot.rules.reach.audience import reminder_zones, still_wants
from bot.rules.reach.pushes import (
    DAILY_LESSON_GRACE,
    STREAK_REMINDER_GRACE,
    Slot,
    due_for_daily_lesson,
    due_for_pause_notice,
    slot,
)
from bot.rules.review.stats import due_review_counts
from bot.telegram.views import motivation, reach, review
from bot.telegram.views.learning import start_lesson_keyboard
from bot.telegram.views.reach import daily_push_keyboard
from db.enums import DeliveryKind, DeliveryStatus
from db.models import Delivery, User, UserStats
from db.upsert import insert_ignore
from scheduler.assignments import run_reviews_waiting
from scheduler.broadcasts import deliver_broadcasts
from scheduler.cohorts import run_cohort_boards
from scheduler.leaderboard_rebuild import run_leaderboard_rebuild
from scheduler.leagues import run_league_week
from scheduler.names import REBUILD_AT, JobName
from scheduler.report import JobReport
from scheduler.sender import Outgoing, Sender

log = logging.getLogger(__name__)

LEDGER_RECHECK = 50  # messages handed to the sender between two looks at the ledger


@dataclass(frozen=True)
class Due:
    """What a learner has waiting when their push is rendered."""

    lesson: LessonInfo | None  # the next lesson, None once the course is finished (or drip)
    reviews: int  # review cards due now


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
        rebuild_at: time = REBUILD_AT,
        admin_ids: frozenset[int] = frozenset(),
    ) -> None:
        self.admin_ids = admin_ids  # ADMIN_IDS: reviewers of learners without a mentor
        self.rebuild_at = rebuild_at  # when the leaderboard's nightly rebuild runs (UTC)
        self.session_factory = session_factory
        self.bot = bot  # for broadcasts' progress messages
        self.sender = sender
        self.clock = clock
        self.i18n = i18n
        self.course_cache = course_cache or CourseCache()

    # -------------------------------------------------------------- daily lessons

    async def daily_lessons(self) -> JobReport:
        """Today's next lesson, at each learner's chosen local time (backed off for learners
        who do not answer)."""
        return await self._push(
            "daily-lessons", DeliveryKind.DAILY_LESSON, DAILY_LESSON_GRACE, due_for_daily_lesson
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
            catalogue = await self.course_cache.get(session)
            for zone in await reminder_zones(session):
                window = slot(zone, now, grace)
                # A paused learner gets no push; filtered here, the selection stays as fast.
                due = [user for user in await due_in(session, window) if not is_paused(user, now)]
                report.due += len(due)
                await self._claim(session, kind, due, window, now)
            await session.commit()
            messages = await self._pending(session, kind, catalogue, now, grace)
        report.claimed = len(messages)
        outcomes = await self.sender.send_all(self._still_claimed(messages))
        report.outcomes = {status.name: count for status, count in outcomes.items()}
        PUSHES_BY_KIND.labels(kind=kind.name.lower()).inc(outcomes[DeliveryStatus.SENT])
        return report

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
                "dedup_key": window.dedup_key,
                "status": DeliveryStatus.PENDING,
                "attempts": 0,
                "claimed_at": now,
            }
            for user in users
        ]
        await session.execute(insert_ignore(session, Delivery, rows, key="dedup_key"))

    async def _pending(
        self,
        session: AsyncSession,
        kind: DeliveryKind,
        catalogue: Catalogue,
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
        user_ids = [user.id for _d, user, _s in rows]
        progress = await load_progress_many(session, user_ids)
        reviews = (
            await due_review_counts(session, user_ids, now)
            if kind is DeliveryKind.DAILY_LESSON
            else {}
        )
        messages: list[Outgoing] = []
        skipped: list[int] = []
        for delivery, user, stats in rows:
            course = catalogue.current(user)  # the daily lesson follows the current course
            step = next_step(lesson_statuses(course, progress[user.id], user, now))
            due = Due(step.lesson, reviews.get(user.id, 0))
            message = self._render(kind, user, stats, due, delivery.id)
            if message is None or not still_wants(user):
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

    async def _still_claimed(self, messages: list[Outgoing]) -> AsyncIterator[Outgoing]:
        """The messages whose ledger row is still PENDING, looked up again every
        LEDGER_RECHECK messages while sending: a learner who erased their account meanwhile
        (their ledger rows went with it) gets nothing."""
        for start in range(0, len(messages), LEDGER_RECHECK):
            chunk = messages[start : start + LEDGER_RECHECK]
            async with self.session_factory() as session:
                pending = set(
                    await session.scalars(
                        select(Delivery.id).where(
                            Delivery.id.in_([message.delivery_id for message in chunk]),
                            Delivery.status == DeliveryStatus.PENDING,
                        )
                    )
                )
            for message in chunk:
                if message.delivery_id in pending:
                    yield message

    def _render(
        self,
        kind: DeliveryKind,
        user: User,
        stats: UserStats | None,
        due: Due,
        delivery_id: int,
    ) -> Outgoing | None:
        """The push, or None when there is nothing to offer. The daily push offers the next
        lesson and the due reviews; after the course, the due reviews alone."""
        if kind is DeliveryKind.REMINDERS_PAUSED:
            with self.i18n.context(), self.i18n.use_locale(self._locale(user)):
                text = reach.reminders_paused_push()
            return Outgoing(user.telegram_id, user.id, text, delivery_id=delivery_id)
        lesson = due.lesson
        if lesson is None and (kind is not DeliveryKind.DAILY_LESSON or not due.reviews):
            return None
        with self.i18n.context(), self.i18n.use_locale(self._locale(user)):
            if kind is not DeliveryKind.DAILY_LESSON:
                assert lesson is not None
                text = motivation.streak_reminder_push(stats.current_streak if stats else 1)
                markup = start_lesson_keyboard(lesson)
            elif lesson is None:
                text = review.review_push(due.reviews)
                markup = daily_push_keyboard(None, due.reviews)
            else:
                text = reach.daily_lesson_push(lesson.title)
                if due.reviews:
                    text += "\n" + review.reviews_due_line(due.reviews)
                markup = daily_push_keyboard(lesson, due.reviews)
        return Outgoing(
            chat_id=user.telegram_id,
            user_id=user.id,
            text=text,
            reply_markup=markup,
            delivery_id=delivery_id,
        )

    def _locale(self, user: User) -> str:
        return learner_locale(
            (user.language, user.language_code),
            self.i18n.available_locales,
            self.i18n.default_locale,
        )

    # -------------------------------------------------------------- streak reminders

    async def streak_reminders(self) -> JobReport:
        """Learners with a streak who have not been active today, at their reminder time;
        and at the lesson time, the one reminders-paused message to learners away too long."""
        report = await self._push(
            "streak-reminders",
            DeliveryKind.STREAK_REMINDER,
            STREAK_REMINDER_GRACE,
            due_for_streak_reminder,
        )
        paused = await self._push(
            "streak-reminders",
            DeliveryKind.REMINDERS_PAUSED,
            STREAK_REMINDER_GRACE,
            due_for_pause_notice,
        )
        return report.add(paused)

    # -------------------------------------------------------------- broadcasts and the leaderboard

    async def broadcasts(self) -> JobReport:
        """Deliver the broadcasts being sent (and resume them after a restart)."""
        if self.bot is None:
            raise RuntimeError("the broadcasts job needs the bot for progress messages")
        return await deliver_broadcasts(
            self.session_factory, self.sender, self.bot, self.clock, self.i18n
        )

    async def league_week(self) -> JobReport:
        """Place this week's new earners in league groups; close a finished week once."""
        return await run_league_week(self.session_factory, self.sender, self.clock, self.i18n)

    async def cohort_boards(self) -> JobReport:
        """Mondays: last week's board of every cohort, posted once to its linked group."""
        return await run_cohort_boards(self.session_factory, self.sender, self.clock, self.i18n)

    async def reviews_waiting(self) -> JobReport:
        """Once a day, each reviewer with work waiting over 48 hours hears how much."""
        return await run_reviews_waiting(
            self.session_factory, self.sender, self.clock, self.i18n, self.admin_ids
        )

    async def leaderboard(self) -> JobReport:
        async with self.session_factory() as session, session.begin():
            await refresh_leaderboard(session, self.clock.now())
        return JobReport("leaderboard")

    async def dashboard_days(self) -> JobReport:
        """Summarise the closed days the dashboard's charts have no figures for yet, a day
        per transaction (the first run at a million learners takes about a minute)."""
        now, written = self.clock.now(), 0
        while True:
            async with self.session_factory() as session, session.begin():
                if not await fill_days(session, now, limit=1):
                    return JobReport(JobName.DASHBOARD_DAYS, due=written, claimed=written)
            written += 1

    async def leaderboard_rebuild(self) -> JobReport:
        """Check every learner's row and write every exact rank, under a lease of its own."""
        return await run_leaderboard_rebuild(self.session_factory, self.clock)
