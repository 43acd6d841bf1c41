"""Every failure an operator can cause or meet ends the command with one line on stderr
and a non-zero exit code, never a traceback; the one-shot commands write nothing they
were not asked to."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path
from typing import Any

import pytest

from db.engine import create_engine, create_session_factory
from tests.support.botapi_stub import BotAPIStub, Fault
from tests.support.databases import ROOT, upgrade
from tests.support.factories import make_course, make_user
from tests.support.processes import patience, spawn

ALEMBIC = Path(sys.executable).parent / "alembic"
AT = "2026-06-01T09:00:00+00:00"


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


NOWHERE = f"127.0.0.1:{closed_port()}"
UNREACHABLE_MYSQL = f"mysql+aiomysql://root@{NOWHERE}/learnbot"


def environment(**settings: str) -> dict[str, str]:
    unset = {"BOT_TOKEN", "DATABASE_URL", "REDIS_URL", "ADMIN_IDS", "TELEGRAM_API_BASE"}
    base = {name: value for name, value in os.environ.items() if name not in unset}
    # The logs have their own stream; what is asserted here is the report, so only
    # errors are logged (a logged traceback would still show).
    return {**base, "LOG_LEVEL": "ERROR", "PYTHONPATH": str(ROOT), **settings}


async def run(*command: str, cwd: Path, **settings: str) -> tuple[int, str, str]:
    process = await spawn(
        *command, cwd=cwd, env=environment(**settings), stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), patience(180))
    return await process.wait(), out.decode(), err.decode()


async def learnbot(*args: str, cwd: Path, **settings: str) -> tuple[int, str, str]:
    return await run(sys.executable, "-m", "bot", *args, cwd=cwd, **settings)


def files_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def the_one_line(code: int, err: str) -> str:
    assert code != 0
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


async def sqlite_at_head(tmp_path: Path, learners: int = 0) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    async with create_session_factory(engine)() as session:
        await make_course(session, [2])
        for index in range(learners):
            await make_user(session, 5000 + index, zone="UTC", lesson_minute=9 * 60)
        await session.commit()
    await engine.dispose()
    return url


@pytest.mark.parametrize(
    ("args", "settings", "expected"),
    [
        (("run",), {"BOT_TOKEN": "abc"}, "BOT_TOKEN: not a bot token"),
        (("config",), {"ADMIN_IDS": "abc"}, "ADMIN_IDS: 'abc' is not a Telegram user id"),
        (
            ("config",),
            {"DATABASE_URL": "postgresql://db/learnbot"},
            "DATABASE_URL: unknown driver 'postgresql'; use mysql+aiomysql://",
        ),
        (("run",), {"BOT_TOKEN": "42:X", "REDIS_URL": "localhost:6379"}, "not a Redis URL"),
        (
            ("jobs", "run", "daily-lessons", "--at", "2026-03-29T07:00:00"),
            {"BOT_TOKEN": "42:X"},
            "'2026-03-29T07:00:00' has no time zone",
        ),
        (
            ("run",),
            {"BOT_TOKEN": "42:X", "DATABASE_URL": UNREACHABLE_MYSQL},
            f"cannot use the database at {UNREACHABLE_MYSQL}: Can't connect to MySQL server",
        ),
        (("health",), {"DATABASE_URL": UNREACHABLE_MYSQL}, "database unavailable: Can't connect"),
        (("health",), {}, "database unavailable: the database file 'learnbot.db' does not exist"),
        (
            ("run",),
            {"BOT_TOKEN": "42:X", "REDIS_URL": f"redis://{NOWHERE}/0"},
            "cannot use Redis at REDIS_URL",
        ),
        (
            ("run",),
            {"BOT_TOKEN": "42:X", "TELEGRAM_API_BASE": f"http://{NOWHERE}"},
            f"cannot reach Telegram at http://{NOWHERE}",
        ),
        (
            ("jobs", "run", "daily-lessons"),
            {"DATABASE_URL": "sqlite+aiosqlite:///bot.db"},
            "BOT_TOKEN is required: `daily-lessons` sends messages",
        ),
    ],
    ids=[
        "bad-token",
        "bad-admin-ids",
        "unknown-driver",
        "bad-redis-url",
        "at-without-zone",
        "mysql-unreachable",
        "health-mysql-unreachable",
        "health-no-sqlite-file",
        "redis-unreachable",
        "telegram-unreachable",
        "job-that-sends-without-token",
    ],
)
async def test_an_operator_failure_is_one_line_and_a_non_zero_exit(
    tmp_path: Path, args: tuple[str, ...], settings: dict[str, str], expected: str
) -> None:
    code, _out, err = await learnbot(*args, cwd=tmp_path, **settings)
    assert expected in the_one_line(code, err)


@pytest.mark.parametrize("args", [("current",), ("upgrade", "head")])
async def test_alembic_on_an_unreachable_database_is_one_line(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    code, _out, err = await run(str(ALEMBIC), *args, cwd=ROOT, DATABASE_URL=UNREACHABLE_MYSQL)
    line = the_one_line(code, err)
    assert line.startswith(f"alembic: cannot use the database at {UNREACHABLE_MYSQL}: Can't")


async def test_telegram_refusing_the_token_is_one_line(tmp_path: Path) -> None:
    async with BotAPIStub(token="42:RIGHT") as stub:
        code, _out, err = await learnbot(
            "run", cwd=tmp_path, BOT_TOKEN="42:WRONG", TELEGRAM_API_BASE=stub.base_url
        )
    assert "Telegram refused BOT_TOKEN" in the_one_line(code, err)


@pytest.mark.parametrize(
    ("args", "database"),
    [
        (("jobs", "run", "leaderboard"), "lb.db"),
        (("content", "import", "--dry-run"), "lb.db"),
        (("export", "learners", "x.csv"), "typo/x.db"),
    ],
    ids=["jobs", "dry-run", "export"],
)
async def test_a_mistyped_sqlite_path_is_refused_and_not_created(
    tmp_path: Path, args: tuple[str, ...], database: str
) -> None:
    code, _out, err = await learnbot(
        *args, cwd=tmp_path, DATABASE_URL=f"sqlite+aiosqlite:///{database}"
    )
    assert f"the database file '{database}' does not exist" in the_one_line(code, err)
    assert files_in(tmp_path) == []  # neither the database nor the CSV


async def test_a_dry_run_neither_creates_nor_migrates_the_schema(tmp_path: Path) -> None:
    (tmp_path / "empty.db").touch()
    code, _out, err = await learnbot(
        "content", "import", "--dry-run", cwd=tmp_path, DATABASE_URL="sqlite+aiosqlite:///empty.db"
    )
    assert "the database schema is at nothing" in the_one_line(code, err)
    assert (tmp_path / "empty.db").stat().st_size == 0


@pytest.mark.parametrize("job", ["leaderboard", "leaderboard-rebuild"])
async def test_the_leaderboard_jobs_need_no_token(tmp_path: Path, job: str) -> None:
    url = await sqlite_at_head(tmp_path)
    code, out, err = await learnbot("jobs", "run", job, cwd=tmp_path, DATABASE_URL=url)
    assert (code, err) == (0, "")
    assert out.startswith(f"{job}:")


async def test_a_job_whose_deliveries_failed_exits_non_zero(tmp_path: Path) -> None:
    url = await sqlite_at_head(tmp_path, learners=2)
    async with BotAPIStub() as stub:

        def chat_not_found(method: str, params: dict[str, Any]) -> Fault | None:
            return Fault(status=400, description="Bad Request: chat not found")

        stub.fault_hook = chat_not_found
        code, out, err = await learnbot(
            "jobs",
            "run",
            "daily-lessons",
            "--at",
            AT,
            cwd=tmp_path,
            DATABASE_URL=url,
            BOT_TOKEN="42:JOBS",
            TELEGRAM_API_BASE=stub.base_url,
        )
    assert "failed 2" in out
    assert the_one_line(code, err) == "learnbot: daily-lessons: 2 delivery(ies) failed"
