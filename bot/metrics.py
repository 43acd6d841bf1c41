"""Prometheus metrics: updates, handler latency, errors, pushes, scheduled jobs, the pool.

One registry per process (prometheus-client's default); `/metrics` in webhook mode
serves it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update
from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger("learnbot.updates")

UPDATES = Counter("learnbot_updates_total", "Updates handled, by type", ["type"])
UPDATE_SECONDS = Histogram(
    "learnbot_update_seconds",
    "Time to handle one update",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
ERRORS = Counter("learnbot_update_errors_total", "Updates whose handling raised")
PUSHES = Counter("learnbot_pushes_total", "Outgoing pushes by outcome", ["outcome"])
RATE_LIMITED = Counter("learnbot_telegram_429_total", "429 answers from Telegram")
JOB_RUNS = Counter("learnbot_job_runs_total", "Scheduled job runs", ["job", "outcome"])
JOB_SECONDS = Histogram("learnbot_job_seconds", "Scheduled job duration", ["job"])
POOL_CHECKED_OUT = Gauge("learnbot_db_pool_checked_out", "Database connections in use")


class MetricsMiddleware(BaseMiddleware):
    """Counts and times every update, and logs one line for it (no message texts)."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
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
            log.info(
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

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        trace = data.get("trace")
        chosen = data.get("handler")
        if isinstance(trace, dict) and chosen is not None:
            callback = chosen.callback
            trace["handler"] = f"{callback.__module__}.{callback.__qualname__}"
        return await handler(event, data)


def watch_pool(engine: AsyncEngine) -> None:
    """Keep the pool gauge current (read when /metrics is scraped)."""
    pool = engine.sync_engine.pool
    checked_out = getattr(pool, "checkedout", None)
    if callable(checked_out):
        POOL_CHECKED_OUT.set_function(lambda: float(checked_out()))
