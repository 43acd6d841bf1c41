"""The scheduler: APScheduler 3 running the jobs while this process holds the lease."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import STATE_RUNNING
from sqlalchemy.exc import DBAPIError

from bot.observability.metrics import JOB_RUNS, JOB_SECONDS, SCHEDULER_LEADER
from scheduler.jobs import Jobs
from scheduler.leader import Leadership
from scheduler.names import JOB_EVERY, JobName
from scheduler.report import JobReport

log = logging.getLogger(__name__)

LEASE_CHECK = timedelta(seconds=10)  # how often the leader pings and a standby retries
MISFIRE_GRACE = timedelta(minutes=5)
JOB_SHUTDOWN_GRACE = timedelta(seconds=20)  # how long a running job gets to finish on SIGTERM


def job_table(jobs: Jobs) -> dict[JobName, Callable[[], Awaitable[JobReport]]]:
    """Each job's name and the method that runs it (every name in `JobName` has one)."""
    return {
        JobName.DAILY_LESSONS: jobs.daily_lessons,
        JobName.STREAK_REMINDERS: jobs.streak_reminders,
        JobName.LEADERBOARD: jobs.leaderboard,
        JobName.BROADCASTS: jobs.broadcasts,
        JobName.LEAGUE_WEEK: jobs.league_week,
        JobName.COHORT_BOARDS: jobs.cohort_boards,
        JobName.REVIEWS_WAITING: jobs.reviews_waiting,
        JobName.LEADERBOARD_REBUILD: jobs.leaderboard_rebuild,
        JobName.DASHBOARD_DAYS: jobs.dashboard_days,
    }


async def run_job(
    name: str, job: Callable[[], Awaitable[JobReport]], running: set[asyncio.Task[None]]
) -> None:
    task = asyncio.current_task()
    if task is not None:
        running.add(task)
        task.add_done_callback(running.discard)
    with JOB_SECONDS.labels(job=name).time():
        try:
            report = await job()
        except DBAPIError as exc:
            JOB_RUNS.labels(job=name, outcome="database_error").inc()
            log.warning("job %s: database error, next run retries: %s", name, exc)
            return
    JOB_RUNS.labels(job=name, outcome="ok").inc()
    log.info("%s", report)


def build_scheduler(jobs: Jobs, running: set[asyncio.Task[None]]) -> AsyncIOScheduler:
    """The jobs, defined in code and added with fixed ids at every start; each running
    job's task is in `running` while it runs."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    for name, job in job_table(jobs).items():
        at = jobs.rebuild_at
        when: dict[str, Any] = (
            {"trigger": "interval", "seconds": JOB_EVERY[name].total_seconds()}
            if name in JOB_EVERY
            else {"trigger": "cron", "hour": at.hour, "minute": at.minute}
        )
        scheduler.add_job(
            run_job,
            **when,
            args=[name, job, running],
            id=name,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=int(MISFIRE_GRACE.total_seconds()),
        )
    return scheduler


def catch_up(scheduler: AsyncIOScheduler, now: datetime) -> None:
    """On taking over the lease, the interval jobs run at once; a daily job keeps its hour
    (the nightly rebuild does not run at every restart)."""
    for job in scheduler.get_jobs():
        if job.id in JOB_EVERY:
            job.modify(next_run_time=now)


async def run_scheduler(
    jobs: Jobs,
    leadership: Leadership,
    stop: asyncio.Event,
    lease_check: float = LEASE_CHECK.total_seconds(),
) -> None:
    """Run the jobs whenever this process holds the lease, until `stop` is set.

    The leader pings its lease every `lease_check` seconds; a standby tries to take
    it as often, so a dead leader is replaced within about that long. When `stop` is
    set, no job starts any more and the running ones get JOB_SHUTDOWN_GRACE to finish
    (APScheduler would cancel them mid-send) before the lease is released.
    """
    running: set[asyncio.Task[None]] = set()
    scheduler = build_scheduler(jobs, running)
    scheduler.start(paused=True)
    try:
        while not stop.is_set():
            leader = await _lease(leadership)
            SCHEDULER_LEADER.set(leader)
            if leader and scheduler.state != STATE_RUNNING:
                log.info("this process runs the scheduled jobs")
                scheduler.resume()
                catch_up(scheduler, datetime.now(UTC))
            elif not leader and scheduler.state == STATE_RUNNING:
                log.info("another process runs the scheduled jobs")
                scheduler.pause()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), lease_check)
    finally:
        scheduler.pause()
        await _let_running_jobs_finish(running)
        scheduler.shutdown(wait=False)
        await leadership.release()
        SCHEDULER_LEADER.set(0)


async def _let_running_jobs_finish(running: set[asyncio.Task[None]]) -> None:
    if not running:
        return
    log.info("waiting for %d running job(s) to finish", len(running))
    _done, unfinished = await asyncio.wait(set(running), timeout=JOB_SHUTDOWN_GRACE.total_seconds())
    if unfinished:
        log.warning("stopping with %d job(s) unfinished", len(unfinished))


async def _lease(leadership: Leadership) -> bool:
    try:
        return await leadership.try_acquire()
    except DBAPIError as exc:
        log.warning("scheduler lease: database unavailable: %s", exc)
        return False
