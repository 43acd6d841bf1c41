"""The one sender for every outgoing push: daily lessons, streak reminders, broadcasts.

Every message goes through one :class:`RateLimiter`: at most ``rate`` sends start in
any one-second window (a sliding-window log of start times) and at most one per
``per_chat_interval`` to the same chat. A 429 pauses *all* sends for ``retry_after`` seconds,
then the message is retried; a 403 marks the learner blocked; network errors and 5xx are retried
with exponential back-off; anything else fails at once. The request is posted by
:class:`~scheduler.botapi.PushPoster` (JSON, only ``ok`` read back).

Outcomes go to the delivery ledger after Telegram has answered, in short sessions of their
own: :meth:`Sender.send` writes its one outcome at once; :meth:`Sender.send_all` writes them a
batch at a time through :class:`~scheduler.outcomes.OutcomeBook`, and no message starts while
``resend_window`` messages lack a committed outcome, so a process killed outright re-sends at
most that many on restart (each learner at most one extra copy).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections import Counter, deque
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    AiogramError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardMarkup
from prometheus_client import Counter as Counter_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.observability.metrics import PUSHES, RATE_LIMITED
from bot.rules.clock import Clock
from db.enums import DeliveryStatus
from scheduler.botapi import PushPoster
from scheduler.outcomes import DEFAULT_DELAY, DEFAULT_WINDOW, Outcome, OutcomeBook, write_outcomes

__all__ = ["Outgoing", "RateLimiter", "Sender", "SenderStats"]

log = logging.getLogger(__name__)

Monotonic = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

ERROR_MAX_CHARS = 255  # deliveries.error is VARCHAR(255)
MIN_SPACING = 0.001  # seconds: the finest spacing between starts the limiter keeps


@dataclass(frozen=True)
class Outgoing:
    chat_id: int  # Telegram chat id (= the learner's telegram_id)
    user_id: int  # users.id, to mark the learner blocked on 403
    text: str  # Telegram HTML
    reply_markup: InlineKeyboardMarkup | None = None
    photo: str | None = None  # when set: send_photo(photo, caption=text)
    delivery_id: int | None = None  # the `deliveries` row to record the outcome in


@dataclass
class SenderStats:
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    rate_limited: int = 0  # 429 answers seen
    retried: int = 0  # attempts after the first


class RateLimiter:
    """At most ``rate`` starts in any ``window`` seconds; one start per chat per interval.

    A sliding-window log: the start times of the last ``rate`` sends. A new send may start
    once the oldest of them is ``window`` seconds old, so no window of that length (wherever
    it begins) holds more than ``rate`` starts. With ``smooth`` (the default) starts are
    also spaced ``window / rate`` apart (when that is at least :data:`MIN_SPACING`): bursts
    of ``rate`` at once would let network jitter bunch two bursts into one second as
    Telegram sees them. Waits are computed
    exactly from ``monotonic()`` and slept with ``sleep``; ``pause`` holds every start
    back (a 429).
    """

    def __init__(
        self,
        rate: float,
        per_chat_interval: float,
        *,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        window: float = 1.0,
        smooth: bool = True,
    ) -> None:
        if rate < 1:
            raise ValueError("rate must be at least 1 message per window")
        self._window = window
        spacing = window / rate if smooth else 0.0
        # Finer spacing cannot be slept (the loop's timers tick in milliseconds): each start
        # would wait a tick. Above 1,000 a second, Telegram's highest limit, the window rules.
        self._spacing = spacing if spacing >= MIN_SPACING else 0.0
        self._per_chat = per_chat_interval
        self._monotonic = monotonic
        self._sleep = sleep
        self._starts: deque[float] = deque(maxlen=int(rate))
        self._chat_starts: dict[int, float] = {}  # the last start of each recent chat
        # (start, chat) in start order, to forget idle chats: a deque, because popping a
        # dict's first keys makes finding the next first key ever slower
        self._chat_log: deque[tuple[float, int]] = deque()
        self._paused_until = float("-inf")

    async def acquire(self, chat_id: int) -> None:
        """Wait until a send to ``chat_id`` may start, and count it as started."""
        while True:
            now = self._monotonic()
            wait = self._wait(chat_id, now)
            if wait <= 0:
                self._start(chat_id, now)
                return
            await self._sleep(wait)

    def pause(self, seconds: float) -> None:
        """No send starts for ``seconds`` from now (longer pauses already set stand)."""
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    def _wait(self, chat_id: int, now: float) -> float:
        waits = [self._paused_until - now]
        if self._starts:
            waits.append(self._starts[-1] + self._spacing - now)
        if len(self._starts) == self._starts.maxlen:
            waits.append(self._starts[0] + self._window - now)
        last = self._chat_starts.get(chat_id)
        if last is not None:
            waits.append(last + self._per_chat - now)
        return max(waits)

    def _start(self, chat_id: int, now: float) -> None:
        self._starts.append(now)
        self._chat_starts[chat_id] = now
        self._chat_log.append((now, chat_id))
        self._forget_idle_chats(now)

    def _forget_idle_chats(self, now: float) -> None:
        log = self._chat_log
        while log and now - log[0][0] >= self._per_chat:
            started, chat_id = log.popleft()
            if self._chat_starts.get(chat_id) == started:
                del self._chat_starts[chat_id]


class Sender:
    def __init__(
        self,
        bot: Bot,
        session_factory: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        rate: float = 25.0,
        per_chat_interval: float = 1.0,
        max_attempts: int = 5,
        paid_broadcast: bool = False,
        concurrency: int = 8,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        resend_window: int = DEFAULT_WINDOW,
        outcome_delay: float = DEFAULT_DELAY,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if max_attempts < 1 or concurrency < 1:
            raise ValueError("max_attempts and concurrency must be at least 1")
        if resend_window < concurrency:
            raise ValueError("the re-send window must hold at least `concurrency` messages")
        self._poster = PushPoster(bot)
        self._session_factory = session_factory
        self._clock = clock
        self._max_attempts = max_attempts
        self._paid_broadcast = True if paid_broadcast else None
        self._concurrency = concurrency
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._resend_window = resend_window
        self._outcome_delay = outcome_delay
        self._sleep = sleep
        self._limiter = RateLimiter(rate, per_chat_interval, monotonic=monotonic, sleep=sleep)
        self.stats = SenderStats()

    async def send(self, message: Outgoing) -> DeliveryStatus:
        """Send one message (retrying as the rules say) and record the outcome at once."""
        outcome = await self.attempt(message)
        await write_outcomes(self._session_factory, self._clock, [outcome])
        return outcome.status

    def outcome_book(self) -> OutcomeBook:
        """A book for one :meth:`send_all`, for a caller that must see every outcome so far
        in the ledger at moments of its choosing (``await book.write_waiting()``)."""
        return OutcomeBook(
            self._session_factory,
            self._clock,
            window=self._resend_window,
            delay=self._outcome_delay,
        )

    async def send_all(
        self,
        messages: Iterable[Outgoing] | AsyncIterable[Outgoing],
        *,
        book: OutcomeBook | None = None,
    ) -> Counter[DeliveryStatus]:
        """Send every message, up to ``concurrency`` at a time, within the re-send window;
        record the outcomes a batch at a time (in ``book``, a fresh one by default); count
        them."""
        outcomes: Counter[DeliveryStatus] = Counter()
        book = book or self.outcome_book()
        stream = _stream(messages)
        taking = asyncio.Lock()  # one worker at a time asks the stream for its next message

        async def work() -> None:  # one per unit of concurrency: no task, no hand-over
            while True:  # per message; the lock is free unless the stream is loading more
                async with taking:
                    message = await anext(stream, None)
                if message is None:
                    return
                await book.reserve()
                outcome = await self.attempt(message)
                book.add(outcome)
                outcomes[outcome.status] += 1

        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(book.keep_writing())
                async with asyncio.TaskGroup() as sending:
                    for _ in range(self._concurrency):
                        sending.create_task(work())
                book.close()
        finally:  # stopped early (a crash, a cancel): what was sent is still written
            await book.write_waiting()
        return outcomes

    async def attempt(self, message: Outgoing) -> Outcome:
        """Send one message, retrying as the rules say; its outcome, not yet recorded."""
        error: Exception | None = None
        for attempt in range(1, self._max_attempts + 1):
            await self._limiter.acquire(message.chat_id)
            try:
                await self._deliver(message)
            except TelegramRetryAfter as exc:
                self.stats.rate_limited += 1
                RATE_LIMITED.inc()
                self._limiter.pause(exc.retry_after)  # the retry waits in the limiter
                error, delay = exc, 0.0
            except TelegramForbiddenError as exc:
                return self._finish(message, DeliveryStatus.BLOCKED, attempt, exc)
            except TelegramEntityTooLarge as exc:  # a TelegramNetworkError, but final
                return self._finish(message, DeliveryStatus.FAILED, attempt, exc)
            except (TelegramNetworkError, TelegramServerError) as exc:
                error, delay = exc, self._backoff_delay(attempt)
            except Exception as exc:  # bad request, not found, …: retrying will not help
                return self._finish(message, DeliveryStatus.FAILED, attempt, exc)
            else:
                return self._finish(message, DeliveryStatus.SENT, attempt)
            if attempt < self._max_attempts:
                self.stats.retried += 1
                log.debug("retrying chat=%s delivery=%s: %s", *_context(message), error)
                if delay > 0:
                    await self._sleep(delay)
        return self._finish(message, DeliveryStatus.FAILED, self._max_attempts, error)

    async def _deliver(self, message: Outgoing) -> None:
        params: dict[str, Any] = {
            "chat_id": message.chat_id,
            "parse_mode": ParseMode.HTML,
            "reply_markup": message.reply_markup,
            "allow_paid_broadcast": self._paid_broadcast,
        }
        if message.photo is not None:
            await self._poster.post(
                "sendPhoto", params | {"photo": message.photo, "caption": message.text}
            )
        else:
            await self._poster.post("sendMessage", params | {"text": message.text})

    def _backoff_delay(self, attempt: int) -> float:
        return float(min(self._backoff * 2 ** (attempt - 1), self._max_backoff))

    def _finish(
        self,
        message: Outgoing,
        status: DeliveryStatus,
        attempts: int,
        error: Exception | None = None,
    ) -> Outcome:
        text = None if error is None else _describe(error)[:ERROR_MAX_CHARS]
        _pushes(status).inc()
        if status is DeliveryStatus.SENT:
            self.stats.sent += 1
        elif status is DeliveryStatus.BLOCKED:
            self.stats.blocked += 1
            log.info("blocked chat=%s delivery=%s: %s", *_context(message), text)
        else:
            self.stats.failed += 1
            log.warning(
                "failed chat=%s delivery=%s after %d attempt(s): %s",
                *_context(message),
                attempts,
                text,
                exc_info=error is not None and not isinstance(error, AiogramError),
            )
        return Outcome(message.user_id, message.delivery_id, status, attempts, text)


@functools.cache
def _pushes(status: DeliveryStatus) -> Counter_:
    """The outcome's counter, looked up once (a label lookup costs more than the count)."""
    return PUSHES.labels(outcome=status.name.lower())


def _context(message: Outgoing) -> tuple[int, int | None]:
    """What a log line says about a message: never its text."""
    return message.chat_id, message.delivery_id


def _describe(error: Exception) -> str:
    return str(error) if isinstance(error, AiogramError) else f"{type(error).__name__}: {error}"


def _stream(messages: Iterable[Outgoing] | AsyncIterable[Outgoing]) -> AsyncIterator[Outgoing]:
    if isinstance(messages, AsyncIterable):
        return aiter(messages)
    return _from_iterable(messages)


async def _from_iterable(messages: Iterable[Outgoing]) -> AsyncIterator[Outgoing]:
    for message in messages:
        yield message
