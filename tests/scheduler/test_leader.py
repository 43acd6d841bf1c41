"""The scheduler lease: one per database and bot on a shared MySQL server, a standby
that says who holds it, and SQLite's lease that is always granted."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import create_engine
from scheduler.leader import LOCK_NAME_LIMIT, STANDBY_REPORT, Leadership, lease_name
from tests.support.processes import mysql_databases

BOT = 42


def test_the_lock_name_is_per_database_and_bot_and_fits_mysql() -> None:
    names = {
        lease_name("school_a", BOT),
        lease_name("school_b", BOT),
        lease_name("School_a", BOT),
        lease_name("school_a", BOT + 1),
    }
    assert len(names) == 4
    assert len(lease_name("d" * 64, 9_999_999_999)) <= LOCK_NAME_LIMIT
    assert lease_name("school_a", BOT) == lease_name("school_a", BOT)


@pytest.fixture
async def two_databases(tmp_path: Path) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    """Two empty databases on the one MySQL server (named locks are the server's)."""
    with mysql_databases(tmp_path, 2) as (first, second):
        engines = create_engine(first), create_engine(second)
        yield engines
        for engine in engines:
            await engine.dispose()


async def test_bots_on_two_databases_of_one_server_each_hold_their_own_lease(
    two_databases: tuple[AsyncEngine, AsyncEngine],
) -> None:
    first, second = two_databases
    leases = [Leadership(first, BOT), Leadership(second, BOT), Leadership(first, BOT + 1)]
    try:
        assert [await lease.try_acquire() for lease in leases] == [True, True, True]
    finally:
        for lease in leases:
            await lease.release()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_standby_says_which_connection_holds_the_lease_and_from_where(
    two_databases: tuple[AsyncEngine, AsyncEngine], caplog: pytest.LogCaptureFixture
) -> None:
    engine, _other = two_databases
    clock = Clock()
    leader, standby = Leadership(engine, BOT), Leadership(engine, BOT, monotonic=clock)
    caplog.set_level(logging.INFO, logger="scheduler.leader")
    try:
        assert await leader.try_acquire()
        async with engine.connect() as conn:
            holder = await conn.scalar(sa.text("SELECT IS_USED_LOCK(:n)"), {"n": leader.name})
            host = await conn.scalar(
                sa.text("SELECT HOST FROM information_schema.PROCESSLIST WHERE ID = :id"),
                {"id": holder},
            )
        took = [r.getMessage() for r in caplog.records if r.getMessage().startswith("took")]
        assert took == [f"took the scheduler lease {leader.name} (database "
                        f"{engine.url.database}) on connection {holder}"]  # fmt: skip
        caplog.clear()

        assert not await standby.try_acquire()
        clock.now += 60
        assert not await standby.try_acquire()  # still the same holder: said once
        clock.now += STANDBY_REPORT.total_seconds()
        assert not await standby.try_acquire()  # a long wait is told again
        said = [r.getMessage() for r in caplog.records]
        held_by = f"is held by connection {holder} of {engine.url.username} from {host}"
        assert len(said) == 2, said
        assert said[0].startswith(f"standby: the scheduler lease {standby.name}")
        assert said[1].startswith("standby for 0:11:00: the scheduler lease")
        assert all(line.endswith(held_by) for line in said), said

        await leader.release()
        assert await standby.try_acquire()
    finally:
        await leader.release()
        await standby.release()


async def test_sqlite_always_grants_the_lease(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'one.db'}")
    try:
        assert await Leadership(engine, BOT).try_acquire()
        assert await Leadership(engine, BOT).try_acquire()
    finally:
        await engine.dispose()
