"""The published courses as plain data (the catalogue), with the achievements, cached briefly
in the process.

Content changes rarely (an import, a publish), so every update does not need to read the
courses again: the catalogue (lesson bodies included: a course of a hundred lessons is well
under a megabyte) is reloaded after `COURSE_CACHE_TTL` or at once when this process changed
content. A `CourseMap` is one course; the `Catalogue` holds every published one, in
catalogue order, and picks the learner's current course.
"""

from __future__ import annotations

import asyncio
import enum
import json
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.formats.html_split import split_html
from db.models import (
    Achievement,
    Course,
    CoursePrerequisite,
    Lesson,
    Module,
    ModulePrerequisite,
    QuizQuestion,
    User,
)

COURSE_CACHE_TTL = 30.0  # seconds; other processes' content edits show up within this
UNTITLED_COURSE = "LearnBot course"  # a database whose course was imported before titles were kept


@dataclass(frozen=True)
class QuestionInfo:
    id: int
    slug: str
    question: str
    options: tuple[str, ...]
    correct_option_ids: tuple[int, ...]
    explanation: str | None


def question_info(row: QuizQuestion) -> QuestionInfo:
    return QuestionInfo(
        id=row.id,
        slug=row.slug,
        question=row.question,
        options=tuple(row.options),
        correct_option_ids=tuple(row.correct_option_ids),
        explanation=row.explanation,
    )


class FieldKind(enum.Enum):
    """What an assignment field takes: text, a choice of options, or one kind of media."""

    TEXT = "text"
    CHOICE = "choice"
    PHOTO = "photo"
    VOICE = "voice"
    VIDEO = "video"
    DOCUMENT = "document"


FIELD_ID_RE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*$")
# {{woop.wish}} or {{woop.wish|your wish}} in a lesson text: no spaces inside, and not after a
# "$", so GitHub Actions' ${{ matrix.python }} in a lesson about workflows stays text.
PLACEHOLDER_RE = re.compile(r"(?<!\$)\{\{([a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*)(?:\|([^{}]*))?\}\}")
TEXT_ANSWER_MAX = 4096  # a Telegram message


@dataclass(frozen=True)
class FieldInfo:
    id: str
    prompt: str
    kind: FieldKind
    required: bool = True
    min: int | None = None
    max: int | None = None
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class AssignmentInfo:
    """A lesson's assignment: its fields in order and who decides (a mentor, or the
    learner by submitting)."""

    fields: tuple[FieldInfo, ...]
    mentor_review: bool = True

    def field(self, field_id: str) -> FieldInfo | None:
        return next((f for f in self.fields if f.id == field_id), None)


def assignment_info(raw: dict[str, Any] | None) -> AssignmentInfo | None:
    """The assignment stored with a lesson (the importer wrote and checked it)."""
    if not raw or not raw.get("fields"):
        return None
    fields = tuple(
        FieldInfo(
            id=item["id"],
            prompt=item["prompt"],
            kind=FieldKind(item["kind"]),
            required=bool(item.get("required", True)),
            min=item.get("min"),
            max=item.get("max"),
            options=tuple(item.get("options") or ()),
        )
        for item in raw["fields"]
    )
    return AssignmentInfo(fields, raw.get("review", "mentor") != "self")


@dataclass(frozen=True)
class LessonInfo:
    id: int
    slug: str
    title: str
    module_id: int
    module_title: str
    position: int  # 1-based within its module
    minutes: int | None
    points: int
    pass_mark: int
    image: str | None
    questions: tuple[QuestionInfo, ...]
    body: str = field(default="", repr=False)
    assignment: AssignmentInfo | None = None
    requires_fields: tuple[str, ...] = ()

    @property
    def questions_to_pass(self) -> int:
        """The fewest right answers whose score (percent, rounded) reaches the pass mark."""
        total = len(self.questions)
        return (
            next((n for n in range(total + 1) if round(100 * n / total) >= self.pass_mark), total)
            if total
            else 0
        )


@dataclass(frozen=True)
class ModuleInfo:
    id: int
    slug: str
    title: str
    position: int  # 1-based within the course
    days_between_lessons: int | None
    lessons: tuple[LessonInfo, ...]


@dataclass(frozen=True)
class PlacementPool:
    """A course's placement check: questions drawn per module, and each module's questions
    that may be drawn (module id -> questions, in course order; a module without any cannot
    be tested out)."""

    per_module: int
    pools: Mapping[int, tuple[QuestionInfo, ...]]


def placement_pool(
    per_module: int | None, refs: Iterable[str] | None, modules: Iterable[ModuleInfo]
) -> PlacementPool | None:
    """The pool of a course's check from its row (`refs`: "lesson-slug/question-id" or None
    for every question); questions removed since are simply not in it."""
    if per_module is None:
        return None
    wanted = set(refs) if refs is not None else None
    pools = {
        module.id: tuple(
            question
            for lesson in module.lessons
            for question in lesson.questions
            if wanted is None or f"{lesson.slug}/{question.slug}" in wanted
        )
        for module in modules
    }
    return PlacementPool(per_module, pools)


@dataclass(frozen=True)
class AchievementInfo:
    """An achievement as data; what its criteria mean is `bot.rules.motivation.achievements`."""

    id: int
    slug: str
    title: str
    icon: str | None
    points: int
    criteria: dict[str, int]


def parse_criteria(raw: str | None) -> dict[str, int]:
    """The criteria of an achievement (a JSON object of whole numbers); malformed criteria
    are empty, and empty criteria never match."""
    try:
        value = json.loads(raw or "")
    except json.JSONDecodeError:
        return {}
    if not isinstance(value, dict) or not value:
        return {}
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in value.values()):
        return {}
    return value


@dataclass(frozen=True)
class CourseMap:
    """One published course: its modules with their published lessons, in order.

    `module_requires` maps a module to the published modules it requires (an unpublished
    one stands for what it requires in turn); without it, each module requires the one
    before, the rule of a single course. `requires` are the ids of the published courses
    that must be completed first."""

    modules: tuple[ModuleInfo, ...]
    title: str = UNTITLED_COURSE
    achievements: tuple[AchievementInfo, ...] = ()
    id: int = 0
    slug: str = ""
    description: str | None = None
    language: str | None = None
    requires: tuple[int, ...] = ()
    module_requires: Mapping[int, tuple[int, ...]] | None = None
    placement: PlacementPool | None = None  # the placement check it offers, if any
    lessons: tuple[LessonInfo, ...] = field(init=False)
    by_id: dict[int, LessonInfo] = field(init=False)
    by_slug: dict[str, LessonInfo] = field(init=False)
    _pages: dict[tuple[int, int], list[str]] = field(
        init=False, default_factory=dict, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        lessons = tuple(lesson for module in self.modules for lesson in module.lessons)
        object.__setattr__(self, "lessons", lessons)
        object.__setattr__(self, "by_id", {lesson.id: lesson for lesson in lessons})
        object.__setattr__(self, "by_slug", {lesson.slug: lesson for lesson in lessons})
        if self.module_requires is None:
            chain = {
                later.id: (earlier.id,)
                for earlier, later in zip(self.modules, self.modules[1:], strict=False)
            }
            object.__setattr__(self, "module_requires", chain)

    @property
    def asks_fields(self) -> bool:
        """Some lesson opens only once the learner has submitted certain fields."""
        return any(lesson.requires_fields for lesson in self.lessons)

    def module(self, module_id: int) -> ModuleInfo:
        return next(module for module in self.modules if module.id == module_id)

    def required_modules(self, module: ModuleInfo) -> tuple[ModuleInfo, ...]:
        """The modules `module` requires, in course order."""
        wanted = set((self.module_requires or {}).get(module.id, ()))
        return tuple(item for item in self.modules if item.id in wanted)

    @property
    def minutes(self) -> int:
        return sum(lesson.minutes or 0 for lesson in self.lessons)

    def course_of_lesson(self, lesson_id: int) -> CourseMap | None:
        return self if lesson_id in self.by_id else None

    def done_in(self, done: Iterable[int]) -> int:
        """How many of this course's lessons are among the lesson ids `done`."""
        return sum(1 for lesson_id in done if lesson_id in self.by_id)

    def pages(self, lesson: LessonInfo, limit: int) -> list[str]:
        """The lesson body split into valid Telegram-HTML pages of at most `limit` characters."""
        key = (lesson.id, limit)
        if key not in self._pages:
            self._pages[key] = split_html(lesson.body, limit=limit) or [""]
        return self._pages[key]


class Courses(Protocol):
    """Where a lesson's course is found: a `Catalogue`, or one `CourseMap` alone."""

    def course_of_lesson(self, lesson_id: int) -> CourseMap | None: ...


EMPTY_COURSE = CourseMap(())


@dataclass(frozen=True)
class Catalogue:
    """Every published course in catalogue order, the achievements, and the titles of the
    unpublished courses (a learner's current course may be one: it is shown unavailable)."""

    courses: tuple[CourseMap, ...]
    achievements: tuple[AchievementInfo, ...] = ()
    unpublished: Mapping[int, str] = field(default_factory=dict)
    _by_lesson: dict[int, CourseMap] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_lesson = {lesson_id: c for c in self.courses for lesson_id in c.by_id}
        object.__setattr__(self, "_by_lesson", by_lesson)

    def get(self, course_id: int | None) -> CourseMap | None:
        return next((c for c in self.courses if c.id == course_id), None)

    def by_slug(self, slug: str) -> CourseMap | None:
        return next((c for c in self.courses if c.slug == slug), None)

    def course_of_lesson(self, lesson_id: int) -> CourseMap | None:
        return self._by_lesson.get(lesson_id)

    def lesson(self, lesson_id: int) -> LessonInfo | None:
        course = self._by_lesson.get(lesson_id)
        return course.by_id[lesson_id] if course is not None else None

    def lesson_by_slug(self, slug: str) -> LessonInfo | None:
        return next((c.by_slug[slug] for c in self.courses if slug in c.by_slug), None)

    @property
    def single(self) -> CourseMap | None:
        """The one published course when there is exactly one."""
        return self.courses[0] if len(self.courses) == 1 else None

    def current(self, user: User | None) -> CourseMap:
        """The course the learner follows: their current one when it is published (none when
        it was unpublished: they pick another); without one, the only course of a one-course
        school; else none (an empty course: pick one)."""
        if user is not None and user.current_course_id is not None:
            return self.get(user.current_course_id) or EMPTY_COURSE
        return self.single or EMPTY_COURSE

    def title_of(self, course_id: int | None) -> str | None:
        course = self.get(course_id)
        return course.title if course is not None else self.unpublished.get(course_id or 0)


def _resolve_requires(
    edges: Mapping[int, Iterable[int]], published: set[int], module_id: int
) -> tuple[int, ...]:
    """The published modules `module_id` requires: an unpublished requirement is replaced by
    what it requires, transitively (the importer keeps the graph free of cycles)."""
    found: set[int] = set()
    seen: set[int] = set()
    stack = list(edges.get(module_id, ()))
    while stack:
        required = stack.pop()
        if required in seen:
            continue
        seen.add(required)
        if required in published:
            found.add(required)
        else:
            stack.extend(edges.get(required, ()))
    return tuple(sorted(found))


async def load_catalogue(session: AsyncSession) -> Catalogue:
    """Published courses with their published modules, lessons and questions, in order,
    their prerequisites, and every achievement."""
    course_rows = (await session.scalars(select(Course).order_by(Course.order, Course.id))).all()
    module_rows = (
        await session.execute(
            select(
                Module.id,
                Module.course_id,
                Module.slug,
                Module.title,
                Module.days_between_lessons,
                Module.is_published,
            ).order_by(Module.order, Module.id)
        )
    ).all()
    lesson_rows = list(
        (
            await session.scalars(
                select(Lesson)
                .join(Module, Module.id == Lesson.module_id)
                .where(Module.is_published, Lesson.is_published)
                .order_by(Lesson.order, Lesson.id)
            )
        ).all()
    )
    questions = (
        await session.scalars(
            select(QuizQuestion)
            .where(QuizQuestion.lesson_id.in_([lesson.id for lesson in lesson_rows]))
            .order_by(QuizQuestion.order, QuizQuestion.id)
        )
    ).all()
    module_edges: dict[int, list[int]] = {}
    for module_id, required in (
        await session.execute(
            select(ModulePrerequisite.module_id, ModulePrerequisite.required_module_id)
        )
    ).all():
        module_edges.setdefault(module_id, []).append(required)
    course_edges: dict[int, list[int]] = {}
    for course_id, required in (
        await session.execute(
            select(CoursePrerequisite.course_id, CoursePrerequisite.required_course_id)
        )
    ).all():
        course_edges.setdefault(course_id, []).append(required)
    achievements = tuple(
        AchievementInfo(a.id, a.slug, a.title, a.icon, a.points, parse_criteria(a.criteria))
        for a in (await session.scalars(select(Achievement).order_by(Achievement.id))).all()
    )
    by_lesson: dict[int, list[QuestionInfo]] = {}
    for q in questions:
        by_lesson.setdefault(q.lesson_id, []).append(question_info(q))
    published_courses = {c.id for c in course_rows if c.is_published}
    built: dict[int, list[ModuleInfo]] = {}
    for module_id, course_id, slug, title, drip, is_published in module_rows:
        own = [lesson for lesson in lesson_rows if lesson.module_id == module_id]
        if not is_published or not own or course_id not in published_courses:
            continue
        infos = tuple(
            _lesson_info(lesson, module_id, title, index, by_lesson)
            for index, lesson in enumerate(own, start=1)
        )
        modules = built.setdefault(course_id, [])
        modules.append(ModuleInfo(module_id, slug, title, len(modules) + 1, drip, infos))
    shown = {module.id for modules in built.values() for module in modules}
    courses = tuple(
        CourseMap(
            tuple(built.get(row.id, ())),
            row.title,
            achievements,
            id=row.id,
            slug=row.slug,
            description=row.description,
            language=row.language,
            requires=tuple(
                sorted(r for r in course_edges.get(row.id, ()) if r in published_courses)
            ),
            module_requires={
                module.id: _resolve_requires(module_edges, shown, module.id)
                for module in built.get(row.id, ())
            },
            placement=placement_pool(
                row.placement_per_module, row.placement_questions, built.get(row.id, ())
            ),
        )
        for row in course_rows
        if row.is_published
    )
    unpublished = {row.id: row.title for row in course_rows if not row.is_published}
    return Catalogue(courses, achievements, unpublished)


def _lesson_info(
    lesson: Lesson,
    module_id: int,
    module_title: str,
    position: int,
    questions: dict[int, list[QuestionInfo]],
) -> LessonInfo:
    return LessonInfo(
        id=lesson.id,
        slug=lesson.slug,
        title=lesson.title,
        module_id=module_id,
        module_title=module_title,
        position=position,
        minutes=lesson.estimated_duration,
        points=lesson.points,
        pass_mark=lesson.pass_mark,
        image=lesson.image,
        questions=tuple(questions.get(lesson.id, ())),
        body=lesson.content or "",
        assignment=assignment_info(lesson.assignment),
        requires_fields=tuple(lesson.requires_fields or ()),
    )


async def load_course_map(session: AsyncSession) -> CourseMap:
    """The first published course (tests and tools of a one-course school)."""
    catalogue = await load_catalogue(session)
    return (
        catalogue.courses[0]
        if catalogue.courses
        else CourseMap((), achievements=catalogue.achievements)
    )


class LoopLock:
    """An `asyncio.Lock` for the running event loop. A lock serves the loop it first waited
    in, and one process may run several loops one after another (the CLI, tests, benches),
    so a long-lived cache takes a fresh lock when the loop changes."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = asyncio.Lock()

    def __call__(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._lock = loop, asyncio.Lock()
        return self._lock


class CourseCache:
    """Holds the catalogue for `ttl` seconds; `invalidate()` after content changes.

    One update loads it; the updates that find it stale meanwhile wait for that load instead
    of each reading the whole course again (at start, 32 updates at once read it 32 times)."""

    def __init__(self, ttl: float = COURSE_CACHE_TTL) -> None:
        self._ttl = ttl
        self._map: Catalogue | None = None
        self._loaded_at = 0.0
        self._loading = LoopLock()

    async def get(self, session: AsyncSession) -> Catalogue:
        if self._map is not None and not self._stale():
            return self._map
        async with self._loading():
            if self._map is None or self._stale():
                self._map = await load_catalogue(session)
                self._loaded_at = time.monotonic()
            return self._map

    def _stale(self) -> bool:
        return time.monotonic() - self._loaded_at > self._ttl

    def invalidate(self) -> None:
        self._map = None
