"""Only one process runs the jobs: a lease held through a MySQL named lock.

`GET_LOCK` belongs to the connection that took it: the leader keeps one dedicated
connection open and pings it; if the process dies or the connection drops, the
server releases the lock and a standby process takes it over on its next try.
SQLite is single-process, so there the lease is always granted.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

LOCK_NAME = "learnbot:scheduler"


class Leadership:
    def __init__(self, engine: AsyncEngine, name: str = LOCK_NAME) -> None:
        self.engine = engine
        self.name = name
        self._connection: AsyncConnection | None = None
        self._single_process = engine.dialect.name == "sqlite"

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
        except DBAPIError:
            await connection.close()
            raise
        if got == 1:
            await connection.commit()  # end the implicit transaction; the lock outlives it
            self._connection = connection
            log.info("took the scheduler lease")
            return True
        await connection.close()
        return False

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
