"""The published course as plain data, with its achievements, cached briefly in the process.

Content changes rarely (an import, a publish), so every update does not need to
read the course again: the map (lesson bodies included: a course of a hundred
lessons is well under a megabyte) is reloaded after `COURSE_CACHE_TTL` or at once
when this process changed content.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.formats.html_split import split_html
from db.models import Achievement, CourseDetails, Lesson, Module, QuizQuestion

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
    modules: tuple[ModuleInfo, ...]
    title: str = UNTITLED_COURSE
    achievements: tuple[AchievementInfo, ...] = ()
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

    def module(self, module_id: int) -> ModuleInfo:
        return next(module for module in self.modules if module.id == module_id)

    def pages(self, lesson: LessonInfo, limit: int) -> list[str]:
        """The lesson body split into valid Telegram-HTML pages of at most `limit` characters."""
        key = (lesson.id, limit)
        if key not in self._pages:
            self._pages[key] = split_html(lesson.body, limit=limit) or [""]
        return self._pages[key]


async def load_course_map(session: AsyncSession) -> CourseMap:
    """Published modules with their published lessons and questions, in course order, and
    every achievement."""
    modules = (
        await session.execute(
            select(Module.id, Module.slug, Module.title, Module.days_between_lessons)
            .where(Module.is_published)
            .order_by(Module.order, Module.id)
        )
    ).all()
    lessons = (
        await session.execute(
            select(Lesson)
            .join(Module, Module.id == Lesson.module_id)
            .where(Module.is_published, Lesson.is_published)
            .order_by(Lesson.order, Lesson.id)
        )
    ).scalars()
    lesson_rows = list(lessons)
    questions = (
        await session.scalars(
            select(QuizQuestion)
            .where(QuizQuestion.lesson_id.in_([lesson.id for lesson in lesson_rows]))
            .order_by(QuizQuestion.order, QuizQuestion.id)
        )
    ).all()
    by_lesson: dict[int, list[QuestionInfo]] = {}
    for q in questions:
        by_lesson.setdefault(q.lesson_id, []).append(question_info(q))
    built: list[ModuleInfo] = []
    for module_id, slug, title, drip in modules:
        own = [lesson for lesson in lesson_rows if lesson.module_id == module_id]
        infos = tuple(
            LessonInfo(
                id=lesson.id,
                slug=lesson.slug,
                title=lesson.title,
                module_id=module_id,
                module_title=title,
                position=index,
                minutes=lesson.estimated_duration,
                points=lesson.points,
                pass_mark=lesson.pass_mark,
                image=lesson.image,
                questions=tuple(by_lesson.get(lesson.id, ())),
                body=lesson.content or "",
            )
            for index, lesson in enumerate(own, start=1)
        )
        if infos:
            built.append(ModuleInfo(module_id, slug, title, len(built) + 1, drip, infos))
    course_title = await session.scalar(select(CourseDetails.title).limit(1))
    achievements = (await session.scalars(select(Achievement).order_by(Achievement.id))).all()
    return CourseMap(
        tuple(built),
        course_title or UNTITLED_COURSE,
        tuple(
            AchievementInfo(a.id, a.slug, a.title, a.icon, a.points, parse_criteria(a.criteria))
            for a in achievements
        ),
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
    """Holds the course map for `ttl` seconds; `invalidate()` after content changes.

    One update loads it; the updates that find it stale meanwhile wait for that load instead
    of each reading the whole course again (at start, 32 updates at once read it 32 times)."""

    def __init__(self, ttl: float = COURSE_CACHE_TTL) -> None:
        self._ttl = ttl
        self._map: CourseMap | None = None
        self._loaded_at = 0.0
        self._loading = LoopLock()

    async def get(self, session: AsyncSession) -> CourseMap:
        if self._map is not None and not self._stale():
            return self._map
        async with self._loading():
            if self._map is None or self._stale():
                self._map = await load_course_map(session)
                self._loaded_at = time.monotonic()
            return self._map

    def _stale(self) -> bool:
        return time.monotonic() - self._loaded_at > self._ttl

    def invalidate(self) -> None:
        self._map = None
