"""Rows an operation appends, collected while it runs and written once at its end.

Answering the last question of a quiz appends to the activity log (the answers, the
completion, the achievements earned), to the points ledger (the lesson, the first-try
bonus, the achievements) and to the learner's achievements. Each step adds its rows here
instead of writing them or passing lists to the next step; `write` then sends one INSERT
per table, whatever the number of rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.base import Base
from db.enums import ActivityType
from db.upsert import insert_all

Row = dict[str, Any]
Entity = tuple[str, int]  # what an activity row is about: ("lesson", 12), ("achievement", 3)


def activity_row(
    user_id: int,
    kind: ActivityType,
    at: datetime | None,
    entity: Entity | None = None,
    details: str | None = None,
) -> Row:
    """One row of the activity log, as every writer of it builds it."""
    entity_type, entity_id = entity if entity is not None else (None, None)
    return {
        "user_id": user_id,
        "activity_type": kind,
        "entity_id": entity_id,
        "entity_type": entity_type,
        "created_at": at,
        "details": details,
    }


class Pending:
    """Rows to append, by table, in the order they were added."""

    def __init__(self) -> None:
        self._rows: dict[type[Base], list[Row]] = {}

    def add(self, model: type[Base], rows: Iterable[Row]) -> None:
        self._rows.setdefault(model, []).extend(rows)

    async def write(self, session: AsyncSession) -> None:
        """One INSERT per table that has rows; the collector is empty afterwards."""
        for model, rows in self._rows.items():
            if rows:
                await session.execute(insert_all(model), rows)
        self._rows.clear()
