"""Small builders for test data, straight through the models."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.clock import FixedClock
from bot.rules.content import import_course
from db.models import (
    Achievement,
    Course,
    CoursePrerequisite,
    Lesson,
    Module,
    ModulePrerequisite,
    QuizQuestion,
    User,
    UserAchievement,
    UserStats,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


async def make_course(
    session: AsyncSession,
    shape: list[int],
    *,
    questions: int = 2,
    drip: dict[int, int] | None = None,
    pass_mark: int = 60,
    slug: str = "course",
    title: str = "Course",
    requires: list[Course] | None = None,
) -> list[Module]:
    """A published course (`slug`, `title`) of modules with `shape[i]` lessons each, each
    module requiring the one before; every lesson gets `questions` questions. Lessons of the
    first course are `m1-l1`, …; of another course `<slug>-m1-l1`, … (slugs are school-wide).

    Question k's right answer is option 0 ("right"), the others are wrong.
    """
    order = await session.scalar(select(func.count()).select_from(Course))
    course = Course(
        slug=slug,
        title=title,
        order=(order or 0) + 1,
        is_published=True,
        created_at=T0,
        updated_at=T0,
    )
    session.add(course)
    await session.flush()
    session.add_all(
        CoursePrerequisite(course_id=course.id, required_course_id=required.id)
        for required in requires or ()
    )
    prefix = "" if slug == "course" else f"{slug}-"
    modules = []
    for m, count in enumerate(shape, start=1):
        module = Module(
            course_id=course.id,
            slug=f"m{m}",
            title=f"Module {m}",
            order=m,
            is_published=True,
            days_between_lessons=(drip or {}).get(m),
            created_at=T0,
            updated_at=T0,
        )
        session.add(module)
        for n in range(1, count + 1):
            lesson = Lesson(
                module=module,
                slug=f"{prefix}m{m}-l{n}",
                title=f"{'' if not prefix else title + ' '}Lesson {m}.{n}",
                content=f"<b>Lesson {m}.{n}</b> body &amp; more",
                order=n,
                is_published=True,
                pass_mark=pass_mark,
                created_at=T0,
                updated_at=T0,
            )
            session.add(lesson)
            for q in range(1, questions + 1):
                session.add(
                    QuizQuestion(
                        lesson=lesson,
                        slug=f"q{q}",
                        order=q,
                        question=f"Question {q} of {m}.{n}?",
                        options=["right", "wrong", "also wrong"],
                        correct_option_ids=[0],
                        explanation="Because.",
                        created_at=T0,
                        updated_at=T0,
                    )
                )
        modules.append(module)
    await session.flush()
    session.add_all(
        ModulePrerequisite(module_id=later.id, required_module_id=earlier.id)
        for earlier, later in itertools.pairwise(modules)
    )
    await session.flush()
    return modules


async def make_user(
    session: AsyncSession, telegram_id: int = 1, *, zone: str = "UTC", **fields: object
) -> User:
    user = User(
        telegram_id=telegram_id,
        first_name=fields.pop("first_name", "Ada"),
        time_zone=zone,
        onboarded_at=T0,
        created_at=T0,
        updated_at=T0,
        **fields,
    )
    session.add(user)
    await session.flush()
    return user


BUNDLED_COURSE = Path(__file__).resolve().parents[2] / "content" / "git-essentials"


async def import_bundled_course(session: AsyncSession) -> None:
    """The course shipped in content/, imported as an operator would."""
    await import_course(session, BUNDLED_COURSE, FixedClock(T0))


async def reload_stats(session: AsyncSession, user_id: int) -> UserStats:
    """The learner's stats row as the database holds it now."""
    stats = await session.scalar(
        select(UserStats)
        .where(UserStats.user_id == user_id)
        .execution_options(populate_existing=True)
    )
    assert stats is not None
    return stats


async def earned_slugs(session: AsyncSession, user: User) -> set[str]:
    """The slugs of the achievements the learner owns."""
    return set(
        await session.scalars(
            select(Achievement.slug)
            .join(UserAchievement, UserAchievement.achievement_id == Achievement.id)
            .where(UserAchievement.user_id == user.id)
        )
    )
