"""The sender's outcomes, written to the delivery ledger a batch at a time, with a bounded
re-send window.

A push is sent first and its outcome written after Telegram answered (never a session held
open across a Telegram call). One transaction per message costs more than the HTTP request
itself, so :class:`OutcomeBook` keeps the outcomes in memory and writes them in batches: when
half the window is waiting, when the oldest has waited ``delay`` seconds, and when the
sending ends (even when it ends early: a crash, a cancel, a shutdown).

The window is the crash bound: a message enters it when its first attempt may start
(:meth:`OutcomeBook.reserve`) and leaves it when its outcome is committed, and no message
starts while ``window`` are in it. A process killed outright (no ``finally`` runs) leaves at
most ``window`` rows PENDING whose message may already have reached the learner, and the next
run sends those once more: at most one window of re-sends per kill, each learner at most one
extra copy. Anything short of a kill writes what was sent before it stops.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rules.clock import Clock
from db.enums import DeliveryStatus
from db.models import Delivery, User

__all__ = ["DEFAULT_WINDOW", "Outcome", "OutcomeBook", "write_outcomes"]

DEFAULT_WINDOW = 500  # messages out at once without their outcome in the ledger
# Seconds an outcome may wait in memory. Short, so that at ordinary rates a kill finds almost
# nothing unwritten (at 25 messages/s, one or two outcomes); under load the batches fill first.
DEFAULT_DELAY = 0.05


@dataclass(frozen=True)
class Outcome:
    """What became of one message, for the ledger."""

    user_id: int
    delivery_id: int | None
    status: DeliveryStatus
    attempts: int
    error: str | None = None


async def write_outcomes(
    session_factory: async_sessionmaker[AsyncSession], clock: Clock, outcomes: Sequence[Outcome]
) -> None:
    """Write `outcomes` in one transaction: one UPDATE per kind of outcome (usually one:
    sent at the first attempt), and the learners who blocked the bot marked so."""
    blocked = [o.user_id for o in outcomes if o.status is DeliveryStatus.BLOCKED]
    groups: defaultdict[tuple[DeliveryStatus, int, str | None], list[int]] = defaultdict(list)
    for outcome in outcomes:
        if outcome.delivery_id is not None:
            groups[outcome.status, outcome.attempts, outcome.error].append(outcome.delivery_id)
    if not blocked and not groups:
        return
    now = clock.now()
    async with session_factory() as session, session.begin():
        if blocked:
            await session.execute(update(User).where(User.id.in_(blocked)).values(blocked_at=now))
        for (status, attempts, error), ids in groups.items():
            values: dict[str, object] = {
                "status": status,
                "attempts": Delivery.attempts + attempts,  # a re-sent row keeps counting
                "error": error,
            }
            if status is DeliveryStatus.SENT:
                values["sent_at"] = now  # when the batch is written: ≤ `delay` after the answer
            await session.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids))
                .values(values)
                .execution_options(synchronize_session=False)
            )


class OutcomeBook:
    """Outcomes waiting for the ledger, and the window of messages not yet recorded."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        window: int = DEFAULT_WINDOW,
        delay: float = DEFAULT_DELAY,
    ) -> None:
        if window < 1:
            raise ValueError("the re-send window must hold at least 1 message")
        self._session_factory = session_factory
        self._clock = clock
        self._window = window
        self._batch = max(1, window // 2)
        self._delay = delay
        self._waiting: list[Outcome] = []  # answered, not yet committed (oldest first)
        self._out = 0  # reserved and not yet committed: in flight or waiting
        self._room = asyncio.Condition()
        self._some = asyncio.Event()  # something is waiting
        self._half = asyncio.Event()  # a batch is waiting
        self._closing = False
        self._writing = asyncio.Lock()

    async def reserve(self) -> None:
        """Wait until the window has room for one more message, and take it."""
        if self._out < self._window:  # the usual case: no lock to take
            self._out += 1
            return
        async with self._room:
            await self._room.wait_for(lambda: self._out < self._window)
            self._out += 1

    def add(self, outcome: Outcome) -> None:
        self._waiting.append(outcome)
        self._some.set()
        if len(self._waiting) >= self._batch:
            self._half.set()

    async def keep_writing(self) -> None:
        """Write batches as they fill (or age) until :meth:`close`; then everything left."""
        while not self._closing:
            await self._some.wait()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._delay):
                    await self._half.wait()
            await self.write_waiting()

    def close(self) -> None:
        """No more messages: the writer writes what is left and returns."""
        self._closing = True
        self._some.set()
        self._half.set()

    async def write_waiting(self) -> None:
        """Commit every outcome waiting now. They leave the list only once committed, so a
        write interrupted by a cancel is simply made again by the next call."""
        async with self._writing:  # the writer and a caller (broadcast progress) take turns
            batch = list(self._waiting)
            if batch:
                await write_outcomes(self._session_factory, self._clock, batch)
                del self._waiting[: len(batch)]
                async with self._room:
                    self._out -= len(batch)
                    self._room.notify(len(batch))
            if not self._waiting and not self._closing:
                self._some.clear()
            if len(self._waiting) < self._batch and not self._closing:
                self._half.clear()
