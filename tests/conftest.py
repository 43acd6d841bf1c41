"""Fixtures shared by every suite.

Each database test runs twice: on SQLite and on MySQL (MariaDB here). The MySQL leg
uses a throwaway database on the server (see tests/support/databases.py). Outside CI, a
missing server skips that leg with a loud line at the end; under CI=true it fails.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import User
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.entry.app import build_bot, build_dispatcher
from bot.entry.offline import OfflineSession
from bot.rules.clock import FixedClock
from bot.rules.course import CourseCache
from db.engine import MYSQL8_SQL_MODE, create_engine, create_session_factory
from db.models import Base
from tests.support import databases
from tests.support.backends import mysql_skipped, redis_skipped, require_backend
from tests.support.botapi_stub import BotAPIStub
from tests.support.chat import Chat
from tests.support.checked_bot import checked


@pytest.fixture(scope="session", params=databases.BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    require_backend(name)
    return name


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to head, shared by the session's tests on this backend."""
    with databases.throwaway_database(backend, tmp_path_factory.mktemp(backend)) as url:
        databases.upgrade(url)
        yield url


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, sql_mode=MYSQL8_SQL_MODE)
    yield engine
    await engine.dispose()


@pytest.fixture
async def session_factory(engine: AsyncEngine) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A session factory over a database emptied before the test (default achievements kept)."""
    await reset_database(engine)
    return create_session_factory(engine)


@pytest.fixture
async def session(
    session_factory: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    async with session_factory() as session:
        yield session


@pytest.fixture
def clock() -> FixedClock:
    """An injectable clock, standing still at a Wednesday noon UTC until moved."""
    return FixedClock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))


async def reset_database(engine: AsyncEngine) -> None:
    """Delete every row the tests may have written, children first."""
    async with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name == "achievements":
                await conn.execute(
                    table.delete().where(table.c.slug.not_in(default_achievement_slugs()))
                )
            else:
                await conn.execute(table.delete())


def default_achievement_slugs() -> list[str]:
    from importlib import import_module

    seeded = import_module("migrations.versions.0003_default_achievements")
    fitted = import_module("migrations.versions.0009_quizzes_that_teach")
    return sorted({*seeded.SLUGS, *fitted.SLUGS})


@pytest.fixture
def fresh_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database (no tables at all) of its own, for migration tests."""
    with databases.throwaway_database(backend, tmp_path) as url:
        yield url


PROCESS_TESTS = Path(__file__).parent / "processes"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/processes starts real processes: marked `process`, so the
    inner loop (`make test-fast`) can leave them out."""
    for item in items:
        if item.path.is_relative_to(PROCESS_TESTS):
            item.add_marker(pytest.mark.process)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if redis_skipped:
        terminalreporter.write_sep("!", "REDIS TESTS NOT RUN", red=True, bold=True)
        terminalreporter.write_line(redis_skipped[0], red=True, bold=True)
    if mysql_skipped:
        terminalreporter.write_sep("!", "MySQL LEG NOT RUN", red=True, bold=True)
        terminalreporter.write_line(mysql_skipped[0], red=True, bold=True)
        terminalreporter.write_line(
            "Only the SQLite leg ran. Start MariaDB/MySQL or set TEST_MYSQL_URL.", red=True
        )


# ---------------------------------------------------------------- chat fixtures


@pytest.fixture
def offline_session() -> OfflineSession:
    return OfflineSession()


@pytest.fixture
def bot(offline_session: OfflineSession) -> Bot:
    return checked(build_bot("42:TEST", session=offline_session))


@pytest.fixture
def dispatcher(session_factory: async_sessionmaker[AsyncSession], clock: FixedClock) -> Dispatcher:
    return build_dispatcher(session_factory, clock, course_cache=CourseCache(ttl=0))


@pytest.fixture
def make_chat(
    dispatcher: Dispatcher, bot: Bot, offline_session: OfflineSession
) -> Callable[..., Chat]:
    def make(
        user_id: int = 501,
        first_name: str = "Ada",
        language_code: str | None = "en",
        chat_type: str = "private",
        **user_fields: Any,
    ) -> Chat:
        user = User(
            id=user_id,
            is_bot=False,
            first_name=first_name,
            language_code=language_code,
            **user_fields,
        )
        return Chat(dispatcher, bot, offline_session, user, chat_type=chat_type)

    return make


# ---------------------------------------------------------------- the Bot API over HTTP


@pytest.fixture(scope="module")
async def stub() -> AsyncIterator[BotAPIStub]:
    """A local Bot API stand-in, one per test module (tests reset it as they need)."""
    async with BotAPIStub() as server:
        yield server


@pytest.fixture(scope="module")
async def api_bot(stub: BotAPIStub) -> AsyncIterator[Bot]:
    """A real aiogram Bot talking HTTP to the stand-in; one per module, since closing an
    aiogram session takes 250 ms."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(stub.base_url))
    bot = Bot("42:TEST", session=session, default=DefaultBotProperties(parse_mode="HTML"))
    yield bot
    await bot.session.close()
