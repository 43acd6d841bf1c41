"""Logs: one structured line per update, with no message text and no token."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.observability.logs import JsonFormatter
from tests.support.chat import Chat
from tests.support.factories import make_course
from tests.support.flows import onboard

SECRET_TEXT = "my password is hunter2"


async def test_one_line_per_update_with_ids_handler_outcome_and_duration(
    session: AsyncSession, make_chat: Callable[..., Chat], caplog: pytest.LogCaptureFixture
) -> None:
    await make_course(session, [1])
    await session.commit()
    chat = make_chat(user_id=4242)
    await onboard(chat)
    with caplog.at_level(logging.INFO):
        caplog.clear()
        await chat.send("/learn")
        await chat.send(SECRET_TEXT)
    lines = [r for r in caplog.records if r.name == "learnbot.updates"]
    assert len(lines) == 2
    learn, other = lines
    assert learn.__dict__["user_id"] == 4242
    assert learn.__dict__["handler"] == "bot.telegram.handlers.learn.learn"
    assert learn.__dict__["outcome"] == "handled"
    assert learn.__dict__["ms"] >= 0
    assert other.__dict__["handler"] == "bot.telegram.handlers.fallback.unknown_message"
    rendered = [JsonFormatter().format(record) for record in caplog.records]
    assert all(SECRET_TEXT not in line for line in rendered)
    assert all("42:TEST" not in line for line in rendered)
    parsed = json.loads(JsonFormatter().format(learn))
    assert {"time", "level", "logger", "update_id", "user_id", "handler", "outcome", "ms"} <= set(
        parsed
    )
