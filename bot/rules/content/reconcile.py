"""Reconciling the database with a course: planning the import (`plan`) and applying it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.clock import Clock
from bot.rules.content.loading import load_course
from bot.rules.content.plan import Change, ImportPlan
from bot.rules.content.spec import Course, LessonSpec, ModuleSpec, QuestionSpec
from bot.rules.review.cards import retire_cards
from db.models import CourseDetails, Lesson, Module, QuizQuestion, UserProgress

COURSE_DETAILS_ID = 1  # the database holds one course


@dataclass
class _State:
    modules: dict[str, Module]
    modules_by_id: dict[int, Module]
    lessons: dict[str, Lesson]
    questions: dict[int, dict[str, QuizQuestion]]  # lesson id -> question slug -> row


async def _load_state(session: AsyncSession) -> _State:
    """Every module, lesson and question, in three queries.

    ``populate_existing``: rows already in the session are refreshed, not trusted.
    """
    fresh = {"populate_existing": True}
    modules = list((await session.scalars(select(Module).execution_options(**fresh))).all())
    lessons = list((await session.scalars(select(Lesson).execution_options(**fresh))).all())
    questions: dict[int, dict[str, QuizQuestion]] = {}
    query = select(QuizQuestion).execution_options(**fresh)
    for question in (await session.scalars(query)).all():
        questions.setdefault(question.lesson_id, {})[question.slug] = question
    return _State(
        modules={m.slug: m for m in modules},
        modules_by_id={m.id: m for m in modules},
        lessons={lesson.slug: lesson for lesson in lessons},
        questions=questions,
    )


# Column -> the name shown in a plan.
_MODULE_FIELDS = {
    "title": "title",
    "description": "description",
    "order": "order",
    "is_published": "published",
    "days_between_lessons": "days_between_lessons",
}
_LESSON_FIELDS = {
    "title": "title",
    "content": "content",
    "order": "order",
    "estimated_duration": "minutes",
    "is_published": "published",
    "points": "points",
    "pass_mark": "pass_mark",
    "image": "image",
}
_QUESTION_FIELDS = {
    "question": "question",
    "options": "options",
    "correct_option_ids": "correct",
    "explanation": "explanation",
    "order": "order",
}


def _module_values(spec: ModuleSpec, order: int) -> dict[str, Any]:
    return {
        "title": spec.title,
        "description": spec.description,
        "order": order,
        "is_published": spec.published,
        "days_between_lessons": spec.days_between_lessons,
    }


def _lesson_values(spec: LessonSpec, order: int) -> dict[str, Any]:
    return {
        "title": spec.title,
        "content": spec.body,
        "order": order,
        "estimated_duration": spec.minutes,
        "is_published": spec.published,
        "points": spec.points,
        "pass_mark": spec.pass_mark,
        "image": spec.image,
    }


def _question_values(spec: QuestionSpec, order: int) -> dict[str, Any]:
    return {
        "question": spec.question,
        "options": list(spec.options),
        "correct_option_ids": list(spec.correct),
        "explanation": spec.explanation,
        "order": order,
    }


def _differences(row: Any, values: dict[str, Any]) -> list[str]:
    """The columns of ``row`` whose value differs from ``values``."""
    return [name for name, value in values.items() if getattr(row, name) != value]


def _assign(row: Any, values: dict[str, Any], columns: Iterable[str], now: datetime) -> None:
    for name in columns:
        setattr(row, name, values[name])
    row.updated_at = now


@dataclass
class _Reconciler:
    """Walks the course against the database and lists what differs; unless ``dry_run``, it
    also writes each difference, stamped with ``written_at``."""

    session: AsyncSession
    state: _State
    dry_run: bool
    written_at: datetime | None = None
    changes_by_module: list[list[Change]] = field(default_factory=list)
    tail: list[Change] = field(default_factory=list)
    affected_lessons: set[int] = field(default_factory=set)
    affected_modules: set[int] = field(default_factory=set)
    doomed: list[QuizQuestion] = field(default_factory=list)  # questions to delete

    def __post_init__(self) -> None:
        if not self.dry_run and self.written_at is None:
            raise ValueError("a reconcile that writes needs the time it writes at")

    @property
    def now(self) -> datetime:
        if self.written_at is None:
            raise RuntimeError("a dry run writes nothing, so it has no time")
        return self.written_at

    async def run(self, course: Course) -> tuple[Change, ...]:
        module_rows = self._modules(course)
        if not self.dry_run:
            await self.session.flush()  # ids of new modules
        pending_questions = self._lessons(course, module_rows)
        if not self.dry_run:
            await retire_cards(self.session, [question.id for question in self.doomed])
            for question in self.doomed:
                # ON DELETE CASCADE takes the question's quiz polls along.
                await self.session.delete(question)
            await self.session.flush()  # ids of new lessons
            for lesson_slug, order, spec in pending_questions:
                lesson_id = self.state.lessons[lesson_slug].id
                self.session.add(
                    QuizQuestion(
                        lesson_id=lesson_id,
                        slug=spec.slug,
                        created_at=self.now,
                        updated_at=self.now,
                        **_question_values(spec, order),
                    )
                )
            await self.session.flush()
        return tuple(c for group in self.changes_by_module for c in group) + tuple(self.tail)

    def _modules(self, course: Course) -> dict[str, Module | None]:
        rows: dict[str, Module | None] = {}
        for order, spec in enumerate(course.modules, 1):
            group: list[Change] = []
            self.changes_by_module.append(group)
            values = _module_values(spec, order)
            row = self.state.modules.get(spec.slug)
            if row is None:
                group.append(Change("add", "module", spec.slug, spec.title))
                if not self.dry_run:
                    row = Module(slug=spec.slug, created_at=self.now, updated_at=self.now, **values)
                    self.session.add(row)
                    self.state.modules[spec.slug] = row
            else:
                diff = _differences(row, values)
                if diff:
                    fields = tuple(_MODULE_FIELDS[name] for name in diff)
                    group.append(Change("change", "module", spec.slug, spec.title, fields))
                    if "is_published" in diff:
                        self.affected_modules.add(row.id)
                    if not self.dry_run:
                        _assign(row, values, diff, self.now)
            rows[spec.slug] = row
        wanted = {spec.slug for spec in course.modules}
        for slug, row in sorted(self.state.modules.items(), key=lambda item: item[1].order):
            if slug not in wanted and row.is_published:
                self.tail.append(Change("unpublish", "module", slug, row.title))
                self.affected_modules.add(row.id)
                if not self.dry_run:
                    _assign(row, {"is_published": False}, ["is_published"], self.now)
        return rows

    def _lessons(
        self, course: Course, module_rows: dict[str, Module | None]
    ) -> list[tuple[str, int, QuestionSpec]]:
        pending: list[tuple[str, int, QuestionSpec]] = []
        for group, module in zip(self.changes_by_module, course.modules, strict=True):
            module_row = module_rows[module.slug]
            for order, spec in enumerate(module.lessons, 1):
                values = _lesson_values(spec, order)
                row = self.state.lessons.get(spec.slug)
                if row is None:
                    group.append(Change("add", "lesson", spec.slug, spec.title))
                    if not self.dry_run:
                        assert module_row is not None
                        row = Lesson(
                            slug=spec.slug,
                            module_id=module_row.id,
                            created_at=self.now,
                            updated_at=self.now,
                            **values,
                        )
                        self.session.add(row)
                        self.state.lessons[spec.slug] = row
                    for q_order, question in enumerate(spec.questions, 1):
                        group.append(
                            Change(
                                "add",
                                "question",
                                f"{spec.slug}/{question.slug}",
                                question.question,
                                parent=spec.slug,
                            )
                        )
                        pending.append((spec.slug, q_order, question))
                    continue
                diff = _differences(row, values)
                current_module = self.state.modules_by_id.get(row.module_id)
                moved = current_module is None or current_module.slug != module.slug
                fields = tuple(_LESSON_FIELDS[name] for name in diff) + (
                    ("module",) if moved else ()
                )
                lesson_group: list[Change] = []
                if fields:
                    lesson_group.append(Change("change", "lesson", spec.slug, spec.title, fields))
                    if not self.dry_run:
                        _assign(row, values, diff, self.now)
                        if moved:
                            assert module_row is not None
                            row.module_id = module_row.id
                question_changes = self._questions(row, spec, pending)
                if fields or question_changes:
                    self.affected_lessons.add(row.id)
                group.extend(lesson_group + question_changes)
        wanted = {lesson.slug for lesson in course.lessons}
        unpublished = [
            row
            for slug, row in self.state.lessons.items()
            if slug not in wanted and row.is_published
        ]
        for row in sorted(unpublished, key=lambda r: (self._module_order(r), r.order)):
            self.tail.append(Change("unpublish", "lesson", row.slug, row.title))
            self.affected_lessons.add(row.id)
            if not self.dry_run:
                _assign(row, {"is_published": False}, ["is_published"], self.now)
        for row in self.state.lessons.values():
            if row.module_id in self.affected_modules:
                self.affected_lessons.add(row.id)
        return pending

    def _module_order(self, lesson: Lesson) -> int:
        module = self.state.modules_by_id.get(lesson.module_id)
        return module.order if module is not None else 0

    def _questions(
        self, lesson: Lesson, spec: LessonSpec, pending: list[tuple[str, int, QuestionSpec]]
    ) -> list[Change]:
        changes: list[Change] = []
        existing = self.state.questions.get(lesson.id, {})
        for order, question in enumerate(spec.questions, 1):
            key = f"{spec.slug}/{question.slug}"
            values = _question_values(question, order)
            row = existing.get(question.slug)
            if row is None:
                changes.append(Change("add", "question", key, question.question, parent=spec.slug))
                pending.append((spec.slug, order, question))
                continue
            diff = _differences(row, values)
            if diff:
                fields = tuple(_QUESTION_FIELDS[name] for name in diff)
                changes.append(
                    Change("change", "question", key, question.question, fields, spec.slug)
                )
                if not self.dry_run:
                    _assign(row, values, diff, self.now)
        wanted = {question.slug for question in spec.questions}
        for slug, row in sorted(existing.items(), key=lambda item: item[1].order):
            if slug not in wanted:
                changes.append(
                    Change(
                        "delete", "question", f"{spec.slug}/{slug}", row.question, parent=spec.slug
                    )
                )
                self.doomed.append(row)
        return changes


async def _reconcile(
    session: AsyncSession, course: Course, *, dry_run: bool, now: datetime | None = None
) -> ImportPlan:
    state = await _load_state(session)
    reconciler = _Reconciler(session, state, dry_run=dry_run, written_at=now)
    changes = await reconciler.run(course)
    affected = 0
    lesson_ids = sorted(reconciler.affected_lessons)
    if lesson_ids:
        affected = int(
            await session.scalar(
                select(func.count(func.distinct(UserProgress.user_id))).where(
                    UserProgress.lesson_id.in_(lesson_ids)
                )
            )
            or 0
        )
    return ImportPlan(changes=changes, learners_affected=affected)


async def plan_import(session: AsyncSession, course: Course) -> ImportPlan:
    """What :func:`apply_import` would change, without writing anything."""
    return await _reconcile(session, course, dry_run=True)


async def apply_import(session: AsyncSession, course: Course, clock: Clock) -> ImportPlan:
    """Bring the database in line with ``course`` in the caller's transaction (flushed, not
    committed) and return what changed. Re-importing the same course writes nothing."""
    now = clock.now()
    await _keep_course_details(session, course, now)
    return await _reconcile(session, course, dry_run=False, now=now)


async def _keep_course_details(session: AsyncSession, course: Course, now: datetime) -> None:
    """The course's title (printed on certificates) and description: one row."""
    row = await session.get(CourseDetails, COURSE_DETAILS_ID)
    if row is None:
        session.add(
            CourseDetails(
                id=COURSE_DETAILS_ID,
                title=course.title,
                description=course.description,
                updated_at=now,
            )
        )
    elif (row.title, row.description) != (course.title, course.description):
        row.title, row.description, row.updated_at = course.title, course.description, now
    await session.flush()


async def import_course(
    session: AsyncSession, path: Path, clock: Clock, *, dry_run: bool = False
) -> ImportPlan:
    """Load the course at ``path`` and plan (``dry_run``) or apply it.

    Raises :class:`CourseInvalid` before touching the database when the course has mistakes.
    """
    course = load_course(path)
    if dry_run:
        return await plan_import(session, course)
    return await apply_import(session, course, clock)


async def has_content(session: AsyncSession) -> bool:
    """Whether any module exists (published or not)."""
    return (await session.scalar(select(Module.id).limit(1))) is not None
