"""A database outage: a TCP proxy between the bot and MariaDB is cut while learners are
active, then restored. Learners get "try again in a minute" during the cut, nothing
committed is lost, and the bot serves again with no restart."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiogram import Bot
from aiogram.types import User as TgUser
from sqlalchemy.engine import make_url

from bot.entry.app import build_dispatcher
from bot.entry.offline import OfflineSession
from bot.rules.clock import FixedClock
from bot.rules.course import CourseCache
from db.engine import MYSQL8_SQL_MODE, create_engine, create_session_factory
from db.models import User
from tests.support import databases
from tests.support.backends import require_backend
from tests.support.chat import Chat
from tests.support.factories import make_course


class Proxy:
    """A TCP proxy on loopback that can be cut (every connection dropped, new ones
    refused) and restored, standing in for a network or database outage."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.server: asyncio.Server | None = None
        self.port = 0
        self.links: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()
        for writer in list(self.links):
            writer.transport.abort()
        self.links.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self.links |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.transport.abort()
        self.links.discard(writer)


@pytest.fixture
async def mysql_url(tmp_path: Path) -> AsyncIterator[str]:
    require_backend("mysql")
    with databases.throwaway_database("mysql", tmp_path) as url:
        await asyncio.to_thread(databases.upgrade, url)
        yield url


async def test_learners_are_told_to_try_again_and_the_bot_recovers_by_itself(
    mysql_url: str, clock: FixedClock
) -> None:
    url = make_url(mysql_url)
    proxy = Proxy(url.host or "127.0.0.1", url.port or 3306)
    await proxy.start()
    through_proxy = url.set(host="127.0.0.1", port=proxy.port)
    engine = create_engine(through_proxy, sql_mode=MYSQL8_SQL_MODE,
                           connect_args={"connect_timeout": 2})  # fmt: skip
    factory = create_session_factory(engine)
    async with factory() as session:
        await make_course(session, [2])
        await session.commit()
    offline = OfflineSession()
    bot = Bot("42:OUTAGE", session=offline)
    dispatcher = build_dispatcher(factory, clock, course_cache=CourseCache(ttl=0))
    learners: list[Chat] = [
        Chat(dispatcher, bot, offline, TgUser(id=600 + n, is_bot=False, first_name="L",
                                              language_code="en"))
        for n in range(3)
    ]  # fmt: skip
    for chat in learners:
        await chat.send("/start")
        await chat.press_button("Berlin")
        await chat.press_button("09:00")

    await proxy.cut()
    for chat in learners:
        sent = await chat.send("/learn")
        assert any("try again in a minute" in text for text in chat.texts(sent)), chat.texts(sent)

    await proxy.start()  # the same port again
    for chat in learners:
        sent = await chat.send("/learn")
        assert any("Lesson 1.1" in text for text in chat.texts(sent)), chat.texts(sent)

    async with factory() as session:  # everything committed before the cut is still there
        onboarded = await session.scalar(
            sa.select(sa.func.count()).select_from(User).where(User.onboarded_at.is_not(None))
        )
    assert onboarded == 3
    await engine.dispose()
    await proxy.cut()
