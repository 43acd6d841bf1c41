"""Prometheus metrics: updates, handler latency, errors, pushes, scheduled jobs, the pool.

One registry per process (prometheus-client's default); `/metrics` in webhook mode
serves it.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy.ext.asyncio import AsyncEngine

UPDATES = Counter("learnbot_updates_total", "Updates handled, by type", ["type"])
UPDATE_SECONDS = Histogram(
    "learnbot_update_seconds",
    "Time to handle one update",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
ERRORS = Counter("learnbot_update_errors_total", "Updates whose handling raised")
PUSHES = Counter("learnbot_pushes_total", "Outgoing pushes by outcome", ["outcome"])
PUSHES_BY_KIND = Counter("learnbot_pushes_by_kind_total", "Pushes sent, by kind", ["kind"])
PUSH_FOLLOW_UPS = Counter(
    "learnbot_push_follow_ups_total",
    "Pushes the learner came back after within 24 hours, by kind",
    ["kind"],
)
RATE_LIMITED = Counter("learnbot_telegram_429_total", "429 answers from Telegram")
JOB_RUNS = Counter("learnbot_job_runs_total", "Scheduled job runs", ["job", "outcome"])
JOB_SECONDS = Histogram("learnbot_job_seconds", "Scheduled job duration", ["job"])
POOL_CHECKED_OUT = Gauge("learnbot_db_pool_checked_out", "Database connections in use")
SCHEDULER_LEADER = Gauge(
    "learnbot_scheduler_leader", "1 while this process holds the scheduler lease and runs the jobs"
)


def watch_pool(engine: AsyncEngine) -> None:
    """Keep the pool gauge current (read when /metrics is scraped)."""
    pool = engine.sync_engine.pool
    checked_out = getattr(pool, "checkedout", None)
    if callable(checked_out):
        POOL_CHECKED_OUT.set_function(lambda: float(checked_out()))
