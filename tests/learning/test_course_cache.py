"""The course map and the achievements, cached per process: loaded once however many
updates find them stale at the same moment."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.rules.course import CourseCache
from bot.rules.rewards import AchievementCache
from tests.support.factories import make_course


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def test_updates_that_find_the_course_stale_together_read_it_once(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
) -> None:
    await make_course(session, [2, 1])
    await session.commit()
    cache, achievements = CourseCache(), AchievementCache()
    updates = [session_factory() for _ in range(8)]
    with statements(engine) as seen:
        maps = await asyncio.gather(*(cache.get(s) for s in updates))
        rules = await asyncio.gather(*(achievements.get(s) for s in updates))
    for s in updates:
        await s.close()
    assert all(found is maps[0] for found in maps)
    assert [lesson.title for lesson in maps[0].lessons] == [
        "Lesson 1.1",
        "Lesson 1.2",
        "Lesson 2.1",
    ]
    assert all(found is rules[0] for found in rules)
    # Modules, lessons, questions and the course title once; the achievements once.
    assert len(seen) == 5, seen
