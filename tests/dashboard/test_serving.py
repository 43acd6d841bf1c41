"""Where the dashboard is served: beside the webhook, and the menu button that opens it."""

from __future__ import annotations

import logging
import socket

import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import SetChatMenuButton
from aiogram.types import MenuButtonWebApp
from aiohttp import ClientSession
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.entry.config import ConfigError, load_settings
from bot.entry.dashboard import serve_dashboard, set_menu_button, webapp_config
from bot.entry.offline import OfflineSession
from bot.entry.webhook import build_app
from bot.rules.clock import FixedClock
from bot.rules.course import CourseCache
from bot.webapp.app import WebAppConfig, mount
from tests.support.dashboard import LEARNER, TOKEN, Seeded, init_data

URL = "https://learn.example.org/app/"


async def test_the_menu_button_opens_the_dashboard(
    bot: Bot, offline_session: OfflineSession
) -> None:
    await set_menu_button(bot, URL)
    [call] = [c for c in offline_session.calls if isinstance(c, SetChatMenuButton)]
    assert isinstance(call.menu_button, MenuButtonWebApp)
    assert call.menu_button.web_app.url == URL
    assert call.chat_id is None  # every private chat's default


def test_webapp_url_must_be_https() -> None:
    assert load_settings(webapp_url=URL).webapp_url == URL
    with pytest.raises(ConfigError, match="WEBAPP_URL"):
        load_settings(webapp_url="http://learn.example.org/app/")


async def test_the_webhook_server_serves_the_dashboard_beside_the_webhook(
    dispatcher: Dispatcher,
    bot: Bot,
    engine: AsyncEngine,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    seeded: Seeded,
) -> None:
    app = build_app(dispatcher, bot, engine, secret="s3cret", background=False)
    settings = load_settings(webapp_url=URL, admin_ids="1")
    config = await webapp_config(settings, bot, TOKEN, session_factory, clock, CourseCache())
    mount(app, config)
    async with TestClient(TestServer(app)) as client:
        assert (await client.get("/healthz")).status == 200
        assert (await client.post("/webhook", data="{}")).status == 401  # no secret
        page = await client.get("/app", allow_redirects=True)
        assert page.status == 200
        assert "Content-Security-Policy" in page.headers
        raw = init_data(LEARNER, clock.now())
        courses = await client.get("/app/api/courses", headers={"Authorization": f"tma {raw}"})
        assert courses.status == 200
        assert (await courses.json())["courses"][0]["title"] == "Git basics"


async def test_the_access_log_never_holds_the_init_data(
    session_factory: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    seeded: Seeded,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = WebAppConfig(TOKEN, session_factory, clock, CourseCache())
    raw = init_data(LEARNER, clock.now())
    secret = raw.rsplit("hash=", 1)[1]
    with socket.socket() as probe:  # a free port for the real listener
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    headers = {
        "Authorization": f"tma {raw}",
        "Referer": f"https://learn.example.org/app/#tgWebAppData={raw}",
    }
    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        async with serve_dashboard(config, "127.0.0.1", port), ClientSession() as http:
            url = f"http://127.0.0.1:{port}/app/api/courses"
            async with http.get(url, headers=headers) as response:
                assert response.status == 200
    logged = [record.getMessage() for record in caplog.records]
    assert any("/app/api/courses" in line for line in logged)
    assert not any(secret in line or "tgWebAppData" in line for line in logged), logged
