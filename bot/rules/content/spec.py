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

COURSE_KEYS = ("title", "description")
MODULE_KEYS = ("slug", "title", "description", "days_between_lessons", "published")
LESSON_KEYS = (
    "slug",
    "title",
    "minutes",
    "points",
    "pass_mark",
    "published",
    "image",
    "questions",
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
class QuestionSpec:
    slug: str
    question: str
    options: tuple[str, ...]
    correct: tuple[int, ...]  # 0-based, as Telegram's correct_option_ids
    explanation: str | None


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


@dataclass(frozen=True)
class ModuleSpec:
    slug: str
    title: str
    description: str | None
    days_between_lessons: int | None
    published: bool
    lessons: tuple[LessonSpec, ...]


@dataclass(frozen=True)
class Course:
    title: str
    description: str | None
    modules: tuple[ModuleSpec, ...]

    @property
    def lessons(self) -> tuple[LessonSpec, ...]:
        return tuple(lesson for module in self.modules for lesson in module.lessons)
