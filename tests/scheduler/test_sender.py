"""scheduler.sender: the real sender, a real aiogram Bot, and the Bot API stub over HTTP.

Timing assertions read the stub's arrival times (``RecordedCall.at``, the same monotonic
clock as the sender's). The sender limits when a request *starts*; its arrival follows a
few milliseconds later, or tens on a busy machine (a stalled event loop delays every request
in flight), so bounds between two arrivals allow ``ARRIVAL_JITTER``, and the timing tests
keep the longest stall, a full garbage collection, out (``quiet_gc``). Bounds measured from a
rejected call's arrival need none: the sender only learns of the rejection after it arrived.
The limiter's own arithmetic is checked exactly, in virtual time.
"""

from __future__ import annotations

import asyncio
import gc
import heapq
import itertools
import logging
from collections.abc import AsyncIterator, Awaitable, Iterable, Iterator
from typing import Any, TypeVar

import pytest
from aiogram import Bot
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rules.clock import FixedClock
from db.enums import DeliveryKind, DeliveryStatus
from db.models import Delivery, User
from scheduler.sender import Outgoing, RateLimiter, Sender
from tests.support.botapi_stub import BotAPIStub, RecordedCall
from tests.support.factories import make_user

T = TypeVar("T")
ARRIVAL_JITTER = 0.1


@pytest.fixture(autouse=True)
def fresh_stub(stub: BotAPIStub) -> None:
    stub.reset()  # no calls, messages or faults left over from another test


@pytest.fixture
def quiet_gc() -> Iterator[None]:
    """No full garbage collection during a timing test.

    A full collection of this process's heap stalls the event loop for ~0.2 s; requests in
    flight then reach the stub late, bunched with the ones started after them, and the
    arrival times no longer show the spacing the limiter kept. Frozen objects are not scanned.
    """
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()


def no_database() -> async_sessionmaker[AsyncSession]:
    """For tests without deliveries or 403s: the sender must not touch the database."""
    return async_sessionmaker()


async def learner_with_delivery(session: AsyncSession, telegram_id: int) -> tuple[User, Delivery]:
    user = await make_user(session, telegram_id)
    delivery = Delivery(user_id=user.id, kind=DeliveryKind.DAILY_LESSON, dedup_key="2026-11-25")
    session.add(delivery)
    await session.flush()
    return user, delivery


async def fetch(factory: async_sessionmaker[AsyncSession], model: type[T], row_id: int) -> T:
    async with factory() as session:
        row = await session.get(model, row_id)
    assert row is not None
    return row


def calls_to(stub: BotAPIStub, chat_id: int) -> list[RecordedCall]:
    return [call for call in stub.calls if call.chat_id == chat_id]


def max_in_window(times: Iterable[float], width: float) -> int:
    """The most of ``times`` that any half-open window [t, t + width) holds."""
    ordered = sorted(times)
    return max(
        sum(1 for other in ordered[i:] if other < start + width) for i, start in enumerate(ordered)
    )


# --------------------------------------------------------------------------- outcomes


async def test_a_send_is_recorded_as_sent(
    stub: BotAPIStub,
    api_bot: Bot,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FixedClock,
) -> None:
    user, delivery = await learner_with_delivery(session, 1001)
    await session.commit()
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Start", callback_data="lesson:1")]]
    )
    sender = Sender(api_bot, session_factory, clock)

    status = await sender.send(
        Outgoing(1001, user.id, "<b>Lesson 1</b> is ready", markup, delivery_id=delivery.id)
    )

    assert status is DeliveryStatus.SENT
    [call] = stub.calls
    assert call.method == "sendMessage"
    assert call.ok
    assert call.params["text"] == "<b>Lesson 1</b> is ready"
    assert call.params["parse_mode"] == "HTML"
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "lesson:1"
    assert "allow_paid_broadcast" not in call.params
    row = await fetch(session_factory, Delivery, delivery.id)
    assert (row.status, row.attempts, row.sent_at, row.error) == (
        DeliveryStatus.SENT, 1, clock.now(), None,
    )  # fmt: skip
    assert (sender.stats.sent, sender.stats.retried) == (1, 0)


async def test_a_photo_goes_with_its_caption_and_paid_broadcast_is_passed_on(
    stub: BotAPIStub, api_bot: Bot, clock: FixedClock
) -> None:
    sender = Sender(api_bot, no_database(), clock, paid_broadcast=True, rate=1000)

    status = await sender.send(Outgoing(1002, 1, "<i>News</i>", photo="AgAD-photo-id"))

    assert status is DeliveryStatus.SENT
    [call] = stub.calls
    assert call.method == "sendPhoto"
    assert (call.params["photo"], call.params["caption"]) == ("AgAD-photo-id", "<i>News</i>")
    assert call.params["allow_paid_broadcast"] is True


async def test_429_pauses_every_send_then_delivers_the_message_once(
    stub: BotAPIStub,
    api_bot: Bot,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FixedClock,
) -> None:
    user, delivery = await learner_with_delivery(session, 2001)
    await session.commit()
    stub.fail_next("sendMessage", status=429, retry_after=1, chat_id=2001)
    # Chat 2002's second message may start 0.5 s after its first: well before the pause ends.
    sender = Sender(api_bot, session_factory, clock, per_chat_interval=0.5)

    outcomes = await sender.send_all(
        [
            Outgoing(2002, 2, "first to 2002"),
            Outgoing(2001, user.id, "to 2001", delivery_id=delivery.id),
            Outgoing(2002, 2, "second to 2002"),
        ]
    )

    assert outcomes == {DeliveryStatus.SENT: 3}
    rejected, delivered = calls_to(stub, 2001)
    assert (rejected.status, delivered.status) == (429, 200)
    assert delivered.at >= rejected.at + 1
    assert len(stub.chat_history(2001)) == 1
    _, second = calls_to(stub, 2002)
    assert second.ok
    assert second.at >= rejected.at + 1
    row = await fetch(session_factory, Delivery, delivery.id)
    assert (row.status, row.attempts, row.error) == (DeliveryStatus.SENT, 2, None)
    assert (sender.stats.rate_limited, sender.stats.retried, sender.stats.sent) == (1, 1, 3)


async def test_403_marks_the_learner_blocked_without_retrying(
    stub: BotAPIStub,
    api_bot: Bot,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FixedClock,
) -> None:
    user, delivery = await learner_with_delivery(session, 3001)
    await session.commit()
    stub.fail_next("sendMessage", status=403)
    sender = Sender(api_bot, session_factory, clock, backoff=0.01)

    status = await sender.send(Outgoing(3001, user.id, "hello", delivery_id=delivery.id))

    assert status is DeliveryStatus.BLOCKED
    assert [call.status for call in stub.calls] == [403]
    assert (await fetch(session_factory, User, user.id)).blocked_at == clock.now()
    row = await fetch(session_factory, Delivery, delivery.id)
    assert (row.status, row.attempts, row.sent_at) == (DeliveryStatus.BLOCKED, 1, None)
    assert row.error is not None
    assert "blocked by the user" in row.error
    assert (sender.stats.blocked, sender.stats.retried) == (1, 0)


@pytest.mark.parametrize(
    "fault", [{"status": 500}, {"drop_connection": True}], ids=["500", "dropped"]
)
async def test_server_and_network_errors_are_retried_with_back_off(
    fault: dict[str, Any],
    stub: BotAPIStub,
    api_bot: Bot,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FixedClock,
) -> None:
    user, delivery = await learner_with_delivery(session, 4001)
    await session.commit()
    stub.fail_next("sendMessage", times=2, **fault)
    sender = Sender(api_bot, session_factory, clock, backoff=0.05, per_chat_interval=0.01)

    status = await sender.send(Outgoing(4001, user.id, "hello", delivery_id=delivery.id))

    assert status is DeliveryStatus.SENT
    first, second, third = stub.calls
    assert [call.ok for call in stub.calls] == [False, False, True]
    assert second.at - first.at >= 0.05
    assert third.at - second.at >= 0.1
    assert len(stub.chat_history(4001)) == 1
    row = await fetch(session_factory, Delivery, delivery.id)
    assert (row.status, row.attempts, row.error) == (DeliveryStatus.SENT, 3, None)
    assert sender.stats.retried == 2


async def test_attempts_are_bounded(
    stub: BotAPIStub,
    api_bot: Bot,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FixedClock,
) -> None:
    user, delivery = await learner_with_delivery(session, 5001)
    await session.commit()
    stub.fail_next("sendMessage", times=1000, status=500)
    sender = Sender(
        api_bot, session_factory, clock, max_attempts=3, backoff=0.01, per_chat_interval=0.01
    )

    status = await sender.send(Outgoing(5001, user.id, "hello", delivery_id=delivery.id))

    assert status is DeliveryStatus.FAILED
    assert [call.status for call in stub.calls] == [500, 500, 500]
    row = await fetch(session_factory, Delivery, delivery.id)
    assert (row.status, row.attempts, row.sent_at) == (DeliveryStatus.FAILED, 3, None)
    assert row.error is not None
    assert "Internal Server Error" in row.error
    assert (sender.stats.failed, sender.stats.retried) == (1, 2)
    assert (await fetch(session_factory, User, user.id)).blocked_at is None


async def test_a_bad_request_fails_at_once_and_the_log_keeps_the_text_out(
    stub: BotAPIStub,
    api_bot: Bot,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user, delivery = await learner_with_delivery(session, 6001)
    await session.commit()
    stub.fail_next("sendMessage", status=400, description="Bad Request: chat not found " * 20)
    sender = Sender(api_bot, session_factory, clock)

    with caplog.at_level(logging.INFO, logger="scheduler.sender"):
        status = await sender.send(
            Outgoing(6001, user.id, "private lesson text", delivery_id=delivery.id)
        )

    assert status is DeliveryStatus.FAILED
    assert len(stub.calls) == 1
    row = await fetch(session_factory, Delivery, delivery.id)
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, 1)
    assert row.error is not None
    assert len(row.error) == 255
    assert "chat not found" in row.error
    [record] = caplog.records
    line = record.getMessage()
    assert "chat=6001" in line
    assert f"delivery={delivery.id}" in line
    assert "chat not found" in line
    assert "private lesson text" not in line


# --------------------------------------------------------------------------- the rate


@pytest.mark.usefixtures("quiet_gc")
async def test_no_second_holds_more_than_the_rate(
    stub: BotAPIStub, api_bot: Bot, clock: FixedClock
) -> None:
    sender = Sender(api_bot, no_database(), clock, rate=20)

    outcomes = await sender.send_all(Outgoing(7000 + n, n, f"hi {n}") for n in range(60))

    assert outcomes == {DeliveryStatus.SENT: 60}
    arrivals = sorted(call.at for call in stub.calls if call.ok)
    assert len(arrivals) == 60
    assert max_in_window(arrivals, 1.0 - ARRIVAL_JITTER) <= 20
    assert 2.0 - ARRIVAL_JITTER <= arrivals[-1] - arrivals[0] < 4.0  # 20, 20, 20: not slower


@pytest.mark.usefixtures("quiet_gc")
async def test_one_chat_gets_at_most_one_message_per_interval(
    stub: BotAPIStub, api_bot: Bot, clock: FixedClock
) -> None:
    sender = Sender(api_bot, no_database(), clock, per_chat_interval=0.2)

    async def messages() -> AsyncIterator[Outgoing]:
        for n in range(5):
            yield Outgoing(8001, 1, f"part {n}")

    outcomes = await sender.send_all(messages())

    assert outcomes == {DeliveryStatus.SENT: 5}
    arrivals = sorted(call.at for call in stub.calls)
    assert len(arrivals) == 5
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert min(gaps) >= 0.2 - ARRIVAL_JITTER, gaps
    assert arrivals[-1] - arrivals[0] >= 4 * 0.2 - ARRIVAL_JITTER


# --------------------------------------------------------------------------- the limiter


class VirtualTime:
    """``monotonic``/``sleep`` for the limiter: time stands still while any task can run,
    then jumps to the earliest wake-up. Every sleep is recorded."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self._wakeups: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        wakeup = asyncio.get_running_loop().create_future()
        heapq.heappush(self._wakeups, (self.now + seconds, next(self._order), wakeup))
        await wakeup

    async def run(self, *work: Awaitable[T]) -> list[T]:
        tasks = [asyncio.ensure_future(item) for item in work]
        while True:
            for _ in range(5):  # let every task run until it sleeps or ends
                await asyncio.sleep(0)
            if all(task.done() for task in tasks):
                return [task.result() for task in tasks]
            when, _, wakeup = heapq.heappop(self._wakeups)
            self.now = max(self.now, when)
            wakeup.set_result(None)

    def limiter(
        self, rate: float, per_chat_interval: float = 1.0, *, smooth: bool = False
    ) -> RateLimiter:
        return RateLimiter(
            rate, per_chat_interval, monotonic=self.monotonic, sleep=self.sleep, smooth=smooth
        )

    async def start(self, limiter: RateLimiter, chat_id: int) -> float:
        await limiter.acquire(chat_id)
        return self.now


async def test_the_limiter_is_a_sliding_window() -> None:
    virtual = VirtualTime()
    limiter = virtual.limiter(rate=20)

    starts = await virtual.run(*(virtual.start(limiter, chat) for chat in range(60)))

    assert starts == [0.0] * 20 + [1.0] * 20 + [2.0] * 20
    assert max_in_window(starts, 1.0) == 20
    assert virtual.sleeps == [1.0] * 60  # exact waits: 40 wait once, 20 twice; no polling

    # 20 at 3.5, then 20 more asked for at 4.0 (a fixed window's edge): they wait until 4.5.
    virtual.now = 3.5
    await virtual.run(*(virtual.start(limiter, chat) for chat in range(100, 120)))
    virtual.now = 4.0
    late = await virtual.run(*(virtual.start(limiter, chat) for chat in range(200, 220)))
    assert late == [4.5] * 20


async def test_the_limiter_spaces_one_chat_and_pauses_everything() -> None:
    virtual = VirtualTime()
    limiter = virtual.limiter(rate=25, per_chat_interval=1.0)

    starts = await virtual.run(*(virtual.start(limiter, chat) for chat in (1, 1, 1, 2)))
    assert starts == [0.0, 1.0, 2.0, 0.0]

    limiter.pause(2.0)
    limiter.pause(0.5)  # a shorter pause does not cut the longer one short
    virtual.sleeps.clear()
    assert await virtual.run(virtual.start(limiter, 3)) == [4.0]
    assert virtual.sleeps == [2.0]


async def test_the_smooth_limiter_spaces_starts_evenly() -> None:
    virtual = VirtualTime()
    limiter = virtual.limiter(rate=20, smooth=True)

    starts = await virtual.run(*(virtual.start(limiter, chat) for chat in range(41)))

    assert starts == pytest.approx([i * 0.05 for i in range(41)])
    assert max_in_window(starts, 1.0) == 20  # and never a burst at a window's edge


def test_the_limiter_refuses_a_rate_below_one() -> None:
    with pytest.raises(ValueError, match="rate"):
        RateLimiter(0.5, 1.0)
