"""The `broadcasts` job: deliver every broadcast being sent, resuming after a restart.

For each SENDING broadcast, the job claims one delivery-ledger row per learner of the
audience in one INSERT … SELECT that skips rows already claimed (unique learner, kind,
"b<id>"), so a learner gets one copy, ever. It then hands the PENDING rows to the one sender,
loaded a batch at a time but as one stream; the sender records each outcome in its row
(hundreds per transaction). A crash leaves the broadcast SENDING with some rows PENDING: the
next run sends those and never the ones already SENT (a process killed outright may have sent
up to the sender's re-send window of them without recording it: those learners get one copy
more, see scheduler.sender).

While it sends, the job writes the outcomes the sender holds, copies the ledger's counts onto
the broadcast (one GROUP BY) and edits the progress message at most every `progress_every`
seconds; at the same moments, and between batches, it checks whether an admin pressed Stop
(the messages the sender has in hand, at most its concurrency, still go). When
nothing is left the broadcast is DONE and the final report replaces the progress message. No
session is held while sending.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramRetryAfter
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from sqlalchemy import exists, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql import Executable

from bot.rules.clock import Clock
from bot.rules.learners import learner_locale
from bot.rules.reach import broadcasts
from bot.rules.reach.broadcasts import Audience, Tally
from bot.telegram.views.reach import progress_keyboard, progress_text
from db.enums import BroadcastStatus, DeliveryKind, DeliveryStatus
from db.models import Broadcast, Delivery, User
from db.upsert import insert_ignore_from_select
from scheduler.outcomes import OutcomeBook
from scheduler.report import JobReport
from scheduler.sender import Outgoing, Sender

log = logging.getLogger(__name__)

BATCH_SIZE = 500  # ledger rows loaded and handed to the sender at a time
MAX_FINAL_EDIT_WAIT = 30.0  # seconds: how long a 429 may delay the final report


async def deliver_broadcasts(
    session_factory: async_sessionmaker[AsyncSession],
    sender: Sender,
    bot: Bot,
    clock: Clock,
    i18n: I18n,
    *,
    progress_every: float = 3.0,
    batch_size: int = BATCH_SIZE,
    monotonic: Callable[[], float] = time.monotonic,
) -> JobReport:
    """Deliver every SENDING broadcast, oldest first (a new one waits for the one before)."""
    report = JobReport("broadcasts")
    async with session_factory() as session:
        due = (
            await session.scalars(
                select(Broadcast.id)
                .where(Broadcast.status == BroadcastStatus.SENDING)
                .order_by(Broadcast.id)
            )
        ).all()
    outcomes: Counter[DeliveryStatus] = Counter()
    for broadcast_id in due:
        run = BroadcastRun(
            session_factory,
            sender,
            bot,
            clock,
            i18n,
            broadcast_id,
            progress_every,
            batch_size,
            monotonic,
        )
        await run.deliver()
        report.due += 1
        report.claimed += run.handed_over
        outcomes.update(run.outcomes)
    report.outcomes = {status.name: count for status, count in outcomes.items()}
    return report


def claim_statement(session: AsyncSession, broadcast: Broadcast, now: datetime) -> Executable:
    """INSERT INTO deliveries … SELECT the audience, skipping learners already claimed."""
    key = f"b{broadcast.id}"
    already = exists().where(
        Delivery.user_id == User.id,
        Delivery.kind == DeliveryKind.BROADCAST,
        Delivery.dedup_key == key,
    )
    columns = Delivery.__table__.c
    audience = (
        select(
            User.id,
            literal(DeliveryKind.BROADCAST, columns.kind.type),
            literal(key, columns.dedup_key.type),
            literal(broadcast.id, columns.broadcast_id.type),
            literal(DeliveryStatus.PENDING, columns.status.type),
            literal(0, columns.attempts.type),
            literal(now, columns.claimed_at.type),
        )
        .where(*Audience.parse(broadcast.audience).conditions(now), ~already)
        .order_by(User.id)
    )
    names = ["user_id", "kind", "dedup_key", "broadcast_id", "status", "attempts", "claimed_at"]
    return insert_ignore_from_select(session, Delivery, names, audience, key="dedup_key")


@dataclass
class BroadcastRun:
    """One run of the job over one broadcast."""

    session_factory: async_sessionmaker[AsyncSession]
    sender: Sender
    bot: Bot
    clock: Clock
    i18n: I18n
    broadcast_id: int
    progress_every: float
    batch_size: int
    monotonic: Callable[[], float]
    handed_over: int = 0
    outcomes: Counter[DeliveryStatus] = field(default_factory=Counter)
    cancelled: bool = False
    _progress_at: tuple[int, int] | None = None  # (chat id, message id)
    _locale: str = "en"
    _started: float = 0.0
    _done_at_start: int = 0
    _last_tick: float = 0.0
    _book: OutcomeBook | None = None  # the outcomes of the batch being sent

    async def deliver(self) -> None:
        if not await self._prepare():
            return
        self._book = self.sender.outcome_book()
        self.outcomes.update(await self.sender.send_all(self._pending(), book=self._book))
        await self._wrap_up()

    # ----------------------------------------------------------------- steps

    async def _prepare(self) -> bool:
        """Claim the audience (first run only), settle blocked learners, note the start."""
        now = self.clock.now()
        async with self.session_factory() as session, session.begin():
            broadcast = await session.get(Broadcast, self.broadcast_id)
            if broadcast is None or broadcast.status is not BroadcastStatus.SENDING:
                return False
            if broadcast.progress_chat_id is not None and broadcast.progress_message_id:
                self._progress_at = (broadcast.progress_chat_id, broadcast.progress_message_id)
                self._locale = await self._locale_of(session, broadcast.progress_chat_id)
            claimed = await session.scalar(
                select(exists().where(Delivery.broadcast_id == broadcast.id))
            )
            if not claimed:  # the audience is taken once: a snapshot at the first run
                await session.execute(claim_statement(session, broadcast, now))
            else:  # a learner claimed may have blocked the bot since (the claim skips them)
                await self._skip_blocked(session)
            counts = await broadcasts.tally(session, broadcast)
            await broadcasts.store_tally(session, broadcast.id, counts)
        self._started = self._last_tick = self.monotonic()
        self._done_at_start = counts.done
        return True

    async def _skip_blocked(self, session: AsyncSession) -> None:
        """Learners who blocked the bot since they were claimed get nothing, and count so."""
        blocked = select(User.id).where(User.blocked_at.is_not(None)).scalar_subquery()
        await session.execute(
            update(Delivery)
            .where(
                Delivery.broadcast_id == self.broadcast_id,
                Delivery.status == DeliveryStatus.PENDING,
                Delivery.user_id.in_(blocked),
            )
            .values(status=DeliveryStatus.BLOCKED, error="blocked the bot before sending")
            .execution_options(synchronize_session=False)
        )

    async def _next_batch(self, cursor: int) -> list[Outgoing]:
        """The next PENDING rows after `cursor` (each row at most once per run), as messages."""
        async with self.session_factory() as session:
            broadcast = await session.get(Broadcast, self.broadcast_id)
            if broadcast is None or broadcast.status is not BroadcastStatus.SENDING:
                self.cancelled = True
                return []
            rows = await session.execute(
                select(Delivery.id, User.id, User.telegram_id)
                .join(User, User.id == Delivery.user_id)
                .where(
                    Delivery.broadcast_id == self.broadcast_id,
                    Delivery.status == DeliveryStatus.PENDING,
                    Delivery.id > cursor,
                )
                .order_by(Delivery.id)
                .limit(self.batch_size)
            )
            return [
                Outgoing(
                    chat_id=telegram_id,
                    user_id=user_id,
                    text=broadcast.text,
                    photo=broadcast.photo_file_id,
                    delivery_id=delivery_id,
                )
                for delivery_id, user_id, telegram_id in rows.all()
            ]

    async def _pending(self) -> AsyncIterator[Outgoing]:
        """Feed the sender batch after batch, one stream: the next batch loads while this
        one is sent, and Stop is checked between batches and every `progress_every` s (when
        the progress is reported)."""
        loading = asyncio.ensure_future(self._next_batch(0))
        try:
            while True:
                batch = await loading
                if not batch or not await self._still_sending():
                    return
                loading = asyncio.ensure_future(self._next_batch(batch[-1].delivery_id or 0))
                self.handed_over += len(batch)
                for message in batch:
                    if self.monotonic() - self._last_tick >= self.progress_every:
                        self._last_tick = self.monotonic()
                        if not await self._report_progress():
                            self.cancelled = True
                            return
                    yield message
        finally:
            loading.cancel()
            await asyncio.gather(loading, return_exceptions=True)

    async def _still_sending(self) -> bool:
        async with self.session_factory() as session:
            status = await session.scalar(
                select(Broadcast.status).where(Broadcast.id == self.broadcast_id)
            )
        self.cancelled = status is not BroadcastStatus.SENDING
        return not self.cancelled

    async def _report_progress(self) -> bool:
        """Counts onto the broadcast and into the progress message; False once cancelled."""
        if self._book is not None:
            await self._book.write_waiting()  # the counts include every answer so far
        async with self.session_factory() as session, session.begin():
            broadcast = await session.get(Broadcast, self.broadcast_id)
            if broadcast is None or broadcast.status is not BroadcastStatus.SENDING:
                return False
            counts = await broadcasts.tally(session, broadcast)
            await broadcasts.store_tally(session, self.broadcast_id, counts)
        await self._edit(BroadcastStatus.SENDING, counts, self._eta(counts))
        return True

    async def _wrap_up(self) -> None:
        """DONE with the final report when nothing is left; the stop report if cancelled."""
        now = self.clock.now()
        async with self.session_factory() as session, session.begin():
            broadcast = await session.get(Broadcast, self.broadcast_id)
            if broadcast is None:
                return
            counts = await broadcasts.tally(session, broadcast)
            await broadcasts.store_tally(session, self.broadcast_id, counts)
            status = broadcast.status
            if status is BroadcastStatus.SENDING and counts.left == 0:
                finished = await broadcasts.finish(session, self.broadcast_id, now)
                status = BroadcastStatus.DONE if finished else BroadcastStatus.CANCELLED
        if status is BroadcastStatus.SENDING:  # rows left over: the next run sends them
            log.warning(
                "broadcast %s: %d message(s) left for the next run", self.broadcast_id, counts.left
            )
            await self._edit(status, counts, None)
            return
        log.info(
            "broadcast %s %s: sent %d, blocked %d, failed %d of %d",
            *(self.broadcast_id, status.name.lower()),
            *(counts.sent, counts.blocked, counts.failed, counts.total),
        )
        await self._edit(status, counts, None, final=True)

    # ----------------------------------------------------------------- the progress message

    def _eta(self, counts: Tally) -> float | None:
        """Seconds left at the pace the sender has kept in this run."""
        elapsed = self.monotonic() - self._started
        done = counts.done - self._done_at_start
        if elapsed <= 0 or done <= 0:
            return None
        return counts.left / (done / elapsed)

    async def _edit(
        self, status: BroadcastStatus, counts: Tally, eta: float | None, *, final: bool = False
    ) -> None:
        """Edit the progress message; a failed edit never stops the delivery."""
        if self._progress_at is None:
            return
        chat_id, message_id = self._progress_at
        with self.i18n.context(), self.i18n.use_locale(self._locale):
            text = progress_text(self.broadcast_id, counts, status, eta)
            markup: InlineKeyboardMarkup | None = (
                progress_keyboard(self.broadcast_id) if status is BroadcastStatus.SENDING else None
            )
        for attempt in (1, 2):
            try:
                await self.bot.edit_message_text(
                    text=text, chat_id=chat_id, message_id=message_id, reply_markup=markup
                )
                return
            except TelegramRetryAfter as exc:
                if not final or attempt == 2 or exc.retry_after > MAX_FINAL_EDIT_WAIT:
                    log.info("broadcast %s: progress edit skipped (%s)", self.broadcast_id, exc)
                    return
                await asyncio.sleep(exc.retry_after)  # the final report must stay
            except (TelegramAPIError, TelegramNetworkError) as exc:  # e.g. "not modified"
                log.info("broadcast %s: progress edit failed: %s", self.broadcast_id, exc)
                return

    async def _locale_of(self, session: AsyncSession, telegram_id: int) -> str:
        row = (
            await session.execute(
                select(User.language, User.language_code).where(User.telegram_id == telegram_id)
            )
        ).first()
        return learner_locale(row or (), self.i18n.available_locales, self.i18n.default_locale)
