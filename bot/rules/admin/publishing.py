"""Publishing and unpublishing a course, a module or a lesson by slug, and the content
listing, course by course.

Slugs match case-insensitively; a course's slug is looked up first, then a module's, then a
lesson's. A module's or lesson's learners are those who opened at least one of its lessons
(a progress row of any status); a course's are those with a journey through it: the people
an unpublish hides something from. Their progress is kept either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Subquery, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules import audit
from db.models import Course, Journey, Lesson, Module, User, UserProgress

Content = Course | Module | Lesson


class ContentKind(StrEnum):
    COURSE = "course"
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


@dataclass(frozen=True)
class ListedCourse:
    item: ContentItem
    modules: tuple[ListedModule, ...]


def _learners_per_course() -> Subquery:
    return (
        select(Journey.course_id, func.count().label("learners"))
        .group_by(Journey.course_id)
        .subquery()
    )


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
    """The course, module or lesson (in that order) whose slug is `slug` in any case, with
    its learners."""
    key = slug.strip().lower()
    searches: tuple[tuple[ContentKind, type[Content], Subquery, str], ...] = (
        (ContentKind.COURSE, Course, _learners_per_course(), "course_id"),
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


def _item(kind: ContentKind, row: Content, learners: int | None) -> ContentItem:
    return ContentItem(kind, row.id, row.slug, row.title, row.is_published, int(learners or 0))


async def set_published(
    session: AsyncSession,
    admin: User,
    kind: ContentKind,
    item_id: int,
    published: bool,
    now: datetime,
) -> ContentItem | None:
    """Publish or unpublish this course, module or lesson; None when it no longer exists.

    Learners' progress is untouched: an unpublished lesson is only hidden (an unpublished
    current course is shown as unavailable, and /learn offers another). A change is
    audited; asking for the state it already has changes nothing.
    """
    models: dict[ContentKind, type[Content]] = {
        ContentKind.COURSE: Course,
        ContentKind.MODULE: Module,
        ContentKind.LESSON: Lesson,
    }
    row: Content | None = await session.get(models[kind], item_id)
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


async def list_content(session: AsyncSession) -> list[ListedCourse]:
    """Every course, module and lesson (published or not) in catalogue and course order,
    with its learners: two queries."""
    per_course = _learners_per_course()
    courses = await session.execute(
        select(Course, func.coalesce(per_course.c.learners, 0))
        .outerjoin(per_course, per_course.c.course_id == Course.id)
        .order_by(Course.order, Course.id)
    )
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
    listed: dict[int, tuple[int, ContentItem, list[ContentItem]]] = {}
    for module, module_learners, lesson, lesson_learners in rows:
        _, _, lessons = listed.setdefault(
            module.id,
            (module.course_id, _item(ContentKind.MODULE, module, module_learners), []),
        )
        if lesson is not None:
            lessons.append(_item(ContentKind.LESSON, lesson, lesson_learners))
    return [
        ListedCourse(
            _item(ContentKind.COURSE, course, learners),
            tuple(
                ListedModule(item, tuple(lessons))
                for course_id, item, lessons in listed.values()
                if course_id == course.id
            ),
        )
        for course, learners in courses
    ]
