"""Reconciling the database with a course: planning the import (`plan`) and applying it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.clock import Clock
from bot.rules.content.loading import course_cycle, load_courses
from bot.rules.content.plan import Change, ImportPlan
from bot.rules.content.spec import (
    COURSE_FILE,
    Course,
    CourseInvalid,
    LessonSpec,
    ModuleSpec,
    Problem,
    QuestionSpec,
)
from bot.rules.review.cards import retire_cards
from db.models import (
    Course as CourseRow,
)
from db.models import (
    CoursePrerequisite,
    Journey,
    Lesson,
    Module,
    ModulePrerequisite,
    QuizQuestion,
    UserProgress,
)


@dataclass
class _State:
    modules: dict[str, Module]  # this course's modules by slug
    modules_by_id: dict[int, Module]
    lessons: dict[str, Lesson]  # every lesson by slug (lesson slugs are school-wide)
    questions: dict[int, dict[str, QuizQuestion]]  # lesson id -> question slug -> row
    course_id: int | None  # None: a new course


async def _load_state(session: AsyncSession, course_id: int | None) -> _State:
    """The course's modules, every lesson and the questions, in three queries.

    ``populate_existing``: rows already in the session are refreshed, not trusted.
    """
    fresh = {"populate_existing": True}
    modules = list(
        (
            await session.scalars(
                select(Module).where(Module.course_id == course_id).execution_options(**fresh)
            )
        ).all()
    )
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
        course_id=course_id,
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
    "assignment": "assignment",
    "requires_fields": "requires_fields",
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
        "assignment": spec.assignment.as_json() if spec.assignment else None,
        "requires_fields": [r.slug for r in spec.requires_fields] or None,
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
                    row = Module(
                        slug=spec.slug,
                        course_id=self.state.course_id,
                        created_at=self.now,
                        updated_at=self.now,
                        **values,
                    )
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
            if slug not in wanted and row.is_published and row.module_id in self.state.modules_by_id
        ]
        for row in sorted(unpublished, key=lambda r: (self._module_order(r), r.order)):
            self.tail.append(Change("unpublish", "lesson", row.slug, row.title))
            self.affected_lessons.add(row.id)
            if not self.dry_run:
                _assign(row, {"is_published": False}, ["is_published"], self.now)
        for row in list(self.state.lessons.values()):
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
    session: AsyncSession,
    course: Course,
    course_id: int | None,
    *,
    dry_run: bool,
    now: datetime | None = None,
) -> ImportPlan:
    state = await _load_state(session, course_id)
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
    if not dry_run:
        await _keep_module_requirements(session, course, state)
    return ImportPlan(changes=changes, learners_affected=affected)


@dataclass(frozen=True)
class _Existing:
    """The courses in the database, for the checks an import makes before writing."""

    by_slug: dict[str, CourseRow]
    lesson_course: dict[str, int]  # lesson slug -> its course id
    learners: dict[int, int]  # course id -> learners with a journey through it


async def _existing(session: AsyncSession) -> _Existing:
    courses = list(
        (await session.scalars(select(CourseRow).execution_options(populate_existing=True))).all()
    )
    lessons = await session.execute(
        select(Lesson.slug, Module.course_id).join(Module, Module.id == Lesson.module_id)
    )
    learners = await session.execute(
        select(Journey.course_id, func.count()).group_by(Journey.course_id)
    )
    return _Existing(
        {row.slug: row for row in courses},
        {slug: course_id for slug, course_id in lessons.all()},
        {course_id: int(count) for course_id, count in learners.all()},
    )


def _target(
    course: Course, existing: _Existing, rename_from: str | None, problems: list[Problem]
) -> CourseRow | None:
    """The course row the import updates (None: a new course). A course whose lessons
    belong to another course is a renamed course: refused while learners follow it, unless
    the import confirms the old slug (``rename_from``)."""
    row = existing.by_slug.get(course.slug)
    known = [
        existing.lesson_course[s.slug] for s in course.lessons if s.slug in existing.lesson_course
    ]
    by_id = {r.id: r for r in existing.by_slug.values()}
    # A new slug over lessons that are (mostly) one existing course's: that course, renamed.
    renamed = row is None and len(set(known)) == 1 and 2 * len(known) >= len(course.lessons)
    if renamed:
        old = by_id[known[0]]
        learners = existing.learners.get(old.id, 0)
        if rename_from == old.slug or not learners:
            return old
        problems.append(
            Problem(
                course.where(COURSE_FILE),
                course.slug_line,
                f"slug '{course.slug}' is new, but its lessons belong to course '{old.slug}', "
                f"which {learners} learner(s) follow; to rename that course, confirm with "
                f"--rename-from {old.slug}",
            )
        )
        return None
    for lesson in course.lessons:
        owner = existing.lesson_course.get(lesson.slug)
        if owner is not None and (row is None or owner != row.id):
            file, _, line = lesson.source.rpartition(":")
            problems.append(
                Problem(
                    course.where(file or lesson.source),
                    int(line or 0),
                    f"lesson slug '{lesson.slug}' is already used by course "
                    f"'{by_id[owner].slug}'; lesson slugs are unique across courses",
                )
            )
    return row


async def check_import(
    session: AsyncSession, courses: list[Course], rename_from: str | None = None
) -> list[CourseRow | None]:
    """The course row each course updates (None: new); raise :class:`CourseInvalid` with
    every problem the database shows (a renamed course, a lesson slug of another course, a
    ``requires`` naming no course, a cycle of courses), before anything is written."""
    existing = await _existing(session)
    problems: list[Problem] = []
    targets = [_target(course, existing, rename_from, problems) for course in courses]
    known = set(existing.by_slug) | {course.slug for course in courses}
    edges: dict[str, tuple[str, ...]] = {}
    requirement_rows = await session.execute(
        select(CourseRow.slug, CoursePrerequisite.required_course_id).join(
            CoursePrerequisite, CoursePrerequisite.course_id == CourseRow.id
        )
    )
    slug_of = {row.id: slug for slug, row in existing.by_slug.items()}
    for slug, required_id in requirement_rows.all():
        edges[slug] = (*edges.get(slug, ()), slug_of[required_id])
    for course, target in zip(courses, targets, strict=True):
        if target is not None:
            edges.pop(target.slug, None)
        edges[course.slug] = tuple(r.slug for r in course.requires)
        for required in course.requires:
            if required.slug not in known:
                problems.append(
                    Problem(
                        course.where(required.file),
                        required.line,
                        f"'requires' names course '{required.slug}', which is neither in "
                        "this import nor in the database",
                    )
                )
    problems.extend(course_cycle(courses, edges))
    if problems:
        raise CourseInvalid(problems)
    return targets


async def plan_import(
    session: AsyncSession, course: Course | list[Course], rename_from: str | None = None
) -> ImportPlan:
    """What :func:`apply_import` would change, without writing anything; raises
    :class:`CourseInvalid` when the database refuses the import."""
    courses = course if isinstance(course, list) else [course]
    targets = await check_import(session, courses, rename_from)
    plans = []
    for item, target in zip(courses, targets, strict=True):
        plan = await _reconcile(session, item, target.id if target else None, dry_run=True)
        head = _course_changes(item, target)
        plans.append(ImportPlan(head + plan.changes, plan.learners_affected))
    return _merged(plans)


def _merged(plans: list[ImportPlan]) -> ImportPlan:
    return ImportPlan(
        changes=tuple(c for plan in plans for c in plan.changes),
        learners_affected=sum(plan.learners_affected for plan in plans),
    )


def _course_values(course: Course) -> dict[str, Any]:
    return {
        "slug": course.slug,
        "title": course.title,
        "description": course.description,
        "language": course.language,
        "is_published": course.published,
        "placement_per_module": course.placement.per_module if course.placement else None,
        "placement_questions": course.placement.refs if course.placement else None,
    }


def _course_changes(course: Course, row: CourseRow | None) -> tuple[Change, ...]:
    if row is None:
        return (Change("add", "course", course.slug, course.title),)
    diff = _differences(row, _course_values(course))
    names = {
        "is_published": "published",
        "placement_per_module": "placement",
        "placement_questions": "placement",
    }
    if diff:
        fields = tuple(dict.fromkeys(names.get(name, name) for name in diff))
        return (Change("change", "course", course.slug, course.title, fields),)
    return ()


async def apply_import(
    session: AsyncSession,
    course: Course | list[Course],
    clock: Clock,
    rename_from: str | None = None,
) -> ImportPlan:
    """Bring the database in line with the course(s) in the caller's transaction (flushed,
    not committed) and return what changed. Re-importing the same course writes nothing.
    Raises :class:`CourseInvalid`, having written nothing, when the database refuses it."""
    now = clock.now()
    courses = course if isinstance(course, list) else [course]
    targets = await check_import(session, courses, rename_from)
    plans = []
    rows: dict[str, CourseRow] = {}
    for item, target in zip(courses, targets, strict=True):
        head = _course_changes(item, target)
        row = await _keep_course(session, item, target, now)
        rows[item.slug] = row
        plan = await _reconcile(session, item, row.id, dry_run=False, now=now)
        plans.append(ImportPlan(head + plan.changes, plan.learners_affected))
    for item in courses:
        await _keep_course_requirements(session, item, rows[item.slug])
    return _merged(plans)


async def _keep_course(
    session: AsyncSession, course: Course, row: CourseRow | None, now: datetime
) -> CourseRow:
    """The course's row (slug, title, description, language, published); a new course goes
    last in the catalogue."""
    values = _course_values(course)
    if row is None:
        last = await session.scalar(select(func.max(CourseRow.order)))
        row = CourseRow(order=(last or 0) + 1, created_at=now, updated_at=now, **values)
        session.add(row)
    else:
        diff = _differences(row, values)
        if diff:
            _assign(row, values, diff, now)
    await session.flush()
    return row


async def _keep_course_requirements(session: AsyncSession, course: Course, row: CourseRow) -> None:
    ids = {
        slug: course_id
        for slug, course_id in (
            await session.execute(
                select(CourseRow.slug, CourseRow.id).where(
                    CourseRow.slug.in_([r.slug for r in course.requires])
                )
            )
        ).all()
    }
    wanted = {ids[r.slug] for r in course.requires}
    held = set(
        await session.scalars(
            select(CoursePrerequisite.required_course_id).where(
                CoursePrerequisite.course_id == row.id
            )
        )
    )
    if held == wanted:
        return
    await session.execute(delete(CoursePrerequisite).where(CoursePrerequisite.course_id == row.id))
    session.add_all(CoursePrerequisite(course_id=row.id, required_course_id=r) for r in wanted)
    await session.flush()


async def _keep_module_requirements(session: AsyncSession, course: Course, state: _State) -> None:
    """Each module's ``requires`` (or the module before), written as graph edges."""
    ids = {slug: module.id for slug, module in state.modules.items()}
    wanted = {
        (ids[slug], ids[required])
        for slug, requires in course.module_requirements().items()
        for required in requires
    }
    held = set(
        (
            await session.execute(
                select(ModulePrerequisite.module_id, ModulePrerequisite.required_module_id).where(
                    ModulePrerequisite.module_id.in_(list(ids.values()))
                )
            )
        ).all()
    )
    if held == wanted:
        return
    await session.execute(
        delete(ModulePrerequisite).where(ModulePrerequisite.module_id.in_(list(ids.values())))
    )
    session.add_all(
        ModulePrerequisite(module_id=m, required_module_id=r) for m, r in sorted(wanted)
    )
    await session.flush()


async def import_course(
    session: AsyncSession,
    path: Path,
    clock: Clock,
    *,
    dry_run: bool = False,
    rename_from: str | None = None,
) -> ImportPlan:
    """Load the course (or folder of courses) at ``path`` and plan (``dry_run``) or apply it.

    Raises :class:`CourseInvalid` before touching the database when a course has mistakes.
    """
    courses = load_courses(path)
    if dry_run:
        return await plan_import(session, courses, rename_from)
    return await apply_import(session, courses, clock, rename_from)


async def has_content(session: AsyncSession) -> bool:
    """Whether any module exists (published or not)."""
    return (await session.scalar(select(Module.id).limit(1))) is not None
