"""The course map (its achievements with it), cached per process: loaded once however many
updates find it stale at the same moment."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.rules.course import CourseCache
from tests.support.engine_events import recorded
from tests.support.factories import make_course


async def test_updates_that_find_the_course_stale_together_read_it_once(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
) -> None:
    await make_course(session, [2, 1])
    await session.commit()
    cache = CourseCache()
    updates = [session_factory() for _ in range(8)]
    with recorded(engine, "before_cursor_execute") as seen:
        maps = await asyncio.gather(*(cache.get(s) for s in updates))
    for s in updates:
        await s.close()
    assert all(found is maps[0] for found in maps)
    assert [lesson.title for lesson in maps[0].courses[0].lessons] == [
        "Lesson 1.1",
        "Lesson 1.2",
        "Lesson 2.1",
    ]
    assert [a.slug for a in maps[0].achievements][:1] == ["first-lesson"]
    # Courses, modules, lessons, questions, both prerequisite graphs and the achievements, once.
    assert len(seen) == 7, seen
