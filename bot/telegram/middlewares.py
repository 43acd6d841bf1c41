"""Per-update middlewares: one database session and transaction, the learner, the locale,
and the metrics and log line of every update."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, TelegramObject, Update
from aiogram.types import User as TgUser
from aiogram.utils.i18n import I18n, I18nMiddleware
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.observability.metrics import ERRORS, UPDATE_SECONDS, UPDATES
from bot.rules.clock import Clock
from bot.rules.course import CourseCache
from bot.rules.learners import TelegramProfile, learner_locale, register_or_refresh
from db.engine import is_disconnect
from db.write_tracking import has_writes

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
log = logging.getLogger(__name__)
update_log = logging.getLogger("learnbot.updates")


class InFlight(BaseMiddleware):
    """Counts the updates being handled, so a shutdown can let them finish first."""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        self.count += 1
        self._idle.clear()
        try:
            return await handler(event, data)
        finally:
            self.count -= 1
            if not self.count:
                self._idle.set()

    async def drained(self, timeout: float) -> bool:
        """Wait until no update is being handled (True), or `timeout` passes (False)."""
        await asyncio.sleep(0)  # updates already taken from Telegram start their handling
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True


class OneUpdateAtATimePerUser(BaseMiddleware):
    """Handle one learner's updates one after another, in the order they arrive.

    A quiz poll's answer can arrive while the update that sent the poll is still
    committing; a double tap sends two callbacks at once. Within a process, waiting
    for the learner's previous update makes both cases ordinary sequential ones.
    """

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: TgUser | None = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        lock = self._locks.setdefault(user.id, asyncio.Lock())
        self._waiting[user.id] = self._waiting.get(user.id, 0) + 1
        try:
            async with lock:
                return await handler(event, data)
        finally:
            self._waiting[user.id] -= 1
            if not self._waiting[user.id]:
                del self._waiting[user.id], self._locks[user.id]


# Telegram calls made while handling the current update (see CountTelegramCalls).
TELEGRAM_CALLS: ContextVar[int] = ContextVar("telegram_calls", default=0)
RETRYABLE_MYSQL_ERRORS = {1205, 1213}  # lock wait timeout, deadlock
MAX_ATTEMPTS = 3


class CountTelegramCalls(BaseRequestMiddleware):
    """Counts the Bot API calls of the update being handled, so a failed unit of work is
    only re-run when the learner has seen nothing of it yet."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        TELEGRAM_CALLS.set(TELEGRAM_CALLS.get() + 1)
        return await make_request(bot, method)


def retryable(error: BaseException) -> bool:
    """A deadlock, a lock wait timeout, or a connection the server had closed."""
    if is_disconnect(error):
        return True
    if not isinstance(error, DBAPIError) or error.orig is None:
        return False
    args: tuple[Any, ...] = getattr(error.orig, "args", ())
    return len(args) > 0 and args[0] in RETRYABLE_MYSQL_ERRORS


class DbSessionMiddleware(BaseMiddleware):
    """Open one session per update; commit when the handler succeeds and wrote something,
    roll back otherwise (an update that only read sends no COMMIT).

    A deadlock or a lock wait timeout (MySQL 1213, 1205), or a pooled connection found
    dead (the engine does not ping before every checkout), re-runs the whole unit of work,
    up to MAX_ATTEMPTS times, as long as nothing was sent to Telegram yet.
    """

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            calls = TELEGRAM_CALLS.set(0)
            try:
                return await self._attempt(handler, event, data)
            except DBAPIError as exc:
                if attempt == MAX_ATTEMPTS or TELEGRAM_CALLS.get() or not retryable(exc):
                    raise
                log.warning("update retried after %s (attempt %d)", exc.orig, attempt)
            finally:
                TELEGRAM_CALLS.reset(calls)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _attempt(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self.session_factory() as session:
            data["session"] = session
            try:
                result = await handler(event, data)
            except BaseException:
                await session.rollback()
                raise
            if has_writes(session):
                await session.commit()
            return result


class UpdateContext(BaseMiddleware):
    """What every handler may take as an argument instead of fetching it: ``now`` (one
    instant for the whole update, from the injected clock), ``catalogue`` (every published
    course, cached per process) and ``course`` (the learner's current course, set once the
    learner is known; before that, the only course of a one-course school)."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        clock: Clock = data["clock"]
        course_cache: CourseCache = data["course_cache"]
        data["now"] = clock.now()
        catalogue = await course_cache.get(data["session"])
        data["catalogue"] = catalogue
        data["course"] = catalogue.current(None)
        return await handler(event, data)


class LearnerMiddleware(BaseMiddleware):
    """Register or refresh the learner behind a private-chat update or a poll answer."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: TgUser | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        if user is not None and not user.is_bot and (chat is None or chat.type == "private"):
            learner, is_new = await register_or_refresh(
                data["session"],
                TelegramProfile(
                    telegram_id=user.id,
                    username=user.username,
                    first_name=user.first_name,
                    last_name=user.last_name,
                    language_code=user.language_code,
                ),
                data["now"],
            )
            data["learner"] = learner
            data["is_new_learner"] = is_new
            data["course"] = data["catalogue"].current(learner)
            # A plain copy: after a rollback the learner row is expired, and the error
            # handler still needs the learner's language to answer them.
            data["learner_language"] = learner.language
        return await handler(event, data)


class LearnerLocaleMiddleware(I18nMiddleware):
    """The learner's chosen language, else their Telegram language, else the default."""

    def __init__(self, i18n: I18n) -> None:
        super().__init__(i18n)

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user: TgUser | None = data.get("event_from_user")
        candidates = [
            data.get("learner_language"),
            user.language_code if user is not None else None,
        ]
        return learner_locale(candidates, self.i18n.available_locales, self.i18n.default_locale)


class MetricsMiddleware(BaseMiddleware):
    """Counts and times every update, and logs one line for it (no message texts)."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        kind = event.event_type if isinstance(event, Update) else type(event).__name__
        trace: dict[str, str] = {}
        data["trace"] = trace  # filled in by HandlerName, below the routers
        started = time.perf_counter()
        outcome = "unhandled"
        try:
            result = await handler(event, data)
            outcome = trace.get("outcome", "handled" if result is not UNHANDLED else "unhandled")
            return result
        except Exception:
            ERRORS.inc()
            outcome = "error"
            raise
        finally:
            elapsed = time.perf_counter() - started
            UPDATES.labels(type=kind).inc()
            UPDATE_SECONDS.observe(elapsed)
            user = data.get("event_from_user")
            update_log.info(
                "update",
                extra={
                    "update_id": getattr(event, "update_id", None),
                    "update_type": kind,
                    "user_id": user.id if user is not None else None,
                    "handler": trace.get("handler"),
                    "outcome": outcome,
                    "ms": round(elapsed * 1000, 1),
                },
            )


class HandlerName(BaseMiddleware):
    """An inner middleware: records which handler took the update, for the log line."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        trace = data.get("trace")
        chosen = data.get("handler")
        if isinstance(trace, dict) and chosen is not None:
            callback = chosen.callback
            trace["handler"] = f"{callback.__module__}.{callback.__qualname__}"
        return await handler(event, data)
