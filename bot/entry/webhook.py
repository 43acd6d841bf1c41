"""`learnbot webhook`: aiogram's aiohttp webhook server, with /healthz.

Telegram's requests must carry the configured secret in
`X-Telegram-Bot-Api-Secret-Token`; anything else gets 401 and never reaches the
dispatcher. `/healthz` is 200 only while the database (and Redis, when configured)
answers. `/metrics` is not here but on METRICS_PORT (bot/entry/metrics_server.py), off
the public listener.

Shutdown (SIGTERM): the listener stops taking requests, the dispatcher's shutdown hooks
run, and the updates Telegram was already answered for are handled to the end (up to
SHUTDOWN_GRACE) before the bot's session closes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import cast
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.entry.app import SHUTDOWN_GRACE

log = logging.getLogger(__name__)
HEALTH_TIMEOUT = 3.0


class DrainingRequestHandler(SimpleRequestHandler):
    """Telegram gets its answer at once and the update is handled in the background;
    closing waits for those updates (bounded) before it closes the bot's session."""

    async def close(self) -> None:
        taken = set(self._background_feed_update_tasks)
        if taken:
            _done, unfinished = await asyncio.wait(taken, timeout=SHUTDOWN_GRACE)
            if unfinished:
                log.warning("shutting down with %d update(s) unfinished", len(unfinished))
        await super().close()


def build_app(
    dispatcher: Dispatcher,
    bot: Bot,
    engine: AsyncEngine,
    *,
    secret: str,
    path: str = "/webhook",
    background: bool = True,
    redis: Redis | None = None,
) -> web.Application:
    """The webhook app. With `background`, Telegram gets its answer at once and the
    update is handled after; without, the answer waits for the handling (tests)."""
    if not secret:
        raise ValueError("webhook mode needs WEBHOOK_SECRET")
    app = web.Application()
    # The dispatcher's startup (command menu) and shutdown (drain) hooks run with the app's.
    setup_application(app, dispatcher, bot=bot)
    handler = DrainingRequestHandler(
        dispatcher, bot, secret_token=secret, handle_in_background=background
    )
    handler.register(app, path=path)
    app.router.add_get("/healthz", health(engine, redis))
    return app


def health(
    engine: AsyncEngine, redis: Redis | None = None
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def healthz(_request: web.Request) -> web.Response:
        report = {"database": "ok"}
        try:
            async with asyncio.timeout(HEALTH_TIMEOUT), engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except (DBAPIError, OSError, TimeoutError) as exc:
            log.warning("health check: database unavailable: %s", exc)
            report["database"] = "unavailable"
        if redis is not None:
            try:
                async with asyncio.timeout(HEALTH_TIMEOUT):
                    await cast("Awaitable[bool]", redis.ping())  # typed for sync and async clients
                report["redis"] = "ok"
            except (RedisError, OSError, TimeoutError) as exc:
                log.warning("health check: redis unavailable: %s", exc)
                report["redis"] = "unavailable"
        healthy = all(value == "ok" for value in report.values())
        return web.json_response(report, status=200 if healthy else 503)

    return healthz


def webhook_path(url: str) -> str:
    return urlsplit(url).path or "/webhook"
