"""Reading a course directory into a :class:`Course`, or every problem with file and line."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.rules.content.assignments import (
    check_fields,
    load_assignment,
    load_requires_fields,
    placeholders,
)
from bot.rules.content.placement import placement_problems, read_placement
from bot.rules.content.questions import load_questions
from bot.rules.content.spec import (
    COURSE_FILE,
    COURSE_KEYS,
    DEFAULT_PASS_MARK,
    DEFAULT_POINTS,
    IMAGE_MAX,
    LANGUAGE_RE,
    LESSON_KEYS,
    MODULE_FILE,
    MODULE_KEYS,
    NUMBERED_NAME,
    TEXT_MAX_BYTES,
    TITLE_MAX,
    Course,
    CourseInvalid,
    LessonSpec,
    ModuleSpec,
    Problem,
    Requirement,
)
from bot.rules.content.yaml_lines import (
    Fields,
    SourceFile,
    YamlMap,
    type_name,
)
from bot.rules.formats.telegram_html import html_problems


def _read_text(path: Path, file: SourceFile) -> str | None:
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
        match = NUMBERED_NAME.match(entry.name)
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

    head = _load_course_file(path, problems)
    module_dirs: list[Path] = []
    for entry in sorted(path.iterdir()):
        if _is_ignored(entry) or entry.name == COURSE_FILE:
            continue
        if entry.is_dir():
            if NUMBERED_NAME.match(entry.name):
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

    _check_module_graph(modules, problems)
    check_fields(modules, problems)
    if head is not None:
        lessons = (lesson for module in modules for lesson in module.lessons)
        problems.extend(placement_problems(head["placement"], lessons))
    if problems:
        raise CourseInvalid(problems)
    assert head is not None
    return Course(modules=tuple(modules), **head)


def _check_module_graph(modules: list[ModuleSpec], problems: list[Problem]) -> None:
    """Every ``requires`` names another module of the course, and nothing requires itself
    through a chain (the cycle is named, at the ``requires`` that closes it)."""
    known = {module.slug for module in modules}
    for module in modules:
        for required in module.requires or ():
            if required.slug == module.slug:
                problems.append(
                    Problem(required.file, required.line, "a module cannot require itself")
                )
            elif required.slug not in known:
                problems.append(
                    Problem(
                        required.file,
                        required.line,
                        f"'requires' names module '{required.slug}', "
                        "which this course does not have",
                    )
                )
    if any(p.reason.startswith(("'requires' names", "a module cannot")) for p in problems):
        return
    course = Course(title="", description=None, modules=tuple(modules))
    edges = course.module_requirements()
    cycle = find_cycle(edges)
    if cycle is not None:
        closing = next(
            (m for m in modules if m.slug in cycle and m.requires is not None), modules[0]
        )
        where = closing.requires[0] if closing.requires else None
        problems.append(
            Problem(
                where.file if where else ".",
                where.line if where else 0,
                "the modules' 'requires' make a cycle: " + " → ".join([*cycle, cycle[0]]),
            )
        )


def find_cycle(edges: dict[str, tuple[str, ...]]) -> list[str] | None:
    """A cycle in the graph `node -> required nodes`, as the list of its nodes, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in edges.get(node, ()):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in edges:
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def is_course_folder(path: Path) -> bool:
    return (path / COURSE_FILE).is_file()


def load_courses(path: Path) -> list[Course]:
    """One course folder, or a folder of course folders (each holding a course.yaml);
    raise :class:`CourseInvalid` with every problem of every course, files named from
    ``path``. Two courses with one slug, a course ``requires`` naming no course of the
    folder (the database is checked on import) and a cycle of courses are problems too."""
    path = Path(path)
    if not path.is_dir() or is_course_folder(path):
        return [load_course(path)]
    folders = [
        entry for entry in sorted(path.iterdir()) if entry.is_dir() and not _is_ignored(entry)
    ]
    courses: list[Course] = []
    problems: list[Problem] = []
    for folder in folders:
        if not is_course_folder(folder):
            problems.append(Problem(folder.name, 0, "not a course folder: it has no course.yaml"))
            continue
        try:
            course = load_course(folder)
        except CourseInvalid as exc:
            problems.extend(
                Problem(
                    f"{folder.name}/{p.file}" if p.file != "." else folder.name, p.line, p.reason
                )
                for p in exc.problems
            )
            continue
        courses.append(replace(course, folder=folder.name))
    if not folders:
        problems.append(Problem(".", 0, "no course folders here (each with a course.yaml)"))
    seen: dict[str, Course] = {}
    for course in courses:
        first = seen.setdefault(course.slug, course)
        if first is not course:
            problems.append(
                Problem(
                    course.where(COURSE_FILE),
                    course.slug_line,
                    f"course slug '{course.slug}' is also the slug of {first.where(COURSE_FILE)}",
                )
            )
    problems.extend(
        course_cycle(courses, {c.slug: tuple(r.slug for r in c.requires) for c in courses})
    )
    if problems:
        raise CourseInvalid(problems)
    return _required_first(courses)


def course_cycle(courses: list[Course], edges: dict[str, tuple[str, ...]]) -> list[Problem]:
    """The cycle in the courses' ``requires`` (`edges`: slug -> required slugs), named at
    the ``requires`` of a course of this import that is part of it."""
    cycle = find_cycle(edges)
    if cycle is None:
        return []
    closing = next((c for c in courses if c.slug in cycle and c.requires), courses[0])
    line = closing.requires[0].line if closing.requires else closing.slug_line
    reason = "the courses' 'requires' make a cycle: " + " → ".join([*cycle, cycle[0]])
    return [Problem(closing.where(COURSE_FILE), line, reason)]


def _required_first(courses: list[Course]) -> list[Course]:
    """The courses in folder order, each after the courses it requires (new courses join
    the catalogue in this order)."""
    placed: list[Course] = []
    waiting = list(courses)
    while waiting:
        slugs = {c.slug for c in waiting}
        ready = next(c for c in waiting if not any(r.slug in slugs for r in c.requires))
        placed.append(ready)
        waiting.remove(ready)
    return placed


def _load_course_file(root: Path, problems: list[Problem]) -> dict[str, Any] | None:
    """The course's own keys (slug, title, …), or None with problems."""
    file = SourceFile(COURSE_FILE, problems)
    course_file = root / COURSE_FILE
    if not course_file.is_file():
        file.add(
            0, "missing: the course directory needs a course.yaml with at least a slug and a title"
        )
        return None
    text = _read_text(course_file, file)
    if text is None:
        return None
    ok, data = file.parse_yaml(text, 1)
    if not ok:
        return None
    if not isinstance(data, YamlMap):
        what = "empty" if data is None else f"{type_name(data)}, not a mapping of keys"
        file.add(1, f"course.yaml is {what}; it needs at least 'slug: …' and 'title: …'")
        return None
    fields = Fields(data, file, COURSE_KEYS, ("slug", "title"))
    slug = fields.slug("slug")
    title = fields.text("title", required=True, max_len=TITLE_MAX, one_line=True)
    description = fields.text("description")
    language = fields.text("language", one_line=True)
    if language is not None and not LANGUAGE_RE.fullmatch(language):
        fields.problem(
            fields.line("language"), f"'language' is {language!r}; use a code like en or pt-BR"
        )
    requires = fields.slug_list("requires") or ()
    for required in requires:
        if required[0] == slug:
            fields.problem(required[1], "a course cannot require itself")
    published = fields.boolean("published", True)
    placement = read_placement(data, file)
    if slug is None or title is None:
        return None
    return {
        "placement": placement,
        "slug": slug,
        "title": title,
        "description": description,
        "language": language,
        "requires": tuple(Requirement(name, COURSE_FILE, line) for name, line in requires),
        "published": published,
        "slug_line": fields.line("slug"),
    }


def _load_module(
    module_dir: Path,
    problems: list[Problem],
    module_slugs: dict[str, str],
    lesson_slugs: dict[str, str],
) -> ModuleSpec | None:
    dir_name = module_dir.name
    module_file = module_dir / MODULE_FILE
    file = SourceFile(_rel(dir_name, MODULE_FILE), problems)
    before = len(problems)
    slug = title = description = None
    days: int | None = None
    published = True
    requires: tuple[Requirement, ...] | None = None
    if not module_file.is_file():
        file.add(0, "missing: every module directory needs a module.yaml (slug, title)")
    else:
        text = _read_text(module_file, file)
        ok, data = file.parse_yaml(text, 1) if text is not None else (False, None)
        if ok and not isinstance(data, YamlMap):
            what = "empty" if data is None else f"{type_name(data)}, not a mapping of keys"
            file.add(1, f"module.yaml is {what}; it needs at least 'slug: …' and 'title: …'")
        elif isinstance(data, YamlMap):
            fields = Fields(data, file, MODULE_KEYS, ("slug", "title"))
            slug = fields.slug("slug")
            title = fields.text("title", required=True, max_len=TITLE_MAX, one_line=True)
            description = fields.text("description")
            if description is not None and len(description.encode()) > TEXT_MAX_BYTES:
                fields.problem(fields.line("description"), "'description' is too long")
            days = fields.integer("days_between_lessons", minimum=1)
            published = fields.boolean("published", True)
            listed = fields.slug_list("requires")
            if listed is not None:
                requires = tuple(Requirement(name, file.name, line) for name, line in listed)
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
        elif NUMBERED_NAME.match(entry.name) and entry.suffix == ".md":
            lesson_files.append(entry)
        elif NUMBERED_NAME.match(entry.name):
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
        requires=requires,
    )


def _split_front_matter(text: str, file: SourceFile) -> tuple[str, str, int] | None:
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
    file = SourceFile(rel, problems)
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
    if not isinstance(data, YamlMap):
        what = "empty" if data is None else f"{type_name(data)}, not a mapping of keys"
        file.add(1, f"the front matter is {what}; it needs slug, title and questions")
        return None

    # A lesson ends in a quiz, an assignment, or both.
    required = ("slug", "title") if "assignment" in data else ("slug", "title", "questions")
    fields = Fields(data, file, LESSON_KEYS, required)
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
    questions = load_questions(fields)
    assignment = load_assignment(fields)
    requires_fields = load_requires_fields(fields)

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
        source=f"{rel}:{fields.line('slug')}",
        assignment=assignment,
        requires_fields=requires_fields,
        placeholders=placeholders(raw_body, rel, closing_line + 1),
    )
