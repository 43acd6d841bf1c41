"""Several courses: a folder of course folders, prerequisites between courses and between
modules, and what the importer refuses (with file, line and reason, nothing imported)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rules.clock import FixedClock
from bot.rules.content import CourseInvalid, answer_skew, import_course, load_courses
from bot.rules.course import load_catalogue
from db.models import Course, CoursePrerequisite, Journey, Module, ModulePrerequisite
from tests.support.factories import make_user

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "support" / "courses" / "mini"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def second_course(folder: Path, slug: str = "extra", lesson_prefix: str = "x-") -> Path:
    """A copy of the mini course with its own slug and lesson slugs."""
    target = folder / slug
    shutil.copytree(MINI, target)
    edit(target / "course.yaml", "slug: mini", f"slug: {slug}")
    for lesson in target.glob("*/*.md"):
        text = lesson.read_text()
        lesson.write_text(text.replace("slug: ", f"slug: {lesson_prefix}", 1))
    return target


@pytest.fixture
def school(tmp_path: Path) -> Path:
    """A folder of two courses: mini, and extra (which requires mini)."""
    folder = tmp_path / "school"
    folder.mkdir()
    shutil.copytree(MINI, folder / "mini")
    extra = second_course(folder)
    edit(extra / "course.yaml", "title:", "requires: [mini]\ntitle:")
    return folder


def problems(path: Path) -> list[str]:
    with pytest.raises(CourseInvalid) as raised:
        load_courses(path)
    return [str(p) for p in raised.value.problems]


async def test_a_folder_of_courses_imports_every_course_with_its_prerequisites(
    session: AsyncSession, school: Path, clock: FixedClock
) -> None:
    plan = await import_course(session, school, clock)
    assert [c.slug for c in plan.added("course")] == ["mini", "extra"]
    slugs = dict((await session.execute(select(Course.id, Course.slug))).all())
    requires = (
        await session.execute(
            select(CoursePrerequisite.course_id, CoursePrerequisite.required_course_id)
        )
    ).all()
    assert [(slugs[a], slugs[b]) for a, b in requires] == [("extra", "mini")]
    # Each course's second module requires its first (the default rule), within its course.
    edges = (
        await session.execute(
            select(Module.course_id, Module.slug, ModulePrerequisite.required_module_id)
            .join(ModulePrerequisite, ModulePrerequisite.module_id == Module.id)
            .order_by(Module.course_id)
        )
    ).all()
    assert [(slugs[course], slug) for course, slug, _ in edges] == [
        ("mini", "more"),
        ("extra", "more"),
    ]
    catalogue = await load_catalogue(session)
    assert [c.slug for c in catalogue.courses] == ["mini", "extra"]
    assert catalogue.courses[1].requires == (catalogue.courses[0].id,)
    again = await import_course(session, school, clock)
    assert again.is_empty


async def test_a_module_may_require_other_modules_and_then_opens_without_the_one_before(
    session: AsyncSession, tmp_path: Path, clock: FixedClock
) -> None:
    course = tmp_path / "mini"
    shutil.copytree(MINI, course)
    edit(course / "02-more" / "module.yaml", "title: More", "title: More\nrequires: []")
    await import_course(session, course, clock)
    catalogue = await load_catalogue(session)
    basics, more = catalogue.courses[0].modules
    assert catalogue.courses[0].required_modules(more) == ()
    assert await session.scalar(select(func.count()).select_from(ModulePrerequisite)) == 0
    assert basics.title == "Basics"


def test_a_cycle_of_modules_is_named_with_file_and_line(tmp_path: Path) -> None:
    course = tmp_path / "mini"
    shutil.copytree(MINI, course)
    edit(course / "01-basics" / "module.yaml", "title: Basics", "title: Basics\nrequires: [more]")
    assert problems(course) == [
        "01-basics/module.yaml:3: the modules' 'requires' make a cycle: basics → more → basics"
    ]


def test_requires_naming_no_module_is_refused_with_its_line(tmp_path: Path) -> None:
    course = tmp_path / "mini"
    shutil.copytree(MINI, course)
    edit(
        course / "02-more" / "module.yaml",
        "title: More",
        "title: More\nrequires:\n  - basics\n  - basix",
    )
    assert problems(course) == [
        "02-more/module.yaml:5: 'requires' names module 'basix', which this course does not have"
    ]


def test_two_courses_with_one_slug_are_refused(school: Path) -> None:
    edit(school / "extra" / "course.yaml", "slug: extra\nrequires: [mini]", "slug: mini")
    found = problems(school)
    assert found == ["mini/course.yaml:1: course slug 'mini' is also the slug of extra/course.yaml"]


def test_a_cycle_of_courses_is_named(school: Path) -> None:
    edit(school / "mini" / "course.yaml", "title:", "requires: [extra]\ntitle:")
    assert problems(school) == [
        "extra/course.yaml:2: the courses' 'requires' make a cycle: extra → mini → extra"
    ]


async def test_a_course_requiring_an_unknown_course_imports_nothing(
    session: AsyncSession, school: Path, clock: FixedClock
) -> None:
    shutil.rmtree(school / "mini")
    with pytest.raises(CourseInvalid) as raised:
        await import_course(session, school, clock)
    assert [str(p) for p in raised.value.problems] == [
        "extra/course.yaml:2: 'requires' names course 'mini', which is neither in this import "
        "nor in the database"
    ]
    assert await session.scalar(select(func.count()).select_from(Course)) == 0


async def test_a_course_imported_alone_may_require_one_already_in_the_database(
    session: AsyncSession, school: Path, clock: FixedClock
) -> None:
    await import_course(session, school / "mini", clock)
    plan = await import_course(session, school / "extra", clock)
    assert [c.slug for c in plan.added("course")] == ["extra"]
    catalogue = await load_catalogue(session)
    assert [c.slug for c in catalogue.courses] == ["mini", "extra"]


async def test_a_slug_changed_under_learners_needs_confirmation(
    session: AsyncSession, tmp_path: Path, clock: FixedClock
) -> None:
    course = tmp_path / "mini"
    shutil.copytree(MINI, course)
    await import_course(session, course, clock)
    learner = await make_user(session, 1)
    mini_id = await session.scalar(select(Course.id))
    session.add(Journey(user_id=learner.id, course_id=mini_id, started_at=clock.now()))
    await session.flush()
    edit(course / "course.yaml", "slug: mini", "slug: mini-course")
    with pytest.raises(CourseInvalid) as raised:
        await import_course(session, course, clock)
    assert [str(p) for p in raised.value.problems] == [
        "course.yaml:1: slug 'mini-course' is new, but its lessons belong to course 'mini', "
        "which 1 learner(s) follow; to rename that course, confirm with --rename-from mini"
    ]
    assert await session.scalar(select(Course.slug)) == "mini"

    plan = await import_course(session, course, clock, rename_from="mini")
    assert [c.fields for c in plan.changed("course")] == [("slug",)]
    assert (await session.execute(select(Course.id, Course.slug))).all() == [
        (mini_id, "mini-course")
    ]
    assert await session.scalar(select(Journey.course_id)) == mini_id


async def test_a_lesson_slug_of_another_course_is_refused_with_its_file(
    session: AsyncSession, school: Path, clock: FixedClock
) -> None:
    await import_course(session, school / "mini", clock)
    hello = school / "extra" / "01-basics" / "01-hello.md"
    edit(hello, "slug: x-hello", "slug: hello")
    edit(school / "extra" / "course.yaml", "requires: [mini]\n", "")
    # The other lessons are the extra course's own, so this is not a renamed course.
    with pytest.raises(CourseInvalid) as raised:
        await import_course(session, school / "extra", clock)
    assert [str(p) for p in raised.value.problems] == [
        "01-basics/01-hello.md:2: lesson slug 'hello' is already used by course 'mini'; "
        "lesson slugs are unique across courses"
    ]


def test_the_bundled_courses_load_in_order_and_pass_the_strict_check() -> None:
    courses = load_courses(ROOT / "content")
    assert [c.slug for c in courses] == [
        "git-essentials",
        "github-collaboration",
        "goals-that-stick",
    ]
    assert [r.slug for r in courses[1].requires] == ["git-essentials"]
    assert all(c.language == "en" and c.published for c in courses)
    assert [answer_skew(c) for c in courses] == [None, None, None]
    slugs = [lesson.slug for c in courses for lesson in c.lessons]
    assert len(slugs) == len(set(slugs))  # lesson slugs are unique across courses


async def test_two_imports_of_different_courses_at_once_both_land(
    session_factory: async_sessionmaker[AsyncSession], school: Path, clock: FixedClock
) -> None:
    edit(school / "extra" / "course.yaml", "requires: [mini]\n", "")

    async def import_one(folder: Path) -> None:
        async with session_factory() as own, own.begin():
            await import_course(own, folder, clock)

    await asyncio.gather(import_one(school / "mini"), import_one(school / "extra"))
    async with session_factory() as check:
        catalogue = await load_catalogue(check)
    assert sorted(c.slug for c in catalogue.courses) == ["extra", "mini"]
    assert all(len(c.lessons) == 6 for c in catalogue.courses)
