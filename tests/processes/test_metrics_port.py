"""`/metrics` on METRICS_PORT in every long-running mode, off the public webhook listener."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

from db.engine import create_engine, create_session_factory
from tests.support import databases
from tests.support.botapi_stub import BotAPIStub
from tests.support.factories import make_course, make_user
from tests.support.processes import (
    environment,
    free_port,
    learnbot,
    log_line,
    patience,
    sample,
    scrape,
    stop,
)


async def seed(url: str, due_now: int) -> None:
    await asyncio.to_thread(databases.upgrade, url)
    now = datetime.now(UTC)
    engine = create_engine(url)
    async with create_session_factory(engine)() as session:
        await make_course(session, [2])
        for index in range(due_now):
            await make_user(
                session, 20_000 + index, zone="UTC", lesson_minute=now.hour * 60 + now.minute
            )
        await session.commit()
    await engine.dispose()


async def test_a_running_scheduler_serves_the_series_its_jobs_move(fresh_database: str) -> None:
    await seed(fresh_database, due_now=3)
    async with BotAPIStub() as stub:
        env = environment(stub, fresh_database)
        scheduler = await learnbot("scheduler", env=env)
        await log_line(scheduler, "daily-lessons: due 3")
        body = await scrape(int(env["METRICS_PORT"]))
        await stop(scheduler)
        assert scheduler.returncode == 0
    assert sample(body, "learnbot_scheduler_leader") == 1
    assert sample(body, 'learnbot_job_runs_total{job="daily-lessons",outcome="ok"}') >= 1
    assert sample(body, 'learnbot_pushes_total{outcome="sent"}') == 3
    assert "learnbot_db_pool_checked_out" in body


async def test_polling_and_webhook_processes_serve_metrics_on_their_own_port(
    tmp_path: Path,
) -> None:
    # The listener does not depend on the database: one leg is enough.
    with databases.throwaway_database("sqlite", tmp_path) as fresh_database:
        await seed(fresh_database, due_now=0)
        await polling_and_webhook_metrics(fresh_database)


async def polling_and_webhook_metrics(fresh_database: str) -> None:
    port = free_port()
    async with BotAPIStub() as stub, aiohttp.ClientSession() as http:
        polling_env = environment(stub, fresh_database)
        polling = await learnbot("run", "--no-scheduler", env=polling_env)
        webhook_env = environment(
            stub,
            fresh_database,
            WEBHOOK_URL=f"http://127.0.0.1:{port}/hook",
            WEBHOOK_SECRET="s",
            WEBHOOK_HOST="127.0.0.1",
            WEBHOOK_PORT=str(port),
        )
        webhook = await learnbot("webhook", env=webhook_env)
        await log_line(webhook, "webhook server on")
        await stub.wait_polling(timeout=patience(180))
        for env in (polling_env, webhook_env):
            body = await scrape(int(env["METRICS_PORT"]))
            assert "learnbot_updates_total" in body
            # Neither runs the scheduled jobs, and each says so.
            assert "learnbot_scheduler_leader 0.0" in body.splitlines()
        async with http.get(f"http://127.0.0.1:{port}/metrics") as public:
            assert public.status == 404
        for process in (polling, webhook):
            await stop(process)
            assert process.returncode == 0
