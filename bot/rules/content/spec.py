"""What a course is once loaded, and the limits every part of it must keep."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
TITLE_MAX = 200
IMAGE_MAX = 512
QUESTIONS_MIN, QUESTIONS_MAX = 1, 10
QUESTION_MAX = 300
OPTIONS_MIN, OPTIONS_MAX = 2, 12
OPTION_MAX = 100
EXPLANATION_MAX = 200
EXPLANATION_MAX_BREAKS = 2
DEFAULT_POINTS = 50
DEFAULT_PASS_MARK = 60
# MySQL's TEXT column holds 65,535 bytes; SQLite would take more, MySQL would refuse it.
TEXT_MAX_BYTES = 65_535

COURSE_FILE = "course.yaml"
MODULE_FILE = "module.yaml"
NUMBERED_NAME = re.compile(r"^(\d+)-.+$")

COURSE_KEYS = ("slug", "title", "description", "language", "requires", "published", "placement")
MODULE_KEYS = ("slug", "title", "description", "days_between_lessons", "published", "requires")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
LESSON_KEYS = (
    "slug",
    "title",
    "minutes",
    "points",
    "pass_mark",
    "published",
    "image",
    "questions",
    "assignment",
    "requires_fields",
)
QUESTION_KEYS = ("id", "question", "options", "correct", "explanation")


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake in a course: where (file relative to the course, 1-based line) and why.

    ``line`` 0 means the file or directory as a whole.
    """

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        if self.line > 0:
            return f"{self.file}:{self.line}: {self.reason}"
        return f"{self.file}: {self.reason}"


class CourseInvalid(Exception):
    """The course has mistakes; ``problems`` lists every one of them, sorted."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = sorted(set(problems))
        count = len(self.problems)
        head = f"the course has {count} problem{'s' if count != 1 else ''}"
        super().__init__("\n".join([f"{head}:", *(str(p) for p in self.problems)]))


@dataclass(frozen=True)
class Requirement:
    """A slug named by ``requires``, and where: file (relative to the course) and line."""

    slug: str
    file: str
    line: int


@dataclass(frozen=True)
class QuestionSpec:
    slug: str
    question: str
    options: tuple[str, ...]
    correct: tuple[int, ...]  # 0-based, as Telegram's correct_option_ids
    explanation: str | None


@dataclass(frozen=True)
class FieldSpec:
    """One answer an assignment asks for (`bot.rules.assignments.fields` reads it back)."""

    id: str  # area.name, unique in the course
    prompt: str  # Telegram HTML
    kind: str  # text | photo | voice | video | document | choice
    required: bool = True
    min: int | None = None  # text: characters
    max: int | None = None
    options: tuple[str, ...] = ()  # choice
    line: int = 0

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "prompt": self.prompt,
            "kind": self.kind,
            "required": self.required,
            "min": self.min,
            "max": self.max,
            "options": list(self.options),
        }


@dataclass(frozen=True)
class AssignmentSpec:
    review: str  # mentor | self
    fields: tuple[FieldSpec, ...]

    def as_json(self) -> dict[str, object]:
        return {"review": self.review, "fields": [f.as_json() for f in self.fields]}


@dataclass(frozen=True)
class LessonSpec:
    slug: str
    title: str
    body: str
    minutes: int | None
    points: int
    pass_mark: int
    published: bool
    image: str | None
    questions: tuple[QuestionSpec, ...]
    source: str = ""  # file:line of its slug, for problems found against the database
    assignment: AssignmentSpec | None = None
    requires_fields: tuple[Requirement, ...] = ()  # field ids, each with its line
    placeholders: tuple[Requirement, ...] = ()  # {{field.id}} in the text, each with its line


@dataclass(frozen=True)
class ModuleSpec:
    slug: str
    title: str
    description: str | None
    days_between_lessons: int | None
    published: bool
    lessons: tuple[LessonSpec, ...]
    requires: tuple[Requirement, ...] | None = None  # None: the module before


DEFAULT_PLACEMENT_PER_MODULE = 2


@dataclass(frozen=True)
class PlacementSpec:
    """`placement:` in course.yaml (bot.rules.content.placement): questions per module, and
    the questions to draw from ("lesson-slug/question-id", each with its line; None: all)."""

    per_module: int = DEFAULT_PLACEMENT_PER_MODULE
    questions: tuple[tuple[str, int], ...] | None = None

    @property
    def refs(self) -> list[str] | None:
        return [ref for ref, _line in self.questions] if self.questions is not None else None


@dataclass(frozen=True)
class Course:
    title: str
    description: str | None
    modules: tuple[ModuleSpec, ...]
    slug: str = ""
    language: str | None = None
    requires: tuple[Requirement, ...] = ()
    published: bool = True
    slug_line: int = 0  # the line of ``slug:`` in course.yaml
    folder: str = ""  # the course's folder inside an imported folder of courses ("" alone)
    placement: PlacementSpec | None = None  # `placement:`; None: no placement check

    def where(self, file: str) -> str:
        """A file of this course as problems name it."""
        return f"{self.folder}/{file}" if self.folder else file

    def module_requirements(self) -> dict[str, tuple[str, ...]]:
        """Each module's required module slugs, the default ("the module before") included."""
        edges: dict[str, tuple[str, ...]] = {}
        for index, module in enumerate(self.modules):
            if module.requires is not None:
                edges[module.slug] = tuple(r.slug for r in module.requires)
            else:
                edges[module.slug] = (self.modules[index - 1].slug,) if index else ()
        return edges

    @property
    def lessons(self) -> tuple[LessonSpec, ...]:
        return tuple(lesson for module in self.modules for lesson in module.lessons)
