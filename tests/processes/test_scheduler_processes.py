"""The scheduler as real processes: a crash mid-run, and two schedulers on one database."""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from db.engine import create_engine, create_session_factory
from tests.support import databases
from tests.support.backends import require_backend
from tests.support.botapi_stub import BotAPIStub, Fault, when_nth
from tests.support.factories import make_course, make_user
from tests.support.processes import environment, learnbot

AT = "2026-06-01T09:00:00+00:00"
LEARNERS = 30


async def seed(url: str, learners: int, minute: int = 9 * 60, first_id: int = 5000) -> None:
    await asyncio.to_thread(databases.upgrade, url)
    engine = create_engine(url)
    async with create_session_factory(engine)() as session:
        await make_course(session, [2])
        for index in range(learners):
            await make_user(session, first_id + index, zone="UTC", lesson_minute=minute)
        await session.commit()
    await engine.dispose()


def delivered(stub: BotAPIStub) -> Counter[int]:
    """Messages Telegram (the stand-in) accepted, per chat."""
    return Counter(int(c.chat_id) for c in stub.calls if c.method == "sendMessage" and c.ok)


async def test_a_job_killed_mid_run_and_run_again_reaches_everyone_resending_only_the_unrecorded(
    fresh_database: str,
) -> None:
    """A kill loses the outcomes not yet written (they wait at most 50 ms): the next run
    sends those messages once more, and everyone else's exactly once."""
    await seed(fresh_database, LEARNERS)
    async with BotAPIStub() as stub:
        eleventh = asyncio.Event()
        # From the eleventh on, in flight, never answered before the kill.
        stub.fault_hook = when_nth("sendMessage", 11, eleventh, from_nth=Fault.slow(300))
        env = environment(stub, fresh_database, SEND_RATE="50", SEND_CONCURRENCY="1")
        first = await learnbot("jobs", "run", "daily-lessons", "--at", AT, env=env)
        await asyncio.wait_for(eleventh.wait(), 60)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        assert sum(delivered(stub).values()) == 10
        stub.fault_hook = None
        again = await learnbot("jobs", "run", "daily-lessons", "--at", AT, env=env)
        output, _ = await asyncio.wait_for(again.communicate(), 60)
        assert again.returncode == 0, output.decode()
        counts = delivered(stub)
        assert len(counts) == LEARNERS
        assert set(counts.values()) <= {1, 2}, counts
        twice = [chat for chat, count in counts.items() if count == 2]
        # Only messages sent before the kill come again, and few of them: at 50 messages/s
        # an outcome that waits at most 50 ms leaves two or three unwritten.
        assert len(twice) <= 5, counts


@pytest.fixture
async def mysql_database(tmp_path: Path) -> AsyncIterator[str]:
    """Several scheduler processes need a server database: this test is MySQL's alone."""
    require_backend("mysql")
    with databases.throwaway_database("mysql", tmp_path) as url:
        yield url


async def test_two_schedulers_one_runner_and_a_takeover_when_it_dies(
    mysql_database: str,
) -> None:
    now = datetime.now(UTC)
    minute = now.hour * 60 + now.minute
    await seed(mysql_database, LEARNERS, minute=minute)
    async with BotAPIStub() as stub:
        processes = [
            await learnbot(
                "scheduler",
                env=environment(
                    stub, mysql_database, SEND_RATE="50", SCHEDULER_LEASE_SECONDS="0.5"
                ),
            )
            for _ in range(2)
        ]
        try:
            await stub.wait_until(lambda: sum(delivered(stub).values()) >= LEARNERS, timeout=60)
            counts = delivered(stub)
            assert len(counts) == LEARNERS
            assert set(counts.values()) == {1}, counts
            leader = await who_leads(processes, mysql_database)
            leader.send_signal(signal.SIGKILL)
            await leader.wait()
            # New learners, due now: only a process that took over can serve them.
            await add_learners(mysql_database, 10, minute, first_id=9000)
            await stub.wait_until(lambda: len(delivered(stub)) >= LEARNERS + 10, timeout=60)
            counts = delivered(stub)
            assert set(counts.values()) == {1}, counts
        finally:
            for process in processes:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
                    await asyncio.wait_for(process.wait(), 30)


async def add_learners(url: str, count: int, minute: int, first_id: int) -> None:
    engine = create_engine(url)
    async with create_session_factory(engine)() as session:
        for index in range(count):
            await make_user(session, first_id + index, zone="UTC", lesson_minute=minute)
        await session.commit()
    await engine.dispose()


async def who_leads(
    processes: list[asyncio.subprocess.Process], url: str
) -> asyncio.subprocess.Process:
    """The process whose connection holds the scheduler lock (by its connection's PID)."""
    from sqlalchemy import text

    engine = create_engine(url)
    async with engine.connect() as conn:
        holder = await conn.scalar(text("SELECT IS_USED_LOCK('learnbot:scheduler')"))
        info = await conn.scalar(
            text("SELECT HOST FROM information_schema.PROCESSLIST WHERE ID = :id"),
            {"id": holder},
        )
    await engine.dispose()
    port = int(str(info).rsplit(":", 1)[1])
    for process in processes:
        if owns_port(process.pid, port):
            return process
    raise AssertionError(f"no scheduler process owns the lock's connection {info}")


def owns_port(pid: int, port: int) -> bool:
    """Whether a local TCP socket of process `pid` uses `port` (from /proc)."""
    inodes = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[9] in inodes:
                return True
    return False
