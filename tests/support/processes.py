"""Running `learnbot` as a real process against the HTTP stand-in, for process tests."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import create_engine, create_session_factory
from tests.support import databases
from tests.support.backends import require_backend
from tests.support.botapi_stub import BotAPIStub


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(stub: BotAPIStub, url: str, **extra: str) -> dict[str, str]:
    """The environment of a `learnbot` process on the stand-in and database `url`; its
    metrics on a port of its own, so several processes can run side by side."""
    return {
        **os.environ,
        "BOT_TOKEN": "42:PROC",
        "TELEGRAM_API_BASE": stub.base_url,
        "DATABASE_URL": url,
        "METRICS_HOST": "127.0.0.1",
        "METRICS_PORT": str(free_port()),
        "LOG_FORMAT": "json",
        **extra,
    }


async def learnbot(*args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    """`python -m bot ARGS` with its log lines (stderr too) on its stdout pipe."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=databases.ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def log_line(process: asyncio.subprocess.Process, starts: str, timeout: float = 120) -> str:
    """The first log message of `process` that starts with `starts` (lines are read as
    they come; a process that ends before writing it fails the wait)."""
    assert process.stdout is not None
    async with asyncio.timeout(timeout):
        while line := await process.stdout.readline():
            try:
                message = str(json.loads(line).get("message", ""))
            except ValueError:
                message = line.decode(errors="replace")
            if message.startswith(starts):
                return message
    raise AssertionError(f"the process ended without logging {starts!r}")


async def scrape(port: int) -> str:
    """The text of `/metrics` on 127.0.0.1:port."""
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/metrics") as r:
        assert r.status == 200
        return await r.text()


def sample(body: str, series: str) -> float:
    """The value of one series (`name{labels}` as Prometheus prints it), 0 when absent."""
    for line in body.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@asynccontextmanager
async def seeded_mysql(
    tmp_path: Path, seed: Callable[[AsyncSession], Awaitable[object]]
) -> AsyncIterator[str]:
    """A throwaway MySQL database at head with `seed`'s rows committed, for tests of
    several processes (SQLite is one process's database)."""
    require_backend("mysql")
    with databases.throwaway_database("mysql", tmp_path) as url:
        await asyncio.to_thread(databases.upgrade, url)
        engine = create_engine(url)
        async with create_session_factory(engine)() as session:
            await seed(session)
            await session.commit()
        await engine.dispose()
        yield url
