"""The MySQL engine: what a pooled connection costs in round trips, and that it stays safe."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import create_engine
from tests.support import databases
from tests.support.backends import require_backend


@pytest.fixture
async def one_connection(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An engine whose pool holds one connection, so its session counters are ours."""
    require_backend("mysql")
    with databases.throwaway_database("mysql", tmp_path) as url:
        engine = create_engine(url, pool_size=1, max_overflow=0)
        async with engine.begin() as conn:
            await conn.execute(sa.text("CREATE TABLE t (n INT)"))
        yield engine
        await engine.dispose()


async def rollbacks(engine: AsyncEngine) -> int:
    """ROLLBACKs the pooled connection has sent so far (this read's own comes after it)."""
    async with engine.connect() as conn:
        row = (await conn.execute(sa.text("SHOW SESSION STATUS LIKE 'Com_rollback'"))).one()
    return int(row[1])


async def test_a_connection_that_committed_goes_back_to_the_pool_without_a_rollback(
    one_connection: AsyncEngine,
) -> None:
    before = await rollbacks(one_connection)
    for n in range(3):
        async with one_connection.begin() as conn:
            await conn.execute(sa.text("INSERT INTO t VALUES (:n)"), {"n": n})
    # Only the read above ended by rolling back; the three commits cost nothing more.
    assert await rollbacks(one_connection) == before + 1


async def test_a_transaction_left_open_is_rolled_back_before_the_connection_is_reused(
    one_connection: AsyncEngine,
) -> None:
    conn = await one_connection.connect()
    await conn.execute(sa.text("INSERT INTO t VALUES (1)"))
    await conn.close()  # never committed
    async with one_connection.connect() as conn:
        assert (await conn.scalar(sa.text("SELECT COUNT(*) FROM t"))) == 0
    async with one_connection.begin() as conn:
        await conn.execute(sa.text("INSERT INTO t VALUES (2)"))
    async with one_connection.connect() as conn:
        assert (await conn.scalar(sa.text("SELECT COUNT(*) FROM t"))) == 1
