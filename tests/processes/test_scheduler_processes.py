"""The scheduler as real processes: a crash mid-run, and two schedulers on one database."""

from __future__ import annotations

import asyncio
import re
import signal
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from db.engine import create_engine, create_session_factory
from scheduler.leader import lease_name
from scheduler.names import JobName
from tests.support import databases
from tests.support.backends import require_backend
from tests.support.botapi_stub import BotAPIStub, Fault, when_nth
from tests.support.factories import make_course, make_user
from tests.support.processes import (
    environment,
    learnbot,
    log_line,
    mysql_databases,
    patience,
    sample,
    scrape,
    stop,
)

AT = "2026-06-01T09:00:00+00:00"
LEADER = "learnbot_scheduler_leader"
TOOK, STANDBY = "took the scheduler lease", "standby: "
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
        await asyncio.wait_for(eleventh.wait(), patience(180))
        first.send_signal(signal.SIGKILL)
        await first.wait()
        before_kill = delivered(stub)
        assert sum(before_kill.values()) == 10
        stub.fault_hook = None
        again = await learnbot("jobs", "run", "daily-lessons", "--at", AT, env=env)
        output, _ = await asyncio.wait_for(again.communicate(), patience(180))
        assert again.returncode == 0, output.decode()
        counts = delivered(stub)
        assert len(counts) == LEARNERS
        assert set(counts.values()) <= {1, 2}, counts
        twice = {chat for chat, count in counts.items() if count == 2}
        # Only messages delivered before the kill come again. How many depends on how long
        # the last outcomes waited for the ledger (at most 50 ms, two or three at 50
        # messages/s on a quiet machine); a loaded machine delays the write, not the rule,
        # so the bound is what was delivered, not a count that load can exceed.
        assert twice <= set(before_kill), counts


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
        envs = [
            environment(stub, mysql_database, SEND_RATE="50", SCHEDULER_LEASE_SECONDS="0.5")
            for _ in range(2)
        ]
        processes = [await learnbot("scheduler", env=env) for env in envs]
        roles = [await log_line(process, (TOOK, STANDBY)) for process in processes]
        assert sorted(role.startswith(TOOK) for role in roles) == [False, True], roles
        leader, standby = processes if roles[0].startswith(TOOK) else processes[::-1]
        holder = await lease_holder(mysql_database)
        assert f"is held by connection {holder} of " in roles[processes.index(standby)]
        await stub.wait_until(
            lambda: sum(delivered(stub).values()) >= LEARNERS, timeout=patience(180)
        )
        counts = delivered(stub)
        assert len(counts) == LEARNERS
        assert set(counts.values()) == {1}, counts
        leading = [sample(await scrape(int(env["METRICS_PORT"])), LEADER) for env in envs]
        assert leading == [float(process is leader) for process in processes]
        # The leader logs a job's report once its outcomes are in the ledger: killed before,
        # it leaves rows PENDING that the next runner sends again (by design, see
        # scheduler/outcomes.py), which is not what this test is about.
        await sent_reported(leader, JobName.DAILY_LESSONS, LEARNERS)
        leader.send_signal(signal.SIGKILL)
        await leader.wait()
        # New learners, due now: only a process that took over can serve them.
        await add_learners(mysql_database, 10, minute, first_id=9000)
        await stub.wait_until(lambda: len(delivered(stub)) >= LEARNERS + 10, timeout=patience(180))
        counts = delivered(stub)
        assert set(counts.values()) == {1}, counts
        assert sample(await scrape(int(envs[processes.index(standby)]["METRICS_PORT"])), LEADER)
        await stop(standby)


@pytest.fixture
def staging_and_production(tmp_path: Path) -> Iterator[list[str]]:
    with mysql_databases(tmp_path, 2) as urls:
        yield urls


async def test_one_bot_on_two_databases_of_one_server_runs_the_jobs_of_both(
    staging_and_production: list[str],
) -> None:
    """MySQL's named locks belong to the whole server: each database has a lease of its own."""
    now = datetime.now(UTC)
    minute = now.hour * 60 + now.minute
    first_ids = (5000, 6000)
    for url, first_id in zip(staging_and_production, first_ids, strict=True):
        await seed(url, LEARNERS, minute=minute, first_id=first_id)
    async with BotAPIStub() as stub:
        envs = [environment(stub, url, SEND_RATE="50") for url in staging_and_production]
        processes = [await learnbot("scheduler", env=env) for env in envs]
        for process in processes:
            took = await log_line(process, (TOOK, STANDBY))
            assert took.startswith(f"{TOOK} learnbot:scheduler:42:"), took
        await stub.wait_until(lambda: len(delivered(stub)) >= 2 * LEARNERS, timeout=patience(180))
        for env in envs:
            assert sample(await scrape(int(env["METRICS_PORT"])), LEADER) == 1
        for process in processes:
            await stop(process)
    counts = delivered(stub)
    expected = {first + n for first in first_ids for n in range(LEARNERS)}
    assert set(counts) == expected
    assert set(counts.values()) == {1}, counts


async def add_learners(url: str, count: int, minute: int, first_id: int) -> None:
    engine = create_engine(url)
    async with create_session_factory(engine)() as session:
        for index in range(count):
            await make_user(session, first_id + index, zone="UTC", lesson_minute=minute)
        await session.commit()
    await engine.dispose()


async def sent_reported(process: asyncio.subprocess.Process, job: str, total: int) -> None:
    """Wait until `process` has logged reports of `job` whose sent messages add up to `total`."""
    sent = 0
    while sent < total:
        report = await log_line(process, f"{job}: ")
        found = re.search(r"\bsent (\d+)", report)
        sent += int(found.group(1)) if found else 0


async def lease_holder(url: str) -> int:
    """The connection id that holds the scheduler lease of the bot (42) on `url`."""
    engine = create_engine(url)
    async with engine.connect() as conn:
        holder = await conn.scalar(
            sa.text("SELECT IS_USED_LOCK(:name)"),
            {"name": lease_name(engine.url.database or "", 42)},
        )
    await engine.dispose()
    assert holder is not None
    return int(holder)
