"""Only one process runs a bot's jobs: a lease held through a MySQL named lock.

`GET_LOCK` belongs to the connection that took it: the leader keeps one dedicated
connection open and pings it; if the process dies or the connection drops, the
server releases the lock and a standby process takes it over on its next try.

Named locks belong to the whole server, not to a database, so the lock's name is made
from the database's name and the bot's id: two bots, or one bot's staging and production
databases, on one server each have a lease of their own. A standby says who holds its
lease when it starts waiting, when the holder changes, and every `STANDBY_REPORT` after.
SQLite is single-process, so there the lease is always granted.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

LOCK_PREFIX = "learnbot:scheduler"
LOCK_NAME_LIMIT = 64  # MySQL refuses longer lock names
STANDBY_REPORT = timedelta(minutes=10)


def lease_name(database: str, owner: int | str) -> str:
    """The named lock of one bot's scheduler on one database (`owner`: the bot's id), or of
    a job that runs under a lease of its own (`owner`: the job's name).

    The database's name is hashed: it may be 64 characters long itself, and lock names
    may compare without regard to case where database names do not.
    """
    digest = hashlib.sha256(database.encode()).hexdigest()[:16]
    name = f"{LOCK_PREFIX}:{owner}:{digest}"
    assert len(name) <= LOCK_NAME_LIMIT, name
    return name


class Leadership:
    def __init__(
        self,
        engine: AsyncEngine,
        owner: int | str,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.database = engine.url.database or ""
        self.name = lease_name(self.database, owner)
        self._connection: AsyncConnection | None = None
        self._single_process = engine.dialect.name == "sqlite"
        self._monotonic = monotonic
        self._holder: int | None = None  # the connection a standby last saw holding the lease
        self._waiting_since: float | None = None
        self._reported_at = 0.0

    @property
    def held(self) -> bool:
        return self._single_process or self._connection is not None

    async def try_acquire(self) -> bool:
        """Take the lease if nobody holds it; True when this process is the leader."""
        if self.held:
            return await self.still_held()
        connection = await self.engine.connect()
        try:
            got = await connection.scalar(text("SELECT GET_LOCK(:name, 0)"), {"name": self.name})
            if got == 1:
                mine = await connection.scalar(text("SELECT CONNECTION_ID()"))
                await connection.commit()  # end the implicit transaction; the lock outlives it
            else:
                await self._standing_by(connection)
        except DBAPIError:
            await connection.close()
            raise
        if got != 1:
            await connection.close()
            return False
        self._connection = connection
        self._holder = self._waiting_since = None
        log.info(
            "took the scheduler lease %s (database %s) on connection %s",
            self.name,
            self.database,
            mine,
        )
        return True

    async def _standing_by(self, connection: AsyncConnection) -> None:
        """Say who holds the lease: when this process starts waiting, when the holder
        changes, and every STANDBY_REPORT while it waits."""
        holder = await connection.scalar(text("SELECT IS_USED_LOCK(:name)"), {"name": self.name})
        now = self._monotonic()
        if self._waiting_since is None:
            self._waiting_since = now
        elif holder == self._holder and now - self._reported_at < STANDBY_REPORT.total_seconds():
            return
        self._holder, self._reported_at = holder, now
        waited = timedelta(seconds=round(now - self._waiting_since))
        log.info(
            "%s: the scheduler lease %s (database %s) is held by %s",
            f"standby for {waited}" if waited else "standby",
            self.name,
            self.database,
            await self._describe(connection, holder),
        )

    async def _describe(self, connection: AsyncConnection, holder: int | None) -> str:
        if holder is None:
            return "nobody any more (the next try takes it)"
        row = (
            await connection.execute(
                text("SELECT USER, HOST FROM information_schema.PROCESSLIST WHERE ID = :id"),
                {"id": holder},
            )
        ).first()
        if row is None:  # another user's connection, without the PROCESS privilege
            return f"connection {holder} (its host is visible with the PROCESS privilege)"
        return f"connection {holder} of {row.USER} from {row.HOST}"

    async def still_held(self) -> bool:
        """Ping the lease's connection; a dropped connection means the lease is gone."""
        if self._single_process:
            return True
        if self._connection is None:
            return False
        try:
            mine = await self._connection.scalar(
                text("SELECT IS_USED_LOCK(:name) = CONNECTION_ID()"), {"name": self.name}
            )
            await self._connection.commit()
        except DBAPIError:
            log.warning("lost the scheduler lease's connection")
            await self._drop()
            return False
        if mine != 1:
            await self._drop()
            return False
        return True

    async def release(self) -> None:
        if self._connection is None:
            return
        try:
            await self._connection.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": self.name})
        except DBAPIError:
            log.warning("could not release the scheduler lease cleanly")
        await self._drop()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.close()
            except DBAPIError:
                await connection.invalidate()
