"""The demo's dashboard: the Mini App on localhost, and links that open it as someone.

A link carries the initData in its fragment (`#tgWebAppData=…`), signed with the demo's
token as Telegram would sign it: the fragment never reaches the server or its log, and
the page moves it into the Authorization header of its requests. The links are valid for
WEBAPP_AUTH_MAX_AGE (an hour by default), like Telegram's own.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.entry.config import Settings
from bot.entry.dashboard import start_dashboard
from bot.rules.clock import Clock
from bot.rules.course import CourseCache
from bot.rules.dashboard.init_data import demo_init_data
from bot.webapp.app import APP_PATH, WebAppConfig

log = logging.getLogger(__name__)
DEMO_HOST = "127.0.0.1"  # the demo's dashboard is for this machine only


def demo_link(
    base: str, token: str, telegram_id: int, name: str, now: datetime, tab: str = ""
) -> str:
    raw = demo_init_data(token, telegram_id, name, now)
    query = f"?tab={tab}" if tab else ""
    return f"{base}{APP_PATH}/{query}#tgWebAppData={quote(raw, safe='')}"


@asynccontextmanager
async def demo_dashboard(
    settings: Settings,
    token: str,
    factory: async_sessionmaker[AsyncSession],
    clock: Clock,
    course_cache: CourseCache,
    admin_ids: frozenset[int],
) -> AsyncIterator[str | None]:
    """The dashboard on DEMO_HOST:WEBAPP_PORT while the block runs; yields its base URL
    (None when the port is taken: the chat demo goes on without it)."""
    config = WebAppConfig(
        token=token,
        session_factory=factory,
        clock=clock,
        course_cache=course_cache,
        admin_ids=admin_ids,
        max_age=timedelta(seconds=settings.webapp_auth_max_age),
    )
    try:
        runner = await start_dashboard(config, DEMO_HOST, settings.webapp_port)
    except OSError as exc:
        log.warning("the demo's dashboard cannot listen on %s: %s", settings.webapp_port, exc)
        yield None
        return
    try:
        yield f"http://{DEMO_HOST}:{settings.webapp_port}"
    finally:
        await runner.cleanup()
