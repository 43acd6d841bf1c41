"""`learnbot jobs run league-week --at`: a week closes once however often the job runs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from db.engine import create_engine, create_session_factory
from db.enums import LeagueTier, PointsReason
from db.models import PointsLedger, UserStats
from tests.support import databases
from tests.support.botapi_stub import BotAPIStub
from tests.support.factories import T0, make_user
from tests.support.processes import environment, learnbot, patience
from tests.support.scheduling import delivered

MONDAY = datetime(2026, 6, 1, tzinfo=UTC)
LEARNERS = 12


async def seed(url: str) -> None:
    await asyncio.to_thread(databases.upgrade, url)
    engine = create_engine(url)
    async with create_session_factory(engine)() as session:
        for n in range(1, LEARNERS + 1):
            user = await make_user(session, 7000 + n)
            session.add(UserStats(user_id=user.id, league_tier=LeagueTier.GOLD, updated_at=T0))
            session.add(
                PointsLedger(
                    user_id=user.id,
                    points=10 * n,
                    reason=PointsReason.ADJUSTMENT,
                    award_key="seed",
                    created_at=MONDAY + timedelta(hours=n),
                )
            )
        await session.commit()
    await engine.dispose()


async def run_at(at: datetime, env: dict[str, str]) -> str:
    process = await learnbot("jobs", "run", "league-week", "--at", at.isoformat(), env=env)
    output, _ = await asyncio.wait_for(process.communicate(), patience(180))
    assert process.returncode == 0, output.decode()
    return output.decode()


async def test_the_league_week_job_closes_a_week_once_however_often_it_runs(
    fresh_database: str, stub: BotAPIStub
) -> None:
    await seed(fresh_database)
    env = environment(stub, fresh_database, SEND_RATE="50")
    await run_at(MONDAY + timedelta(days=2), env)  # places the twelve
    before = delivered(stub)  # the stand-in is shared by the module's tests
    for _ in range(3):
        await run_at(MONDAY + timedelta(days=7, minutes=1), env)
    results = delivered(stub) - before
    assert results == {7000 + n: 1 for n in range(1, LEARNERS + 1)}
