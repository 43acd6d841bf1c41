"""Counting what an engine does while a block runs: its statements, its commits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


@contextmanager
def recorded(engine: AsyncEngine, name: str) -> Iterator[list[tuple[object, ...]]]:
    """The arguments of every `name` event (``"commit"``, ``"before_cursor_execute"``…) the
    engine fires inside the block, one tuple per event."""
    seen: list[tuple[object, ...]] = []

    def record(*args: object) -> None:
        seen.append(args)

    event.listen(engine.sync_engine, name, record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, name, record)
