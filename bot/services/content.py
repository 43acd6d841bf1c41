"""The course importer: read a course directory, validate it, and bring the database in line.

No Telegram here: the CLI (``learnbot content import PATH [--dry-run]``) and the admin upload
both call :func:`load_course`, then :func:`plan_import` (to show what would change) and
:func:`apply_import` (in the caller's transaction; the caller commits).

Course format
=============

::

    COURSE_DIR/
      course.yaml              title (required), description (optional)
      01-some-module/          a module: directories are ordered by their number prefix "NN-"
        module.yaml            the module's settings (below)
        01-some-lesson.md      a lesson: files are ordered by their number prefix "NN-"
        02-another-lesson.md

Only the number in a name orders things (``2-x`` comes before ``10-y``); the rest of the name is
free and is not the slug. Two modules (or two lessons of a module) with the same number are an
error, because their order would be a guess. Hidden entries (``.git``, ``.DS_Store``), names
starting with ``_`` (``_drafts/``) and ``README*`` / ``LICENSE*`` files are ignored; any other
stray ``.md``/``.yaml`` file, a lesson file without a number, or a sub-directory inside a module
is an error (it is probably a typo). Other files (pictures, notes) are ignored. Files must be
UTF-8 (Windows line endings and a byte-order mark are fine).

``module.yaml`` keys:

=====================  ========  =========================================================
key                    required  meaning
=====================  ========  =========================================================
slug                   yes       stable identity of the module (see *Slugs*)
title                  yes       one line, at most 200 characters
description            no        plain text
days_between_lessons   no        drip: a learner unlocks at most one new lesson of this
                                 module every N local days (whole number >= 1)
published              no        ``true`` (default) or ``false``
=====================  ========  =========================================================

A lesson file is YAML front matter between two ``---`` lines, then the lesson body::

    ---
    slug: merging
    title: "Merging: fast-forward and three-way"
    minutes: 4
    questions:
      - id: ff-when
        question: When can Git do a fast-forward merge?
        options:
          - When your branch has no new commits
          - When both branches have new commits
        correct: 1
        explanation: Then Git only has to move the branch pointer.
    ---
    When work on a branch is done, you bring it back with <code>git merge</code>.

Front matter keys:

==========  ========  =================================================================
key         required  meaning
==========  ========  =================================================================
slug        yes       stable identity of the lesson, unique across the whole course
title       yes       one line, at most 200 characters
minutes     no        estimated reading time, whole number >= 1
points      no        points for completing it, whole number >= 0 (default 50)
pass_mark   no        percentage of right answers needed to pass, 1-100 (default 60)
published   no        ``true`` (default) or ``false``
image       no        a picture sent before the text: an http(s) URL or a Telegram file_id
                      (at most 512 characters, no spaces)
questions   yes       the quiz: a list of 1 to 10 questions
==========  ========  =================================================================

Question keys (each question becomes a native Telegram quiz poll, so Telegram's limits apply):

===========  ========  ================================================================
key          required  meaning
===========  ========  ================================================================
id           yes       slug of the question, unique within its lesson; keeps learners'
                       answers attached when the question text is edited
question     yes       1-300 characters
options      yes       2-12 different answers, each 1-100 characters
correct      yes       the right option, counted from 1 (``correct: 2``), or a list of
                       them (``correct: [1, 3]``)
explanation  no        shown after answering: at most 200 characters and 2 line breaks
===========  ========  ================================================================

Lengths are counted in characters (Unicode code points). Titles, questions, options and
explanations are plain text (the bot escapes them); text-like values YAML would read as
something else (``Yes``, ``2024``, ``1.10``) are taken exactly as written.

*Slugs* match ``^[a-z0-9][a-z0-9-]{0,63}$``. They are how a re-import recognises a module,
lesson or question, so rename files and edit titles freely but keep slugs. Module slugs are
unique in the course, lesson slugs are unique in the course (not just the module).

Unknown keys and keys given twice are errors, to catch typos.

The *body* is Telegram HTML (https://core.telegram.org/bots/api#html-style) and must not be
empty. It is checked with the rules of :func:`bot.telegram_html.validate_telegram_html`.
Allowed tags: ``b strong i em u ins s strike del code pre a blockquote tg-spoiler``,
``<a href="...">`` (href required), ``<span class="tg-spoiler">``, ``<blockquote expandable>``,
``<tg-emoji emoji-id="...">`` (numeric id), and ``<code class="language-x">`` directly inside
``<pre>``. Tags must be closed in order; nothing may be nested inside ``<code>``, only
``<code>`` inside ``<pre>``, and links and blockquotes do not nest. ``&`` must start an
entity (``&amp; &lt; &gt; &quot;`` or numeric like ``&#8212;``) and a ``<`` that does not
start an allowed tag must be written ``&lt;``. The text must have something visible (not only
tags). Blank lines around the body are dropped. Long bodies are fine: the bot splits them into
several messages (the limit is 65,535 bytes of UTF-8, what a MySQL TEXT column holds).

Errors
======

:func:`load_course` checks everything and collects every problem before giving up, then raises
:class:`CourseInvalid` with all of them, sorted, each with a file (relative to the course
directory), a 1-based line in that file, and a reason::

    01-first-steps/02-install.md:7: 'correct' is 4, but there are only 3 options

Line 0 means the file or directory as a whole (for example: missing).

Import rules
============

Modules and lessons are matched by slug (a lesson may move to another module), questions by
lesson and ``id``. Text, settings and order (1, 2, 3... from the numbered names) are updated;
modules and lessons absent from the course are unpublished, never deleted, since learners'
progress points at them; questions absent from their lesson are deleted (with the open polls
of that question). Learners' progress is never touched. Re-importing the same course changes
nothing at all.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.services.clock import Clock
from bot.telegram_html import html_problems
from db.models import Lesson, Module, QuizQuestion, UserProgress

__all__ = [
    "Change",
    "Course",
    "CourseInvalid",
    "ImportPlan",
    "LessonSpec",
    "ModuleSpec",
    "Problem",
    "QuestionSpec",
    "apply_import",
    "has_content",
    "import_course",
    "load_course",
    "plan_import",
]

# ----------------------------------------------------------------------------- limits

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
_NUMBERED = re.compile(r"^(\d+)-.+$")

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


# ----------------------------------------------------------------------------- results


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


# ----------------------------------------------------------------------------- YAML with lines


class _YamlMap(dict[str, Any]):
    """A YAML mapping that remembers the file line of itself, each key and each value."""

    line: int
    key_lines: dict[str, int]
    raw: dict[str, str | None]  # a scalar value exactly as written (None for lists and maps)
    duplicates: list[tuple[str, int, int]]  # (key, line, line of the first occurrence)


class _YamlSeq(list[Any]):
    """A YAML sequence that remembers the file line of itself and of each item."""

    line: int
    item_lines: list[int]
    raw: list[str | None]


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose maps and lists carry file line numbers (``line_offset`` + mark)."""

    line_offset = 1

    def _line(self, node: Node) -> int:
        return int(node.start_mark.line) + self.line_offset


def _raw(node: Node) -> str | None:
    return str(node.value) if isinstance(node, ScalarNode) else None


def _construct_map(loader: _LineLoader, node: MappingNode) -> _YamlMap:
    loader.flatten_mapping(node)
    result = _YamlMap()
    result.line = loader._line(node)
    result.key_lines, result.raw, result.duplicates = {}, {}, []
    for key_node, value_node in node.value:
        if isinstance(key_node, ScalarNode):
            key = str(key_node.value)
        else:
            key = str(loader.construct_object(key_node, deep=True))
        line = loader._line(key_node)
        value = loader.construct_object(value_node, deep=True)
        if key in result:
            result.duplicates.append((key, line, result.key_lines[key]))
            continue
        result[key] = value
        result.key_lines[key] = line
        result.raw[key] = _raw(value_node)
    return result


def _construct_seq(loader: _LineLoader, node: SequenceNode) -> _YamlSeq:
    result = _YamlSeq()
    result.line = loader._line(node)
    result.item_lines = [loader._line(item) for item in node.value]
    result.raw = [_raw(item) for item in node.value]
    result.extend(loader.construct_object(item, deep=True) for item in node.value)
    return result


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


class _File:
    """Problems found in one file, with lines already in file terms."""

    def __init__(self, name: str, problems: list[Problem]) -> None:
        self.name = name
        self._problems = problems

    def add(self, line: int, reason: str) -> None:
        self._problems.append(Problem(self.name, line, reason))

    def parse_yaml(self, text: str, first_line: int) -> tuple[bool, Any]:
        """(True, the YAML document in ``text``) or (False, None) after adding a problem.

        ``text`` starts on line ``first_line`` of the file; an empty document is None.
        """
        loader = _LineLoader(text)
        loader.line_offset = first_line
        try:
            return True, loader.get_single_data()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = int(mark.line) + first_line if mark is not None else first_line
            what = ", ".join(part for part in (exc.context, exc.problem) if part)
            self.add(line, f"invalid YAML: {what}")
        except yaml.YAMLError as exc:
            self.add(first_line, f"invalid YAML: {exc}")
        finally:
            loader.dispose()
        return False, None


def _show(value: Any, raw: str | None = None) -> str:
    text = raw if raw is not None else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _type_name(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    return "text"


class _Fields:
    """Typed access to a YAML mapping's keys; every mistake becomes a problem with its line."""

    def __init__(
        self,
        data: _YamlMap,
        file: _File,
        allowed: Sequence[str],
        required: Collection[str],
        where: str = "",
    ) -> None:
        self.data, self.file, self.where = data, file, where
        for key, line, first in data.duplicates:
            self.problem(line, f"key '{key}' is given twice (first on line {first})")
        for key in data:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = (
                    f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(allowed)})"
                )
                self.problem(data.key_lines[key], f"unknown key '{key}'{hint}")
        for key in required:
            if key not in data:
                self.problem(data.line, f"missing required key '{key}'")

    def problem(self, line: int, reason: str) -> None:
        self.file.add(line, f"{self.where}{reason}")

    def line(self, key: str) -> int:
        return self.data.key_lines.get(key, self.data.line)

    def _present(self, key: str) -> bool:
        return key in self.data and self.data[key] is not None

    def text(
        self,
        key: str,
        *,
        required: bool = False,
        max_len: int | None = None,
        one_line: bool = False,
        max_breaks: int | None = None,
    ) -> str | None:
        if key not in self.data:
            return None  # a missing required key is already reported
        value, raw = self.data[key], self.data.raw.get(key)
        if value is None:
            if required:
                self.problem(self.line(key), f"'{key}' is empty")
            return None
        text = _scalar_text(value, raw)
        if text is None:
            self.problem(self.line(key), f"'{key}' must be text, not {_type_name(value)}")
            return None
        text = text.strip()
        if not text:
            if required:
                self.problem(self.line(key), f"'{key}' is empty")
            return None
        if max_len is not None and len(text) > max_len:
            self.problem(
                self.line(key), f"'{key}' is {len(text)} characters long; at most {max_len}"
            )
        if one_line and "\n" in text:
            self.problem(self.line(key), f"'{key}' must be a single line")
        if max_breaks is not None and text.count("\n") > max_breaks:
            self.problem(
                self.line(key),
                f"'{key}' has {text.count(chr(10))} line breaks; at most {max_breaks}",
            )
        return text

    def slug(self, key: str) -> str | None:
        text = self.text(key, required=True)
        if text is not None and not SLUG_RE.fullmatch(text):
            self.problem(
                self.line(key),
                f"'{key}' is {_show(text)}, not a valid slug: use 1-64 lowercase letters, "
                "digits and dashes, starting with a letter or digit",
            )
            return None
        return text

    def integer(self, key: str, *, minimum: int, maximum: int | None = None) -> int | None:
        if not self._present(key):
            return None
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(
                self.line(key),
                f"'{key}' must be a whole number, not {_show(value, self.data.raw.get(key))}",
            )
            return None
        if value < minimum or (maximum is not None and value > maximum):
            limits = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
            self.problem(self.line(key), f"'{key}' must be {limits}, not {value}")
            return None
        return value

    def boolean(self, key: str, default: bool) -> bool:
        if not self._present(key):
            return default
        value = self.data[key]
        if not isinstance(value, bool):
            self.problem(
                self.line(key),
                f"'{key}' must be true or false, not {_show(value, self.data.raw.get(key))}",
            )
            return default
        return value

    def sequence(self, key: str) -> _YamlSeq | None:
        if key not in self.data:
            return None
        value = self.data[key]
        if not isinstance(value, _YamlSeq):
            self.problem(self.line(key), f"'{key}' must be a list, not {_type_name(value)}")
            return None
        return value


def _scalar_text(value: Any, raw: str | None) -> str | None:
    """A text value as written: ``Yes``, ``2024`` and ``1.10`` stay text, lists and maps don't."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return None
    return raw if raw is not None else str(value)


# ----------------------------------------------------------------------------- loading


def _read_text(path: Path, file: _File) -> str | None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        file.add(0, f"can't read the file: {exc.strerror or exc}")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        file.add(line, f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8")
        return None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _is_ignored(path: Path) -> bool:
    name = path.name
    return name.startswith((".", "_")) or name.upper().startswith(("README", "LICENSE"))


def _numbered(entries: Iterable[Path], what: str, rel: str, problems: list[Problem]) -> list[Path]:
    """Entries sorted by number prefix; duplicate numbers are problems."""
    seen: dict[int, Path] = {}
    result: list[tuple[int, str, Path]] = []
    for entry in entries:
        match = _NUMBERED.match(entry.name)
        assert match is not None
        number = int(match.group(1))
        if number in seen:
            problems.append(
                Problem(
                    _rel(rel, entry.name),
                    0,
                    f"{what} number {match.group(1)} is also used by {seen[number].name}; "
                    f"give each {what} its own number",
                )
            )
        else:
            seen[number] = entry
        result.append((number, entry.name, entry))
    return [entry for _number, _name, entry in sorted(result)]


def _rel(*parts: str) -> str:
    return "/".join(part for part in parts if part)


def load_course(path: Path) -> Course:
    """Read and validate the course in directory ``path``; raise :class:`CourseInvalid`."""
    problems: list[Problem] = []
    path = Path(path)
    if not path.is_dir():
        reason = "is not a directory" if path.exists() else "does not exist"
        raise CourseInvalid([Problem(".", 0, f"the course directory {path} {reason}")])

    title, description = _load_course_file(path, problems)
    module_dirs: list[Path] = []
    for entry in sorted(path.iterdir()):
        if _is_ignored(entry) or entry.name == COURSE_FILE:
            continue
        if entry.is_dir():
            if _NUMBERED.match(entry.name):
                module_dirs.append(entry)
            else:
                problems.append(
                    Problem(
                        entry.name,
                        0,
                        "module directory names start with a number, like 01-basics",
                    )
                )
        elif entry.suffix in {".md", ".yaml", ".yml"}:
            problems.append(
                Problem(
                    entry.name,
                    0,
                    "unexpected file: the course directory holds course.yaml and module "
                    "directories (lessons go inside a module directory)",
                )
            )
    if not module_dirs:
        problems.append(Problem(".", 0, "the course has no module directories (01-name/)"))

    modules: list[ModuleSpec] = []
    module_slugs: dict[str, str] = {}
    lesson_slugs: dict[str, str] = {}
    for module_dir in _numbered(module_dirs, "module", "", problems):
        module = _load_module(module_dir, problems, module_slugs, lesson_slugs)
        if module is not None:
            modules.append(module)

    if problems:
        raise CourseInvalid(problems)
    assert title is not None
    return Course(title=title, description=description, modules=tuple(modules))


def _load_course_file(root: Path, problems: list[Problem]) -> tuple[str | None, str | None]:
    file = _File(COURSE_FILE, problems)
    course_file = root / COURSE_FILE
    if not course_file.is_file():
        file.add(0, "missing: the course directory needs a course.yaml with at least a title")
        return None, None
    text = _read_text(course_file, file)
    if text is None:
        return None, None
    ok, data = file.parse_yaml(text, 1)
    if not ok:
        return None, None
    if not isinstance(data, _YamlMap):
        what = "empty" if data is None else f"{_type_name(data)}, not a mapping of keys"
        file.add(1, f"course.yaml is {what}; it needs at least 'title: …'")
        return None, None
    fields = _Fields(data, file, COURSE_KEYS, ("title",))
    title = fields.text("title", required=True, max_len=TITLE_MAX, one_line=True)
    description = fields.text("description")
    return title, description


def _load_module(
    module_dir: Path,
    problems: list[Problem],
    module_slugs: dict[str, str],
    lesson_slugs: dict[str, str],
) -> ModuleSpec | None:
    dir_name = module_dir.name
    module_file = module_dir / MODULE_FILE
    file = _File(_rel(dir_name, MODULE_FILE), problems)
    before = len(problems)
    slug = title = description = None
    days: int | None = None
    published = True
    if not module_file.is_file():
        file.add(0, "missing: every module directory needs a module.yaml (slug, title)")
    else:
        text = _read_text(module_file, file)
        ok, data = file.parse_yaml(text, 1) if text is not None else (False, None)
        if ok and not isinstance(data, _YamlMap):
            what = "empty" if data is None else f"{_type_name(data)}, not a mapping of keys"
            file.add(1, f"module.yaml is {what}; it needs at least 'slug: …' and 'title: …'")
        elif isinstance(data, _YamlMap):
            fields = _Fields(data, file, MODULE_KEYS, ("slug", "title"))
            slug = fields.slug("slug")
            title = fields.text("title", required=True, max_len=TITLE_MAX, one_line=True)
            description = fields.text("description")
            if description is not None and len(description.encode()) > TEXT_MAX_BYTES:
                fields.problem(fields.line("description"), "'description' is too long")
            days = fields.integer("days_between_lessons", minimum=1)
            published = fields.boolean("published", True)
            if slug is not None:
                if slug in module_slugs:
                    fields.problem(
                        fields.line("slug"),
                        f"module slug '{slug}' is already used by {module_slugs[slug]}",
                    )
                else:
                    module_slugs[slug] = file.name

    lesson_files: list[Path] = []
    for entry in sorted(module_dir.iterdir()):
        if _is_ignored(entry) or entry.name == MODULE_FILE:
            continue
        rel = _rel(dir_name, entry.name)
        if entry.is_dir():
            problems.append(Problem(rel, 0, "unexpected directory inside a module"))
        elif _NUMBERED.match(entry.name) and entry.suffix == ".md":
            lesson_files.append(entry)
        elif _NUMBERED.match(entry.name):
            problems.append(Problem(rel, 0, "lesson files end in .md"))
        elif entry.suffix == ".md":
            problems.append(Problem(rel, 0, "lesson file names start with a number, like 01-x.md"))
        elif entry.suffix in {".yaml", ".yml"}:
            problems.append(Problem(rel, 0, "unexpected file: a module has one module.yaml"))
    if not lesson_files:
        problems.append(Problem(dir_name, 0, "the module has no lessons (01-name.md files)"))

    lessons: list[LessonSpec] = []
    for lesson_file in _numbered(lesson_files, "lesson", dir_name, problems):
        lesson = _load_lesson(lesson_file, _rel(dir_name, lesson_file.name), problems, lesson_slugs)
        if lesson is not None:
            lessons.append(lesson)
    if len(problems) > before or slug is None or title is None:
        return None
    return ModuleSpec(
        slug=slug,
        title=title,
        description=description,
        days_between_lessons=days,
        published=published,
        lessons=tuple(lessons),
    )


def _split_front_matter(text: str, file: _File) -> tuple[str, str, int] | None:
    """(front matter YAML, body, file line of the closing ``---``) or None with a problem."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        file.add(
            1,
            "a lesson file starts with front matter: a '---' line, the lesson's YAML "
            "(slug, title, questions…), another '---' line, then the text",
        )
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip() == "---":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 1
    file.add(1, "the front matter is not closed: add a '---' line after the YAML")
    return None


def _load_lesson(
    path: Path, rel: str, problems: list[Problem], lesson_slugs: dict[str, str]
) -> LessonSpec | None:
    file = _File(rel, problems)
    before = len(problems)
    text = _read_text(path, file)
    if text is None:
        return None
    parts = _split_front_matter(text, file)
    if parts is None:
        return None
    front, raw_body, closing_line = parts

    body = raw_body.strip()
    if not body:
        file.add(closing_line, "the lesson text after the front matter is empty")
    else:
        # raw_body starts on the line after the closing '---'.
        for offset, reason in html_problems(raw_body):
            file.add(closing_line + 1 + raw_body.count("\n", 0, offset), reason)
        if len(body.encode()) > TEXT_MAX_BYTES:
            file.add(
                closing_line + 1,
                f"the lesson text is {len(body.encode())} bytes; at most {TEXT_MAX_BYTES}",
            )

    ok, data = file.parse_yaml(front, 2)
    if not ok:
        return None
    if not isinstance(data, _YamlMap):
        what = "empty" if data is None else f"{_type_name(data)}, not a mapping of keys"
        file.add(1, f"the front matter is {what}; it needs slug, title and questions")
        return None

    fields = _Fields(data, file, LESSON_KEYS, ("slug", "title", "questions"))
    slug = fields.slug("slug")
    if slug is not None:
        if slug in lesson_slugs:
            fields.problem(
                fields.line("slug"), f"lesson slug '{slug}' is already used by {lesson_slugs[slug]}"
            )
        else:
            lesson_slugs[slug] = f"{rel}:{fields.line('slug')}"
    title = fields.text("title", required=True, max_len=TITLE_MAX, one_line=True)
    minutes = fields.integer("minutes", minimum=1)
    points = fields.integer("points", minimum=0)
    pass_mark = fields.integer("pass_mark", minimum=1, maximum=100)
    published = fields.boolean("published", True)
    image = fields.text("image", max_len=IMAGE_MAX)
    if image is not None and re.search(r"\s", image):
        fields.problem(fields.line("image"), "'image' must be a URL or a Telegram file_id")
    questions = _load_questions(fields)

    if len(problems) > before or slug is None or title is None:
        return None
    return LessonSpec(
        slug=slug,
        title=title,
        body=body,
        minutes=minutes,
        points=points if points is not None else DEFAULT_POINTS,
        pass_mark=pass_mark if pass_mark is not None else DEFAULT_PASS_MARK,
        published=published,
        image=image,
        questions=tuple(questions),
    )


def _load_questions(lesson: _Fields) -> list[QuestionSpec]:
    items = lesson.sequence("questions")
    if items is None:
        return []
    if not QUESTIONS_MIN <= len(items) <= QUESTIONS_MAX:
        lesson.problem(
            lesson.line("questions"),
            f"a lesson has {QUESTIONS_MIN} to {QUESTIONS_MAX} questions, not {len(items)}",
        )
    result: list[QuestionSpec] = []
    seen: dict[str, int] = {}
    for number, (item, line) in enumerate(zip(items, items.item_lines, strict=True), 1):
        where = f"question {number}: "
        if not isinstance(item, _YamlMap):
            lesson.file.add(line, f"{where}must be a mapping (id, question, options, correct)")
            continue
        fields = _Fields(item, lesson.file, QUESTION_KEYS, QUESTION_KEYS[:4], where)
        slug = fields.slug("id")
        if slug is not None:
            if slug in seen:
                fields.problem(
                    fields.line("id"),
                    f"id '{slug}' is already used by a question on line {seen[slug]}",
                )
            seen[slug] = fields.line("id")
        question = fields.text("question", required=True, max_len=QUESTION_MAX)
        options, option_count = _load_options(fields)
        correct = _load_correct(fields, option_count)
        explanation = fields.text(
            "explanation", max_len=EXPLANATION_MAX, max_breaks=EXPLANATION_MAX_BREAKS
        )
        if slug and question and options and correct:
            result.append(QuestionSpec(slug, question, options, correct, explanation))
    return result


def _load_options(fields: _Fields) -> tuple[tuple[str, ...] | None, int | None]:
    """(the options, or None when any is wrong; how many there are, or None when unknown)."""
    items = fields.sequence("options")
    if items is None:
        return None, None
    if not OPTIONS_MIN <= len(items) <= OPTIONS_MAX:
        fields.problem(
            fields.line("options"),
            f"a question has {OPTIONS_MIN} to {OPTIONS_MAX} options, not {len(items)}",
        )
    options: list[str] = []
    ok = True
    first_line: dict[str, int] = {}
    for number, (item, raw, line) in enumerate(
        zip(items, items.raw, items.item_lines, strict=True), 1
    ):
        text = _scalar_text(item, raw) if item is not None else ""
        if text is None:
            fields.problem(line, f"option {number} must be text, not {_type_name(item)}")
            ok = False
            continue
        text = text.strip()
        if not text:
            fields.problem(line, f"option {number} is empty")
            ok = False
        elif len(text) > OPTION_MAX:
            fields.problem(
                line, f"option {number} is {len(text)} characters long; at most {OPTION_MAX}"
            )
            ok = False
        elif text in first_line:
            fields.problem(line, f"option {number} repeats the option on line {first_line[text]}")
            ok = False
        else:
            first_line[text] = line
        options.append(text)
    return (tuple(options) if ok else None), len(items)


def _load_correct(fields: _Fields, option_count: int | None) -> tuple[int, ...] | None:
    if not fields._present("correct"):
        if "correct" in fields.data:
            fields.problem(fields.line("correct"), "'correct' is empty")
        return None
    value = fields.data["correct"]
    if isinstance(value, _YamlSeq):
        entries = list(zip(value, value.item_lines, strict=True))
        if not entries:
            fields.problem(fields.line("correct"), "'correct' lists no option")
            return None
    else:
        entries = [(value, fields.line("correct"))]
    result: list[int] = []
    ok = True
    for entry, line in entries:
        if isinstance(entry, bool) or not isinstance(entry, int):
            fields.problem(
                line, f"'correct' must be an option number (1, 2, …), not {_show(entry)}"
            )
            ok = False
        elif entry < 1 or (option_count is not None and entry > option_count):
            there = (
                f"there are only {option_count} options" if entry >= 1 else "options count from 1"
            )
            fields.problem(line, f"'correct' is {entry}, but {there}")
            ok = False
        elif entry - 1 in result:
            fields.problem(line, f"'correct' lists option {entry} twice")
            ok = False
        else:
            result.append(entry - 1)
    return tuple(result) if ok else None


# ----------------------------------------------------------------------------- import plan

Kind = Literal["module", "lesson", "question"]
Action = Literal["add", "change", "unpublish", "delete"]
_SIGNS: dict[str, str] = {"add": "+", "change": "~", "unpublish": "-", "delete": "-"}


@dataclass(frozen=True)
class Change:
    """One change an import makes. Questions are keyed ``lesson-slug/question-id``."""

    action: Action
    kind: Kind
    slug: str
    title: str = ""
    fields: tuple[str, ...] = ()
    parent: str | None = None  # a question's lesson slug

    def __str__(self) -> str:
        sign = _SIGNS[self.action]
        if self.action == "add":
            return f"{sign} {self.kind} {self.slug} «{self.title}»"
        if self.action == "change":
            return f"{sign} {self.kind} {self.slug}: {', '.join(self.fields)}"
        done = "unpublished" if self.action == "unpublish" else "deleted"
        return f"{sign} {self.kind} {self.slug} ({done})"


@dataclass(frozen=True)
class ImportPlan:
    """What an import changes (or changed), in course order, and how many learners it touches.

    ``learners_affected`` counts distinct learners with progress on a lesson that changes
    (its fields or its questions), is unpublished, or whose module is published/unpublished.
    """

    changes: tuple[Change, ...] = ()
    learners_affected: int = 0

    @property
    def is_empty(self) -> bool:
        return not self.changes

    def _select(self, action: Action, kind: Kind | None) -> list[Change]:
        return [c for c in self.changes if c.action == action and kind in (None, c.kind)]

    def added(self, kind: Kind | None = None) -> list[Change]:
        return self._select("add", kind)

    def changed(self, kind: Kind | None = None) -> list[Change]:
        return self._select("change", kind)

    def unpublished(self, kind: Kind | None = None) -> list[Change]:
        return self._select("unpublish", kind)

    def deleted(self, kind: Kind | None = None) -> list[Change]:
        return self._select("delete", kind)

    def lines(self) -> list[str]:
        """One line per change, for printing; questions of a new lesson are folded into it."""
        new_lessons = {c.slug for c in self.added("lesson")}
        counts: dict[str, int] = {}
        for c in self.added("question"):
            if c.parent in new_lessons:
                counts[c.parent] = counts.get(c.parent, 0) + 1
        result: list[str] = []
        for c in self.changes:
            if c.kind == "question" and c.action == "add" and c.parent in new_lessons:
                continue
            line = str(c)
            if c.kind == "lesson" and c.action == "add":
                n = counts.get(c.slug, 0)
                line += f" ({n} question{'s' if n != 1 else ''})"
            result.append(line)
        return result

    def summary(self) -> str:
        """A one-line count of the changes, e.g. for a confirmation message."""
        if self.is_empty:
            return "no changes"
        parts: list[str] = []
        kinds: tuple[Kind, ...] = ("module", "lesson", "question")
        actions: tuple[tuple[Action, str], ...] = (
            ("add", "added"),
            ("change", "changed"),
            ("unpublish", "unpublished"),
            ("delete", "deleted"),
        )
        for kind in kinds:
            counts = [
                f"{len(self._select(action, kind))} {word}"
                for action, word in actions
                if self._select(action, kind)
            ]
            if counts:
                parts.append(f"{kind}s: {', '.join(counts)}")
        parts.append(f"learners affected: {self.learners_affected}")
        return "; ".join(parts)


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
    """Walks the course against the database; writes only when ``now`` is given."""

    session: AsyncSession
    state: _State
    now: datetime | None
    changes_by_module: list[list[Change]] = field(default_factory=list)
    tail: list[Change] = field(default_factory=list)
    affected_lessons: set[int] = field(default_factory=set)
    affected_modules: set[int] = field(default_factory=set)
    doomed: list[QuizQuestion] = field(default_factory=list)  # questions to delete

    async def run(self, course: Course) -> tuple[Change, ...]:
        module_rows = self._modules(course)
        if self.now is not None:
            await self.session.flush()  # ids of new modules
        pending_questions = self._lessons(course, module_rows)
        if self.now is not None:
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
                if self.now is not None:
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
                    if self.now is not None:
                        _assign(row, values, diff, self.now)
            rows[spec.slug] = row
        wanted = {spec.slug for spec in course.modules}
        for slug, row in sorted(self.state.modules.items(), key=lambda item: item[1].order):
            if slug not in wanted and row.is_published:
                self.tail.append(Change("unpublish", "module", slug, row.title))
                self.affected_modules.add(row.id)
                if self.now is not None:
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
                    if self.now is not None:
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
                    if self.now is not None:
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
            if self.now is not None:
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
                if self.now is not None:
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


async def _reconcile(session: AsyncSession, course: Course, now: datetime | None) -> ImportPlan:
    state = await _load_state(session)
    reconciler = _Reconciler(session, state, now)
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
    return await _reconcile(session, course, None)


async def apply_import(session: AsyncSession, course: Course, clock: Clock) -> ImportPlan:
    """Bring the database in line with ``course`` in the caller's transaction (flushed, not
    committed) and return what changed. Re-importing the same course writes nothing."""
    return await _reconcile(session, course, clock.now())


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
