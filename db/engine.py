"""Engine and session factory from a DATABASE_URL.

The speed tricks each live in a module of their own, with a test that fails if an upgrade
undoes them: `db.pool_reset` (no ROLLBACK after a COMMIT), `db.insert_many` (one INSERT for
many rows), `db.write_tracking` (no COMMIT for an update that only read).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from db.insert_many import insert_many_values
from db.pool_reset import ENGINE_OPTIONS, reset_only_open_transactions
from db.write_tracking import WriteTrackingSession

SUPPORTED_DRIVERS = ("mysql+aiomysql", "sqlite+aiosqlite")

# MySQL 8's default sql_mode. Tests force it on MariaDB so its leniency hides nothing.
MYSQL8_SQL_MODE = (
    "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
    "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"
)

# Below MySQL's default wait_timeout (8 h) and below the 1 h idle cut of most
# managed MySQL proxies, so the pool never hands out a connection the server closed.
POOL_RECYCLE_SECONDS = 1800


def is_sqlite(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str | URL, *, sql_mode: str | None = None, **kwargs: Any) -> AsyncEngine:
    """An AsyncEngine for MySQL/MariaDB (aiomysql) or SQLite (aiosqlite).

    Every MySQL connection talks utf8mb4 and UTC at READ COMMITTED; every SQLite
    connection enforces foreign keys.
    """
    parsed = make_url(url)
    if parsed.drivername not in SUPPORTED_DRIVERS:
        raise ValueError(
            f"unsupported driver {parsed.drivername!r}; use one of {', '.join(SUPPORTED_DRIVERS)}"
        )
    if parsed.get_backend_name() == "mysql":
        init = "SET time_zone = '+00:00'"
        if sql_mode is not None:
            init += f", sql_mode = '{sql_mode}'"
        connect_args = {
            "charset": "utf8mb4",
            "init_command": init,
            **kwargs.pop("connect_args", {}),
        }
        # READ COMMITTED: a locking read takes no gap locks (InnoDB's REPEATABLE READ
        # deadlocks two learners' inserts into neighbouring key gaps), and a plain read
        # after taking a row lock sees what the previous lock holder committed.
        kwargs.setdefault("isolation_level", "READ COMMITTED")
        # No ping before every checkout (a round trip per update): a connection the server
        # closed fails its first statement, SQLAlchemy then invalidates the whole pool, and
        # the caller retries on a fresh connection (see `is_disconnect`).
        engine = create_async_engine(
            parsed,
            pool_recycle=POOL_RECYCLE_SECONDS,
            **ENGINE_OPTIONS,  # db.pool_reset resets instead
            connect_args=connect_args,
            **kwargs,
        )
        reset_only_open_transactions(engine)
        insert_many_values(engine)
        return engine
    engine = create_async_engine(parsed, **kwargs)
    event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(
        engine, expire_on_commit=False, sync_session_class=WriteTrackingSession
    )


def is_disconnect(error: BaseException) -> bool:
    """A statement failed because the connection was gone (the pool is invalidated)."""
    return isinstance(error, DBAPIError) and error.connection_invalidated
