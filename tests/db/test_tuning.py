"""The speed tricks of `db/`, one test each, so an upgrade that silently undoes one fails
here: insert-many-values (db.insert_many) and write tracking (db.write_tracking). The pool
reset (db.pool_reset) is pinned in test_engine.py, the deferred RSA imports
(bot.entry.deferred) in tests/processes/test_polling_memory.py."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine.interfaces import ExecuteStyle
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db.enums import ActivityType
from db.models import ActivityLog, User
from db.upsert import insert_all
from db.write_tracking import has_writes
from tests.support.engine_events import recorded
from tests.support.factories import make_user

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


async def test_rows_inserted_together_go_to_mysql_as_one_multi_row_insert(
    session: AsyncSession, engine: AsyncEngine, backend: str
) -> None:
    if backend != "mysql":
        pytest.skip("the trick is MySQL's: SQLite's driver batches rows itself")
    user = await make_user(session)
    rows = [
        {
            "user_id": user.id,
            "activity_type": ActivityType.LOGIN,
            "entity_id": n,
            "entity_type": None,
            "details": None,
            "created_at": NOW,
        }
        for n in range(3)
    ]
    with recorded(engine, "before_cursor_execute") as seen:
        await session.execute(insert_all(ActivityLog), rows)
    # One statement that SQLAlchemy built with three VALUES groups, not the driver's
    # executemany (which sends this kind of INSERT row by row).
    assert [args[4].execute_style for args in seen] == [ExecuteStyle.INSERTMANYVALUES]
    assert seen[0][2].count("), (") == 2


async def test_a_session_that_only_read_has_no_writes(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        await session.scalar(sa.select(sa.func.count()).select_from(User))
        assert not has_writes(session)


async def test_a_statement_that_writes_or_a_flush_counts_as_a_write(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        await session.execute(sa.update(User).values(first_name="x"))
        assert has_writes(session)
    async with session_factory() as session:
        await make_user(session)  # added and flushed
        session.expunge_all()
        assert has_writes(session)
