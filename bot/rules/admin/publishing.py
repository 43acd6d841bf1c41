"""Publishing and unpublishing a module or a lesson by slug, and the content listing.

Slugs match case-insensitively. A module's or lesson's learners are those who opened at
least one of its lessons (a progress row of any status): the people an unpublish hides
something from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Subquery, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules import audit
from db.models import Lesson, Module, User, UserProgress


class ContentKind(StrEnum):
    MODULE = "module"
    LESSON = "lesson"


@dataclass(frozen=True)
class ContentItem:
    kind: ContentKind
    id: int
    slug: str
    title: str
    is_published: bool
    learners: int


@dataclass(frozen=True)
class ListedModule:
    item: ContentItem
    lessons: tuple[ContentItem, ...]


def _learners_per_lesson() -> Subquery:
    # One progress row per learner and lesson, so a count of rows counts learners.
    return (
        select(UserProgress.lesson_id, func.count().label("learners"))
        .group_by(UserProgress.lesson_id)
        .subquery()
    )


def _learners_per_module() -> Subquery:
    return (
        select(Lesson.module_id, func.count(distinct(UserProgress.user_id)).label("learners"))
        .join(UserProgress, UserProgress.lesson_id == Lesson.id)
        .group_by(Lesson.module_id)
        .subquery()
    )


async def find_item(session: AsyncSession, slug: str) -> ContentItem | None:
    """The module (first) or lesson whose slug is `slug` in any case, with its learners."""
    key = slug.strip().lower()
    searches: tuple[tuple[ContentKind, type[Module] | type[Lesson], Subquery, str], ...] = (
        (ContentKind.MODULE, Module, _learners_per_module(), "module_id"),
        (ContentKind.LESSON, Lesson, _learners_per_lesson(), "lesson_id"),
    )
    for kind, model, counts, key_column in searches:
        found = (
            await session.execute(
                select(model, func.coalesce(counts.c.learners, 0))
                .outerjoin(counts, counts.c[key_column] == model.id)
                .where(func.lower(model.slug) == key)
            )
        ).first()
        if found is not None:
            return _item(kind, found[0], found[1])
    return None


def _item(kind: ContentKind, row: Module | Lesson, learners: int | None) -> ContentItem:
    return ContentItem(kind, row.id, row.slug, row.title, row.is_published, int(learners or 0))


async def set_published(
    session: AsyncSession,
    admin: User,
    kind: ContentKind,
    item_id: int,
    published: bool,
    now: datetime,
) -> ContentItem | None:
    """Publish or unpublish this module or lesson; None when it no longer exists.

    Learners' progress is untouched: an unpublished lesson is only hidden. A change is
    audited; asking for the state it already has changes nothing.
    """
    row: Module | Lesson | None = await session.get(
        Module if kind is ContentKind.MODULE else Lesson, item_id
    )
    if row is None:
        return None
    if row.is_published != published:
        row.is_published = published
        row.updated_at = now
        action = "content.publish" if published else "content.unpublish"
        await audit.record(
            session, admin, action, now, entity_type=kind.value, entity_id=row.id, slug=row.slug
        )
    return _item(kind, row, None)


async def list_content(session: AsyncSession) -> list[ListedModule]:
    """Every module and lesson (published or not) in course order, with its learners:
    one query."""
    per_module = _learners_per_module()
    per_lesson = _learners_per_lesson()
    rows = await session.execute(
        select(
            Module,
            func.coalesce(per_module.c.learners, 0),
            Lesson,
            func.coalesce(per_lesson.c.learners, 0),
        )
        .outerjoin(per_module, per_module.c.module_id == Module.id)
        .outerjoin(Lesson, Lesson.module_id == Module.id)
        .outerjoin(per_lesson, per_lesson.c.lesson_id == Lesson.id)
        .order_by(Module.order, Module.id, Lesson.order, Lesson.id)
    )
    listed: dict[int, tuple[ContentItem, list[ContentItem]]] = {}
    for module, module_learners, lesson, lesson_learners in rows:
        _, lessons = listed.setdefault(
            module.id, (_item(ContentKind.MODULE, module, module_learners), [])
        )
        if lesson is not None:
            lessons.append(_item(ContentKind.LESSON, lesson, lesson_learners))
    return [ListedModule(item, tuple(lessons)) for item, lessons in listed.values()]
