"""Serving the dashboard (a Telegram Mini App) and pointing the bot's menu button at it.

Without WEBAPP_URL nothing of this runs: no listener, no menu button change.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from aiogram import Bot
from aiogram.types import MenuButtonWebApp, WebAppInfo
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.entry.config import Settings
from bot.rules.clock import Clock
from bot.rules.course import CourseCache
from bot.webapp.app import ACCESS_LOG_FORMAT, WebAppConfig, standalone

log = logging.getLogger(__name__)
MENU_BUTTON_TEXT = "Dashboard"  # shown on the button beside the message field


async def webapp_config(
    settings: Settings,
    bot: Bot,
    token: str,
    session_factory: async_sessionmaker[AsyncSession],
    clock: Clock,
    course_cache: CourseCache,
) -> WebAppConfig:
    me = await bot.me()
    return WebAppConfig(
        token=token,
        session_factory=session_factory,
        clock=clock,
        course_cache=course_cache,
        admin_ids=frozenset(settings.admin_ids),
        max_age=timedelta(seconds=settings.webapp_auth_max_age),
        bot_username=me.username,
    )


async def set_menu_button(bot: Bot, url: str) -> None:
    """The menu button of every private chat opens the dashboard."""
    button = MenuButtonWebApp(text=MENU_BUTTON_TEXT, web_app=WebAppInfo(url=url))
    await bot.set_chat_menu_button(menu_button=button)
    log.info("menu button opens the dashboard at %s", url)


async def start_dashboard(config: WebAppConfig, host: str, port: int) -> web.AppRunner:
    """The dashboard alone, listening on host:port (OSError when it cannot listen)."""
    runner = web.AppRunner(standalone(config), access_log_format=ACCESS_LOG_FORMAT)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError:
        await runner.cleanup()
        raise
    log.info("dashboard on %s:%s", host, port)
    return runner


@asynccontextmanager
async def serve_dashboard(
    config: WebAppConfig, host: str, port: int
) -> AsyncIterator[web.AppRunner]:
    """The dashboard alone on host:port, until the block ends."""
    runner = await start_dashboard(config, host, port)
    try:
        yield runner
    finally:
        await runner.cleanup()
