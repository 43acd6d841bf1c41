"""Speed trick: many rows in one MySQL INSERT, whatever the statement.

Left to the driver, aiomysql batches only the INSERTs its pattern recognises (not MySQL
8's `INSERT … AS new ON DUPLICATE KEY UPDATE`) and sends the others row by row. SQLAlchemy
can build the multi-row statement itself from the statement's cached form ("insertmanyvalues"),
but by default only for INSERTs with RETURNING, which MySQL has not. Pinned by
tests/db/test_tuning.py (rows inserted at once go out as one statement).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine


def insert_many_values(engine: AsyncEngine) -> None:
    """Let SQLAlchemy send an executemany INSERT as one multi-row statement."""
    engine.sync_engine.dialect.use_insertmanyvalues_wo_returning = True
