"""Speed trick: a pooled MySQL connection goes back without a ROLLBACK after a COMMIT.

SQLAlchemy's default reset sends a ROLLBACK whenever a connection returns to the pool,
even after a COMMIT: a second round trip for every update that wrote. The engine turns
that reset off (`pool_reset_on_return=None`) and `reset_only_open_transactions` resets
instead, only when a transaction may still be open. Pinned by tests/db/test_engine.py
(the ROLLBACKs a pooled connection sends, counted by the server).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry, PoolResetState

ENGINE_OPTIONS: dict[str, Any] = {"pool_reset_on_return": None}
_ENDED = "learnbot.transaction_ended"


def reset_only_open_transactions(engine: AsyncEngine) -> None:
    """Roll back a connection returned to the pool only when a transaction may be open.

    A COMMIT or ROLLBACK sent through the connection marks it clean until its next BEGIN;
    a connection whose transaction its own close ended is clean too. Anything else (a
    connection handed back mid-transaction) is rolled back.
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
