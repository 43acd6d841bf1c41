"""One transaction per update, and none to commit when the update only read."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.support.chat import Chat
from tests.support.engine_events import recorded
from tests.support.factories import make_course
from tests.support.flows import onboard

MakeChat = Callable[..., Chat]


async def test_updates_that_only_read_send_no_commit(
    session: AsyncSession, engine: AsyncEngine, make_chat: MakeChat
) -> None:
    await make_course(session, [2])
    await session.commit()
    chat = make_chat()
    await onboard(chat)
    with recorded(engine, "commit") as seen:
        for command in ("/modules", "/progress", "/help", "/leaderboard"):
            await chat.send(command)
    assert seen == []
    assert "Module 1" in chat.texts(await chat.send("/modules"))[0]


async def test_an_update_that_writes_commits_once(
    session: AsyncSession, engine: AsyncEngine, make_chat: MakeChat
) -> None:
    await make_course(session, [2])
    await session.commit()
    chat = make_chat()
    await onboard(chat)
    with recorded(engine, "commit") as seen:
        await chat.send("/learn")  # opens the first lesson: a progress row
    assert len(seen) == 1
