"""Publishing and unpublishing a module or a lesson by slug."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules import audit
from db.models import Lesson, Module, User


async def set_published(
    session: AsyncSession, admin: User, slug: str, published: bool, now: datetime
) -> str | None:
    """Publish or unpublish the module or lesson with this slug.

    Returns "module" or "lesson" (what was found), or None when no such slug exists.
    Learners' progress is untouched: an unpublished lesson is only hidden.
    """
    item: Module | Lesson | None = await session.scalar(select(Module).where(Module.slug == slug))
    kind = "module"
    if item is None:
        item = await session.scalar(select(Lesson).where(Lesson.slug == slug))
        kind = "lesson"
    if item is None:
        return None
    if item.is_published != published:
        item.is_published = published
        item.updated_at = now
        action = "content.publish" if published else "content.unpublish"
        await audit.record(
            session, admin, action, now, entity_type=kind, entity_id=item.id, slug=slug
        )
    return kind
