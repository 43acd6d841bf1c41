"""Shared pieces of the benchmarks: a throwaway database and statement counting."""

from __future__ import annotations

import contextvars
import os
import resource
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

DEFAULT_SERVER = "mysql+aiomysql://root@127.0.0.1:3306/test"


@contextmanager
def throwaway_mysql(server: str | None = None) -> Iterator[str]:
    """A fresh utf8mb4 database on the server, dropped afterwards; yields its async URL."""
    url = make_url(server or os.environ.get("BENCH_MYSQL_URL", DEFAULT_SERVER))
    name = f"lbbench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url.set(drivername="mysql+pymysql"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()


current_kind: contextvars.ContextVar[str] = contextvars.ContextVar("current_kind", default="setup")


class StatementCounter:
    """Counts SQL statements and commits per kind of work (a context variable)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.statements: Counter[str] = Counter()
        self.commits: Counter[str] = Counter()
        event.listen(engine.sync_engine, "before_cursor_execute", self._statement)
        event.listen(engine.sync_engine, "commit", self._commit)

    def _statement(self, *_args: Any) -> None:
        self.statements[current_kind.get()] += 1

    def _commit(self, *_args: Any) -> None:
        self.commits[current_kind.get()] += 1


def peak_rss_mb() -> float:
    """This process's peak RSS, children not included. Inherited across fork and exec:
    a child started from a big process reports at least its parent's figure; use
    `own_peak_rss_mb` there."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def own_peak_rss_mb() -> float:
    """This process's own peak RSS (Linux's VmHWM, reset by exec, unlike ru_maxrss)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))
    return sorted_values[index]


async def create_numbers(conn: Any) -> None:
    """A temporary table `seq` of the numbers 0 … 999,999 (column `n`), to generate rows."""
    await conn.execute(sa.text("CREATE TEMPORARY TABLE digits (d INT PRIMARY KEY)"))
    await conn.execute(sa.text("INSERT INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)"))
    await conn.execute(
        sa.text(
            "CREATE TEMPORARY TABLE seq AS SELECT a.d + 10*b.d + 100*c.d + 1000*d.d"
            " + 10000*e.d + 100000*f.d AS n FROM digits a, digits b, digits c, digits d,"
            " digits e, digits f"
        )
    )
