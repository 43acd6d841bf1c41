"""Webhook mode: the secret, /healthz, and /metrics on its own listener, through aiohttp's
test client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import SendMessage
from aiogram.types import Chat, Message, Update, User
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.entry.metrics_server import build_metrics_app
from bot.entry.offline import OfflineSession
from bot.entry.webhook import build_app
from db.engine import create_engine

SECRET = "s3cret-token"


def update_json(update_id: int, text: str = "/help") -> str:
    user = User(id=7001, is_bot=False, first_name="Ada", language_code="en")
    message = Message(message_id=update_id, date=datetime.now(UTC),
                      chat=Chat(id=7001, type="private"), from_user=user, text=text)  # fmt: skip
    return Update(update_id=update_id, message=message).model_dump_json(exclude_none=True)


@pytest.fixture
async def client(
    dispatcher: Dispatcher, bot: Bot, engine: AsyncEngine,
    session_factory: async_sessionmaker[AsyncSession],
) -> AsyncIterator[TestClient]:  # fmt: skip
    app = build_app(dispatcher, bot, engine, secret=SECRET, path="/webhook", background=False)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def post(client: TestClient, body: str, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    response = await client.post("/webhook", data=body, headers=headers)
    return response.status


async def handled(offline: OfflineSession, dispatcher: Dispatcher) -> list[str]:
    """Texts the bot sent, once the background handling of every update is done."""
    for task in list(dispatcher._handle_update_tasks):
        await task
    return [m.text for m in offline.calls if isinstance(m, SendMessage)]


async def test_the_right_secret_is_fed_to_the_dispatcher(
    client: TestClient,
    offline_session: OfflineSession,
    dispatcher: Dispatcher,
) -> None:
    assert await post(client, update_json(1), SECRET) == 200
    texts = await handled(offline_session, dispatcher)
    assert any("/learn" in text for text in texts)


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x"])
async def test_a_wrong_or_missing_secret_is_refused_and_never_fed(
    client: TestClient, offline_session: OfflineSession, dispatcher: Dispatcher,
    secret: str | None,
) -> None:  # fmt: skip
    assert await post(client, update_json(2), secret) == 401
    assert await handled(offline_session, dispatcher) == []


async def test_healthz_answers_200_while_the_database_answers(client: TestClient) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert (await response.json()) == {"database": "ok"}


async def test_healthz_answers_503_when_the_database_is_gone(
    dispatcher: Dispatcher, bot: Bot
) -> None:
    gone = create_engine(
        "mysql+aiomysql://root@127.0.0.1:1/nowhere", connect_args={"connect_timeout": 1}
    )
    app = build_app(dispatcher, bot, gone, secret=SECRET)
    async with TestClient(TestServer(app)) as test_client:
        response = await test_client.get("/healthz")
        assert response.status == 503
    await gone.dispose()


async def test_the_public_webhook_listener_serves_no_metrics(client: TestClient) -> None:
    assert (await client.get("/metrics")).status == 404


async def test_metrics_expose_the_series_and_they_move(
    client: TestClient,
    offline_session: OfflineSession,
    dispatcher: Dispatcher,
) -> None:
    def value(body: str, series: str) -> float:
        for line in body.splitlines():
            if line.startswith(series + " ") or line.startswith(series + "{"):
                if series == "learnbot_updates_total" and 'type="message"' not in line:
                    continue
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    metrics = TestClient(TestServer(build_metrics_app()))
    await metrics.start_server()
    before = await (await metrics.get("/metrics")).text()
    for name in ("learnbot_updates_total", "learnbot_update_seconds", "learnbot_pushes_total",
                 "learnbot_job_runs_total", "learnbot_db_pool_checked_out"):  # fmt: skip
        assert name in before
    assert await post(client, update_json(3), SECRET) == 200
    await handled(offline_session, dispatcher)
    after = await (await metrics.get("/metrics")).text()
    await metrics.close()
    assert value(after, "learnbot_updates_total") == value(before, "learnbot_updates_total") + 1
