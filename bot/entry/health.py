"""`learnbot health`, the image's HEALTHCHECK: the database (and Redis) answer.

It imports no aiogram, so it answers in well under a second.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable
from typing import cast

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.entry.config import Settings
from bot.entry.failures import NotReady, database_reason, one_line, require_existing
from db.engine import create_engine

CHECK_TIMEOUT = 5.0  # seconds per check; Docker's HEALTHCHECK gives 10 in all


async def ping_redis(url: str) -> None:
    """Raise RedisError (or TimeoutError) unless Redis answers."""
    redis = Redis.from_url(url)
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            await cast("Awaitable[bool]", redis.ping())  # typed for sync and async clients
    finally:
        await redis.aclose()


async def check_health(settings: Settings) -> int:
    """0 when the database (and Redis, when configured) answers, 1 otherwise."""
    healthy = True
    try:
        require_existing(settings.database_url)
        engine = create_engine(settings.database_url)
        try:
            async with asyncio.timeout(CHECK_TIMEOUT), engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        finally:
            await engine.dispose()
    except NotReady as exc:
        print(f"learnbot: database unavailable: {exc}", file=sys.stderr)
        healthy = False
    except (DBAPIError, OSError, TimeoutError) as exc:
        print(f"learnbot: database unavailable: {database_reason(exc)}", file=sys.stderr)
        healthy = False
    if settings.redis_url:
        try:
            await ping_redis(settings.redis_url)
        except (RedisError, OSError, TimeoutError) as exc:
            print(f"learnbot: redis unavailable: {one_line(exc) or 'timed out'}", file=sys.stderr)
            healthy = False
    return 0 if healthy else 1
