"""scheduler.sender: outcomes written a batch at a time, and the re-send window that bounds
what a killed process sends twice. Over HTTP to the Bot API stand-in, on both databases.

A kill is played in-process: at the chosen arrival the stand-in marks the process dead and
cancels the sending task; from then on the ledger refuses every session (a dead process
writes nothing, so the sender's last-gasp write of what it sent cannot happen either).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Callable
from types import TracebackType
from typing import Any

import pytest
import sqlalchemy as sa
from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rules.clock import FixedClock
from db.enums import DeliveryKind, DeliveryStatus
from db.models import Delivery
from scheduler.sender import Outgoing, Sender
from tests.support.botapi_stub import BotAPIStub, Fault
from tests.support.factories import make_user

LEARNERS = 60
WINDOW = 10
FIRST_CHAT = 9001


class Killed(Exception):
    """The process is dead: nothing it does reaches the database any more."""


class Ledger:
    """A session factory in front of the real one: it can wait for a gate before each
    session, count the outcomes committed (read back after each session, before the
    sender goes on), and die."""

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self.factory = factory
        self.gate = asyncio.Event()
        self.gate.set()
        self.dead = False
        self.committed = 0  # ledger rows no longer PENDING

    def __call__(self) -> _Session:
        if self.dead:
            raise Killed
        return _Session(self)

    async def count(self) -> int:
        async with self.factory() as session:
            done = await session.scalar(
                sa.select(sa.func.count())
                .select_from(Delivery)
                .where(Delivery.status != DeliveryStatus.PENDING)
            )
        return int(done or 0)


class _Session:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.session = ledger.factory()

    async def __aenter__(self) -> AsyncSession:
        await self.ledger.gate.wait()
        return await self.session.__aenter__()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.session.__aexit__(kind, error, tb)
        self.ledger.committed = await self.ledger.count()


async def claimed_learners(session: AsyncSession) -> list[Outgoing]:
    messages = []
    for n in range(LEARNERS):
        user = await make_user(session, FIRST_CHAT + n)
        delivery = Delivery(user_id=user.id, kind=DeliveryKind.DAILY_LESSON, dedup_key="2026-12-01")
        session.add(delivery)
        await session.flush()
        messages.append(Outgoing(user.telegram_id, user.id, "📚 Lesson", delivery_id=delivery.id))
    await session.commit()
    return messages


def on_each_send(stub: BotAPIStub, action: Callable[[int], None]) -> None:
    """Call `action(n)` as the n-th sendMessage arrives (the call is then answered as usual)."""
    arrivals = 0

    def hook(method: str, _params: dict[str, Any]) -> Fault | None:
        nonlocal arrivals
        if method == "sendMessage":
            arrivals += 1
            action(arrivals)
        return None

    stub.fault_hook = hook


def copies(stub: BotAPIStub) -> Counter[int]:
    return Counter(int(c.chat_id) for c in stub.calls if c.method == "sendMessage" and c.ok)


async def pending(
    factory: async_sessionmaker[AsyncSession], messages: list[Outgoing]
) -> list[Outgoing]:
    async with factory() as session:
        left = set(
            await session.scalars(
                sa.select(Delivery.id).where(Delivery.status == DeliveryStatus.PENDING)
            )
        )
    return [message for message in messages if message.delivery_id in left]


@pytest.fixture(autouse=True)
def fresh_stub(stub: BotAPIStub) -> None:
    stub.reset()


@pytest.mark.parametrize(
    ("ledger_keeps_up", "kill_at"),
    [(True, 30), (False, WINDOW)],
    ids=["ledger-keeps-up", "ledger-wrote-nothing"],
)
async def test_a_kill_mid_batch_re_sends_at_most_one_window_and_nobody_gets_three_copies(
    ledger_keeps_up: bool,
    kill_at: int,
    stub: BotAPIStub,
    api_bot: Bot,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FixedClock,
) -> None:
    messages = await claimed_learners(session)
    ledger = Ledger(session_factory)
    if not ledger_keeps_up:
        ledger.gate.clear()  # the worst case: a full window out, nothing written yet
    sender = Sender(api_bot, ledger, clock, rate=1000, per_chat_interval=0,  # type: ignore[arg-type]
                    concurrency=4, resend_window=WINDOW)  # fmt: skip
    sending = asyncio.create_task(sender.send_all(messages))

    def kill(n: int) -> None:
        if n == kill_at:
            ledger.dead = True
            sending.cancel()

    on_each_send(stub, kill)
    with contextlib.suppress(Killed, asyncio.CancelledError):
        await sending
    stub.fault_hook = None
    before_restart = copies(stub)
    # (A write already under way at the kill may still commit, as a real one would.)
    left = await pending(session_factory, messages)
    assert 0 < len(left) < LEARNERS or not ledger_keeps_up  # killed mid-way

    restarted = Sender(api_bot, session_factory, clock, rate=1000, per_chat_interval=0)
    await restarted.send_all(left)

    delivered = copies(stub)
    assert set(delivered) == {message.chat_id for message in messages}
    assert max(delivered.values()) == 2
    twice = [chat for chat, count in delivered.items() if count == 2]
    assert 1 <= len(twice) <= WINDOW  # what was sent but not yet recorded at the kill
    assert set(twice) <= set(before_restart)
    assert await pending(session_factory, messages) == []


async def test_no_message_starts_while_a_window_of_outcomes_is_unrecorded(
    stub: BotAPIStub,
    api_bot: Bot,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FixedClock,
) -> None:
    messages = await claimed_learners(session)
    ledger = Ledger(session_factory)
    ledger.gate.clear()  # the database is slow: nothing is written until a window went out
    unrecorded_at_arrival: list[int] = []

    def watch(n: int) -> None:
        unrecorded_at_arrival.append(n - ledger.committed)
        if n == WINDOW:
            ledger.gate.set()

    on_each_send(stub, watch)
    sender = Sender(api_bot, ledger, clock, rate=1000, per_chat_interval=0,  # type: ignore[arg-type]
                    concurrency=4, resend_window=WINDOW)  # fmt: skip

    outcomes = await sender.send_all(messages)

    assert outcomes == {DeliveryStatus.SENT: LEARNERS}
    assert max(unrecorded_at_arrival) == WINDOW
    assert len(unrecorded_at_arrival) == LEARNERS
    assert ledger.committed == LEARNERS
    assert set(copies(stub).values()) == {1}
