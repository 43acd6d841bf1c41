"""Engine and session factory from a DATABASE_URL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.pool import ConnectionPoolEntry, PoolResetState

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
            pool_reset_on_return=None,  # `_reset_unless_ended`, below, resets instead
            connect_args=connect_args,
            **kwargs,
        )
        _reset_only_open_transactions(engine)
        # Many rows in one INSERT, built by SQLAlchemy from the statement's cached form. Left
        # to the driver, aiomysql batches only statements its pattern recognises (not MySQL
        # 8's `INSERT … AS new ON DUPLICATE KEY UPDATE`), and sends the others row by row.
        engine.sync_engine.dialect.use_insertmanyvalues_wo_returning = True
        return engine
    engine = create_async_engine(parsed, **kwargs)
    event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
    return engine


_ENDED = "learnbot.transaction_ended"


def _reset_only_open_transactions(engine: AsyncEngine) -> None:
    """Roll back a connection returned to the pool only when a transaction may be open.

    SQLAlchemy's default reset sends a ROLLBACK even after a COMMIT (a second round trip
    for every update that wrote). A COMMIT or ROLLBACK sent through the connection marks it
    clean until its next BEGIN; a connection whose transaction its own close ended is
    clean too. Anything else (a connection handed back mid-transaction) is rolled back.
    """
    sync = engine.sync_engine

    @event.listens_for(sync, "begin")
    def _began(connection: Connection) -> None:
        connection.connection.info[_ENDED] = False

    @event.listens_for(sync, "commit")
    @event.listens_for(sync, "rollback")
    def _ended(connection: Connection) -> None:
        connection.connection.info[_ENDED] = True

    @event.listens_for(sync.pool, "reset")
    def _reset_unless_ended(
        dbapi_connection: Any, record: ConnectionPoolEntry, state: PoolResetState
    ) -> None:
        if state.terminate_only or not state.asyncio_safe:
            return
        if not state.transaction_was_reset and not record.info.get(_ENDED, True):
            dbapi_connection.rollback()


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def is_disconnect(error: BaseException) -> bool:
    """A statement failed because the connection was gone (the pool is invalidated)."""
    return isinstance(error, DBAPIError) and error.connection_invalidated


_WROTE = "learnbot.wrote"


@event.listens_for(Session, "do_orm_execute")
def _note_writes(state: ORMExecuteState) -> None:
    # Anything that is not a plain SELECT (INSERT, UPDATE, DELETE, textual SQL) counts.
    if not state.is_select:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context: Any) -> None:
    # A flush (autoflush before a query included) wrote the changes it found.
    session.info[_WROTE] = True


def has_writes(session: AsyncSession) -> bool:
    """Whether the session wrote, or holds changes a flush would write.

    An update that only read needs no COMMIT: closing the session returns its connection to
    the pool, which rolls the (empty) transaction back.
    """
    sync = session.sync_session
    return bool(sync.info.get(_WROTE) or sync.new or sync.dirty or sync.deleted)
