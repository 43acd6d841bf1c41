"""The daily aggregates: each closed day summarised once, yesterday with the snapshots."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.rules.clock import FixedClock
from bot.rules.dashboard.daily import WINDOW_DAYS, fill_days
from db.models import DashboardDay
from tests.support.dashboard import Seeded
from tests.support.engine_events import recorded


async def test_a_day_is_summarised_once_and_then_the_job_reads_one_statement(
    session_factory: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    clock: FixedClock,
    seeded: Seeded,
) -> None:
    with recorded(engine, "before_cursor_execute") as statements:
        async with session_factory() as session, session.begin():
            assert await fill_days(session, clock.now()) == []
    assert len(statements) == 1
    async with session_factory() as session:
        rows = list(await session.scalars(select(DashboardDay).order_by(DashboardDay.day)))
    assert len(rows) == WINDOW_DAYS
    assert rows[-1].day == clock.now().date() - timedelta(days=1)
    assert [row.funnel is not None for row in rows] == [False] * (WINDOW_DAYS - 1) + [True]
    assert sum(row.lessons for row in rows) == 4  # Ada's three and the hostile name's one
    assert sum(row.new_learners for row in rows) == 1  # Ada, 20 days ago


async def test_a_day_later_only_the_new_day_is_written_newest_first(
    session_factory: async_sessionmaker[AsyncSession], clock: FixedClock, seeded: Seeded
) -> None:
    later = clock.now() + timedelta(days=2)
    async with session_factory() as session, session.begin():
        first = await fill_days(session, later, limit=1)
    async with session_factory() as session, session.begin():
        second = await fill_days(session, later)
    assert first == [later.date() - timedelta(days=1)]
    assert second == [later.date() - timedelta(days=2)]
