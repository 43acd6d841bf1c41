"""The course importer: the format, its error reports, and imports into the database."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.rules.clock import FixedClock
from bot.rules.content import (
    Change,
    Course,
    CourseInvalid,
    ImportPlan,
    Problem,
    apply_import,
    has_content,
    import_course,
    load_course,
    plan_import,
)
from db.enums import ProgressStatus
from db.models import Lesson, Module, QuizPoll, QuizQuestion, User, UserProgress

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "content" / "git-essentials"
MINI = ROOT / "tests" / "support" / "courses" / "mini"
HELLO = "01-basics/01-hello.md"
FOURTH = "02-more/01-fourth.md"

# ----------------------------------------------------------------------------- helpers


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    """A private copy of the mini course, free to break."""
    target = tmp_path / "course"
    shutil.copytree(MINI, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(CourseInvalid) as caught:
        load_course(path)
    return caught.value.problems


def lesson_file(slug: str, title: str, questions: int = 2, extra: str = "") -> str:
    items = "".join(
        f"  - id: q{n}\n    question: Question {n}?\n    options:\n      - Yes\n      - No\n"
        "    correct: 1\n"
        for n in range(1, questions + 1)
    )
    return (
        f"---\nslug: {slug}\ntitle: {title}\n{extra}questions:\n{items}---\nAbout <b>{title}</b>.\n"
    )


@contextmanager
def recorded_sql(engine: AsyncEngine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement.lstrip())

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


def writes(statements: list[str]) -> list[str]:
    return [s for s in statements if s.upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def selects(statements: list[str]) -> list[str]:
    return [s for s in statements if s.upper().startswith("SELECT")]


async def snapshot(session: AsyncSession) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the content and progress tables, as plain tuples."""
    result: dict[str, list[tuple[Any, ...]]] = {}
    for model in (Module, Lesson, QuizQuestion, QuizPoll, UserProgress):
        table = model.__table__
        rows = await session.execute(select(table).order_by(table.c.id))
        result[table.name] = [tuple(row) for row in rows]
    return result


async def count(session: AsyncSession, model: type[Any]) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def lesson(session: AsyncSession, slug: str) -> Lesson:
    row = await session.scalar(
        select(Lesson).where(Lesson.slug == slug).execution_options(populate_existing=True)
    )
    assert row is not None
    return row


# ----------------------------------------------------------------------------- loading


def test_bundled_course_loads() -> None:
    course = load_course(BUNDLED)
    assert course.title
    assert len(course.modules) >= 3
    assert len(course.lessons) >= 12
    for spec in course.lessons:
        assert 2 <= len(spec.questions) <= 5, spec.slug
        assert spec.body
        assert spec.title
        for question in spec.questions:
            assert all(0 <= i < len(question.options) for i in question.correct)
    slugs = [spec.slug for spec in course.lessons]
    assert len(set(slugs)) == len(slugs)


def test_mini_course_loads_with_defaults_and_text_as_written() -> None:
    course = load_course(MINI)
    assert course == Course(
        title="Mini course",
        description="A tiny course for the importer's tests.",
        modules=course.modules,
        slug="mini",
        slug_line=1,
    )
    basics, more = course.modules
    assert (basics.slug, basics.title, basics.days_between_lessons, basics.published) == (
        "basics",
        "Basics",
        None,
        True,
    )
    assert more.days_between_lessons == 1
    assert [spec.slug for spec in basics.lessons] == ["hello", "second", "third"]
    hello = basics.lessons[0]
    assert (hello.minutes, hello.points, hello.pass_mark, hello.published, hello.image) == (
        2,
        50,
        60,
        True,
        None,
    )
    assert hello.body.startswith("<b>Hello</b>, world &amp; friends.")
    assert hello.body.endswith("</pre>")
    greet, yes_no = hello.questions
    assert greet.correct == (0,)  # 1-based in the file, 0-based here
    # YAML 1.1 would read Yes/No as booleans: options stay exactly as written.
    assert yes_no.options == ("Yes", "No")
    assert yes_no.explanation is None
    two = basics.lessons[1].questions[1]
    assert two.correct == (0, 2)
    assert two.explanation == "One and three.\nTwo is even."
    seventh = more.lessons[2]
    assert (seventh.points, seventh.pass_mark, seventh.image) == (
        80,
        100,
        "https://example.com/seventh.png",
    )


def test_ignores_hidden_and_readme_files(course_dir: Path) -> None:
    (course_dir / "README.md").write_text("about the course")
    (course_dir / ".git").mkdir()
    (course_dir / "01-basics" / ".DS_Store").write_bytes(b"\x00\xff")
    (course_dir / "01-basics" / "README.md").write_text("notes")
    assert load_course(course_dir) == load_course(MINI)


def test_windows_line_endings_and_bom(course_dir: Path) -> None:
    path = course_dir / HELLO
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    assert load_course(course_dir) == load_course(MINI)


def test_yaml_scalars_are_taken_as_written(course_dir: Path) -> None:
    edit(course_dir / HELLO, "title: Hello", "title: 2024")
    edit(course_dir / HELLO, "minutes: 2", "minutes: 2\npublished: no")
    edit(course_dir / "02-more/module.yaml", "title: More", "title: 1.10\npublished: false")
    course = load_course(course_dir)
    hello = course.modules[0].lessons[0]
    assert (hello.title, hello.published) == ("2024", False)
    assert (course.modules[1].title, course.modules[1].published) == ("1.10", False)


# ----------------------------------------------------------------------------- broken courses

Mutation = Callable[[Path], None]


def _write(rel: str, text: str) -> Mutation:
    return lambda root: (root / rel).write_text(text, encoding="utf-8")


def _edit(rel: str, old: str, new: str) -> Mutation:
    return lambda root: edit(root / rel, old, new)


def _delete(rel: str) -> Mutation:
    return lambda root: (root / rel).unlink()


def _rename(rel: str, new: str) -> Mutation:
    return lambda root: (root / rel).rename(root / new)


def _truncate_after_front_matter(root: Path) -> None:
    text = (root / HELLO).read_text()
    (root / HELLO).write_text(text[: text.index("---", 3) + 4] + "\n  \n")


def _non_utf8(root: Path) -> None:
    data = (root / HELLO).read_bytes().replace(b"title: Hello", b"title: H\xe9llo")
    (root / HELLO).write_bytes(data)


def _remove_modules(root: Path) -> None:
    shutil.rmtree(root / "01-basics")
    shutil.rmtree(root / "02-more")


def _empty_module(root: Path) -> None:
    for path in (root / "02-more").glob("*.md"):
        path.unlink()


TWELVE_MORE_OPTIONS = "".join(f"      - Option {n}\n" for n in range(12))

# (id, mutation, [(file, line, part of the reason)]) in the order the problems are sorted.
BROKEN: list[tuple[str, Mutation, list[tuple[str, int, str]]]] = [
    (
        "bad-yaml",
        _edit(HELLO, "title: Hello", "title: Hello: again"),
        [(HELLO, 3, "invalid YAML: mapping values are not allowed here")],
    ),
    (
        "bad-yaml-indentation",
        _edit(HELLO, "    question: How do you greet?", "   question: How do you greet?"),
        [(HELLO, 7, "invalid YAML")],
    ),
    (
        "missing-front-matter",
        _write(HELLO, "<b>Hello</b> there.\n"),
        [(HELLO, 1, "starts with front matter")],
    ),
    (
        "front-matter-not-closed",
        _edit(HELLO, "---\n<b>Hello</b>", "<b>Hello</b>"),
        [(HELLO, 1, "front matter is not closed")],
    ),
    (
        "front-matter-empty",
        _write(HELLO, "---\n---\nText.\n"),
        [(HELLO, 1, "front matter is empty")],
    ),
    (
        "missing-key",
        _edit(HELLO, "title: Hello\n", ""),
        [(HELLO, 2, "missing required key 'title'")],
    ),
    (
        "missing-question-key",
        _edit(HELLO, "    correct: [1]\n", ""),
        [(HELLO, 13, "question 2: missing required key 'correct'")],
    ),
    (
        "unknown-key",
        _edit(HELLO, "minutes: 2", "minuts: 2"),
        [(HELLO, 4, "unknown key 'minuts'; did you mean 'minutes'?")],
    ),
    (
        "unknown-question-key",
        _edit(HELLO, "    explanation: Hello", "    explanaton: Hello"),
        [(HELLO, 12, "question 1: unknown key 'explanaton'; did you mean 'explanation'?")],
    ),
    (
        "duplicate-key",
        _edit(HELLO, "minutes: 2\n", "minutes: 2\ntitle: Again\n"),
        [(HELLO, 5, "key 'title' is given twice (first on line 3)")],
    ),
    (
        "duplicate-lesson-slug-across-modules",
        _edit(FOURTH, "slug: fourth", "slug: hello"),
        [(FOURTH, 2, "lesson slug 'hello' is already used by 01-basics/01-hello.md:2")],
    ),
    (
        "duplicate-module-slug",
        _edit("02-more/module.yaml", "slug: more", "slug: basics"),
        [
            (
                "02-more/module.yaml",
                1,
                "module slug 'basics' is already used by 01-basics/module.yaml",
            )
        ],
    ),
    (
        "bad-slug",
        _edit(HELLO, "slug: hello", "slug: Hello_World"),
        [(HELLO, 2, "'slug' is 'Hello_World', not a valid slug")],
    ),
    (
        "bad-module-slug",
        _edit("01-basics/module.yaml", "slug: basics", "slug: -basics"),
        [("01-basics/module.yaml", 1, "not a valid slug")],
    ),
    (
        "bad-question-id",
        _edit(HELLO, "id: greet", "id: greet me"),
        [(HELLO, 6, "question 1: 'id' is 'greet me', not a valid slug")],
    ),
    (
        "duplicate-question-id",
        _edit(HELLO, "id: yes-no", "id: greet"),
        [(HELLO, 13, "question 2: id 'greet' is already used by a question on line 6")],
    ),
    (
        "correct-out-of-range",
        _edit(HELLO, "    correct: 1\n", "    correct: 3\n"),
        [(HELLO, 11, "'correct' is 3, but there are only 2 options")],
    ),
    (
        "correct-zero",
        _edit(HELLO, "correct: [1]", "correct: [0]"),
        [(HELLO, 18, "'correct' is 0, but options count from 1")],
    ),
    (
        "correct-twice",
        _edit(HELLO, "correct: [1]", "correct: [1, 1]"),
        [(HELLO, 18, "'correct' lists option 1 twice")],
    ),
    (
        "correct-not-a-number",
        _edit(HELLO, "    correct: 1\n", "    correct: Hello\n"),
        [(HELLO, 11, "'correct' must be an option number")],
    ),
    (
        "too-many-options",
        _edit(HELLO, "      - Goodbye\n", "      - Goodbye\n" + TWELVE_MORE_OPTIONS),
        [(HELLO, 8, "a question has 2 to 12 options, not 14")],
    ),
    (
        "too-few-options",
        _edit(HELLO, "      - Goodbye\n", ""),
        [(HELLO, 8, "a question has 2 to 12 options, not 1")],
    ),
    (
        "repeated-option",
        _edit(HELLO, "      - Goodbye\n", "      - Hello\n"),
        [(HELLO, 10, "option 2 repeats the option on line 9")],
    ),
    (
        "option-too-long",
        _edit(HELLO, "      - Goodbye\n", f"      - {'x' * 101}\n"),
        [(HELLO, 10, "option 2 is 101 characters long; at most 100")],
    ),
    (
        "question-too-long",
        _edit(HELLO, "question: How do you greet?", f"question: {'q' * 301}"),
        [(HELLO, 7, "'question' is 301 characters long; at most 300")],
    ),
    (
        "explanation-with-three-line-breaks",
        _edit(HELLO, "explanation: Hello is a greeting.", 'explanation: "a\\nb\\nc\\nd"'),
        [(HELLO, 12, "'explanation' has 3 line breaks; at most 2")],
    ),
    (
        "explanation-too-long",
        _edit(HELLO, "explanation: Hello is a greeting.", f"explanation: {'e' * 201}"),
        [(HELLO, 12, "'explanation' is 201 characters long; at most 200")],
    ),
    (
        "title-too-long",
        _edit(HELLO, "title: Hello", f"title: {'t' * 201}"),
        [(HELLO, 3, "'title' is 201 characters long; at most 200")],
    ),
    (
        "no-questions",
        _write(
            HELLO, lesson_file("hello", "Hello", questions=0).replace("questions:", "questions: []")
        ),
        [(HELLO, 4, "a lesson has 1 to 10 questions, not 0")],
    ),
    (
        "too-many-questions",
        _write(HELLO, lesson_file("hello", "Hello", questions=11)),
        [(HELLO, 4, "a lesson has 1 to 10 questions, not 11")],
    ),
    (
        "bad-minutes",
        _edit(HELLO, "minutes: 2", "minutes: 0"),
        [(HELLO, 4, "'minutes' must be >= 1, not 0")],
    ),
    (
        "bad-pass-mark",
        _edit(HELLO, "minutes: 2", "minutes: 2\npass_mark: 101"),
        [(HELLO, 5, "'pass_mark' must be between 1 and 100, not 101")],
    ),
    (
        "bad-points",
        _edit(HELLO, "minutes: 2", "minutes: 2\npoints: lots"),
        [(HELLO, 5, "'points' must be a whole number, not lots")],
    ),
    (
        "bad-published",
        _edit(HELLO, "minutes: 2", "minutes: 2\npublished: maybe"),
        [(HELLO, 5, "'published' must be true or false, not maybe")],
    ),
    (
        "bad-drip",
        _edit("02-more/module.yaml", "days_between_lessons: 1", "days_between_lessons: 0"),
        [("02-more/module.yaml", 3, "'days_between_lessons' must be >= 1, not 0")],
    ),
    (
        "unbalanced-tag",
        _edit(HELLO, "<b>Hello</b>,", "<b>Hello,"),
        [(HELLO, 20, "<b> is never closed")],
    ),
    (
        "crossed-tags",
        _edit(HELLO, "<b>Hello</b>,", "<b><i>Hello</b></i>,"),
        [
            (HELLO, 20, "</b> closes <b> while <i> is still open (improper nesting)"),
            (HELLO, 20, "</i> without an opening tag"),
        ],
    ),
    (
        "stray-end-tag",
        _edit(HELLO, "\n<pre>", "\n</i>\n<pre>"),
        [(HELLO, 22, "</i> without an opening tag")],
    ),
    (
        "disallowed-tag-p",
        _edit(HELLO, '<pre><code class="language-bash">echo hi</code></pre>', "<p>echo hi</p>"),
        [(HELLO, 22, "unsupported tag <p>")],
    ),
    (
        "tag-inside-code",
        _edit(HELLO, "echo hi", "echo <b>hi</b>"),
        [(HELLO, 22, "<b> inside <code>")],
    ),
    (
        "link-without-href",
        _edit(HELLO, "friends.", "<a>friends</a>."),
        [(HELLO, 20, "<a> needs a non-empty href")],
    ),
    (
        "raw-ampersand",
        _edit(HELLO, "world &amp; friends", "world & friends"),
        [(HELLO, 20, "raw '&' (escape it as &amp;)")],
    ),
    (
        "unknown-entity",
        _edit(HELLO, "world &amp; friends", "world&nbsp;friends"),
        [(HELLO, 20, "unsupported entity &nbsp;")],
    ),
    (
        "raw-less-than",
        _edit(HELLO, "echo hi", "echo 1 < 2"),
        [(HELLO, 22, "raw '<' (escape it as &lt;)")],
    ),
    (
        "empty-body",
        _truncate_after_front_matter,
        [(HELLO, 19, "the lesson text after the front matter is empty")],
    ),
    (
        "body-with-tags-only",
        _write(HELLO, lesson_file("hello", "Hello").replace("About <b>Hello</b>.", "<b> </b>")),
        [(HELLO, 18, "the visible text is empty")],
    ),
    (
        "non-utf8",
        _non_utf8,
        [(HELLO, 3, "not UTF-8 text (byte 0xe9)")],
    ),
    (
        "missing-module-yaml",
        _delete("02-more/module.yaml"),
        [("02-more/module.yaml", 0, "missing: every module directory needs a module.yaml")],
    ),
    (
        "module-yaml-not-a-mapping",
        _write("02-more/module.yaml", "- slug: more\n"),
        [("02-more/module.yaml", 1, "module.yaml is a list, not a mapping of keys")],
    ),
    (
        "missing-course-yaml",
        _delete("course.yaml"),
        [("course.yaml", 0, "missing: the course directory needs a course.yaml")],
    ),
    (
        "course-title-empty",
        _write("course.yaml", "slug: mini\ndescription: Something.\ntitle:\n"),
        [("course.yaml", 3, "'title' is empty")],
    ),
    (
        "course-yaml-empty",
        _write("course.yaml", "# nothing yet\n"),
        [("course.yaml", 1, "course.yaml is empty")],
    ),
    (
        "empty-course",
        _remove_modules,
        [(".", 0, "the course has no module directories")],
    ),
    (
        "empty-module",
        _empty_module,
        [("02-more", 0, "the module has no lessons")],
    ),
    (
        "unnumbered-module-directory",
        _rename("02-more", "more"),
        [("more", 0, "module directory names start with a number")],
    ),
    (
        "unnumbered-lesson-file",
        _rename(HELLO, "01-basics/hello.md"),
        [("01-basics/hello.md", 0, "lesson file names start with a number")],
    ),
    (
        "lesson-file-in-course-root",
        _rename(HELLO, "01-hello.md"),
        [("01-hello.md", 0, "lessons go inside a module directory")],
    ),
    (
        "same-lesson-number-twice",
        _rename("02-more/02-fifth.md", "02-more/01-fifth.md"),
        [(FOURTH, 0, "lesson number 01 is also used by 01-fifth.md")],
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [pytest.param(mutate, expected, id=name) for name, mutate, expected in BROKEN],
)
def test_broken_course_is_rejected_with_file_and_line(
    course_dir: Path, mutate: Mutation, expected: list[tuple[str, int, str]]
) -> None:
    mutate(course_dir)
    problems = problems_of(course_dir)
    assert [(p.file, p.line) for p in problems] == [(f, n) for f, n, _ in expected], problems
    for problem, (_file, _line, reason) in zip(problems, expected, strict=True):
        assert reason in problem.reason


def test_missing_course_directory(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path / "nowhere")
    assert (problem.file, problem.line) == (".", 0)
    assert "does not exist" in problem.reason


def test_every_problem_is_collected_and_sorted(course_dir: Path) -> None:
    edit(course_dir / HELLO, "world &amp; friends", "world & friends")  # line 20
    edit(course_dir / HELLO, "title: Hello", "title: Hello: again")  # line 3
    edit(course_dir / FOURTH, "slug: fourth", "slug: Fourth")  # line 2
    (course_dir / "course.yaml").unlink()
    problems = problems_of(course_dir)
    assert [str(p) for p in problems] == [
        "01-basics/01-hello.md:3: invalid YAML: mapping values are not allowed here",
        "01-basics/01-hello.md:20: raw '&' (escape it as &amp;)",
        "02-more/01-fourth.md:2: 'slug' is 'Fourth', not a valid slug: use 1-64 lowercase "
        "letters, digits and dashes, starting with a letter or digit",
        "course.yaml: missing: the course directory needs a course.yaml with at least a slug "
        "and a title",
    ]
    message = str(CourseInvalid(problems))
    assert message.startswith("the course has 4 problems:\n01-basics/01-hello.md:3: ")


# ----------------------------------------------------------------------------- Telegram HTML
# The rules themselves are bot.rules.telegram_html's (tests/test_telegram_html.py); here: that the
# importer applies them to lesson bodies and reports each problem at its line in the file.

BROKEN_BODY = "\n\nFirst 😀 line &amp; more & less\n<p>para</p> <i>x\n\n<code>&nbsp;</code>"


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_body_problems_are_reported_at_their_file_line(course_dir: Path, newline: str) -> None:
    text = lesson_file("hello", "Hello").replace("About <b>Hello</b>.", BROKEN_BODY)
    (course_dir / HELLO).write_bytes(text.replace("\n", newline).encode())
    # The closing '---' is line 17; the body's blank lines are 18 and 19.
    assert [str(p) for p in problems_of(course_dir)] == [
        f"{HELLO}:20: raw '&' (escape it as &amp;)",
        f"{HELLO}:21: <i> is never closed",
        f"{HELLO}:21: unsupported tag <p>",
        f"{HELLO}:23: unsupported entity &nbsp; (only &lt; &gt; &amp; &quot; and &#N;)",
    ]


def test_lessons_may_use_custom_emoji(course_dir: Path) -> None:
    emoji = '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
    edit(course_dir / HELLO, "friends.", f"friends {emoji}.")
    hello = load_course(course_dir).modules[0].lessons[0]
    assert emoji in hello.body
    edit(course_dir / HELLO, 'emoji-id="5368324170671202286"', "")
    assert [str(p) for p in problems_of(course_dir)] == [
        f"{HELLO}:20: <tg-emoji> needs a numeric emoji-id"
    ]


def test_links_other_than_web_telegram_and_mail_are_refused(course_dir: Path) -> None:
    edit(course_dir / HELLO, "friends.", 'friends, <a href="javascript:alert(1)">see</a>.')
    (problem,) = problems_of(course_dir)
    assert str(problem).startswith(f"{HELLO}:20: <a href='javascript:alert(1)'>: links must")
    edit(course_dir / HELLO, "javascript:alert(1)", "https://git-scm.com/book")
    assert load_course(course_dir).modules[0].lessons[0].body


# ----------------------------------------------------------------------------- plans


def test_plan_lines_fold_the_questions_of_new_lessons() -> None:
    plan = ImportPlan(
        changes=(
            Change("add", "module", "git-basics", "First steps"),
            Change("add", "lesson", "intro", "Intro"),
            Change("add", "question", "intro/a", "A?", parent="intro"),
            Change("add", "question", "intro/b", "B?", parent="intro"),
            Change("change", "lesson", "merging", "Merging", ("title", "content")),
            Change("add", "question", "merging/new", "New?", parent="merging"),
            Change("delete", "question", "merging/old", "Old?", parent="merging"),
            Change("unpublish", "lesson", "old-one", "Old one"),
        ),
        learners_affected=3,
    )
    assert plan.lines() == [
        "+ module git-basics «First steps»",
        "+ lesson intro «Intro» (2 questions)",
        "~ lesson merging: title, content",
        "+ question merging/new «New?»",
        "- question merging/old (deleted)",
        "- lesson old-one (unpublished)",
    ]
    assert plan.summary() == (
        "modules: 1 added; lessons: 1 added, 1 changed, 1 unpublished; "
        "questions: 3 added, 1 deleted; learners affected: 3"
    )
    assert [c.slug for c in plan.added("lesson")] == ["intro"]
    assert not plan.is_empty
    assert ImportPlan().is_empty
    assert ImportPlan().summary() == "no changes"


# ----------------------------------------------------------------------------- database


async def test_bundled_course_imports(
    session: AsyncSession, clock: FixedClock, engine: AsyncEngine
) -> None:
    course = load_course(BUNDLED)
    assert not await has_content(session)
    with recorded_sql(engine) as statements:
        plan = await apply_import(session, course, clock)
    await session.commit()
    # A handful of reads, not one per lesson: the courses, lessons and learners the checks
    # need, the course's modules, lessons, questions and prerequisites.
    assert len(selects(statements)) <= 11, selects(statements)

    lessons = course.lessons
    questions = [q for spec in lessons for q in spec.questions]
    assert len(plan.added("module")) == len(course.modules)
    assert len(plan.added("lesson")) == len(lessons)
    assert len(plan.added("question")) == len(questions)
    assert plan.learners_affected == 0
    assert len(plan.lines()) == 1 + len(course.modules) + len(lessons)  # the course too
    assert await has_content(session)
    assert await count(session, Module) == len(course.modules)
    assert await count(session, Lesson) == len(lessons)
    assert await count(session, QuizQuestion) == len(questions)

    first_module = course.modules[0]
    row = await lesson(session, first_module.lessons[0].slug)
    assert (row.order, row.is_published, row.title, row.content) == (
        1,
        True,
        first_module.lessons[0].title,
        first_module.lessons[0].body,
    )
    assert row.created_at == clock.now() == row.updated_at
    stored = (
        await session.scalars(
            select(QuizQuestion)
            .where(QuizQuestion.lesson_id == row.id)
            .order_by(QuizQuestion.order)
        )
    ).all()
    spec_questions = first_module.lessons[0].questions
    assert [q.slug for q in stored] == [q.slug for q in spec_questions]
    assert [q.correct_option_ids for q in stored] == [list(q.correct) for q in spec_questions]
    assert [q.options for q in stored] == [list(q.options) for q in spec_questions]

    assert (await plan_import(session, course)).is_empty


async def test_mini_course_columns(session: AsyncSession, clock: FixedClock) -> None:
    course = load_course(MINI)
    await apply_import(session, course, clock)
    await session.commit()
    modules = (await session.scalars(select(Module).order_by(Module.order))).all()
    assert [(m.slug, m.order, m.is_published, m.days_between_lessons) for m in modules] == [
        ("basics", 1, True, None),
        ("more", 2, True, 1),
    ]
    assert modules[0].description == "The very first things."
    seventh = await lesson(session, "seventh")
    assert seventh.module_id == modules[1].id
    assert (seventh.order, seventh.points, seventh.pass_mark, seventh.image) == (
        3,
        80,
        100,
        "https://example.com/seventh.png",
    )
    hello = await lesson(session, "hello")
    assert (hello.estimated_duration, hello.points, hello.pass_mark) == (2, 50, 60)
    odd = await session.scalar(
        select(QuizQuestion).where(QuizQuestion.lesson_id == seventh.id, QuizQuestion.slug == "two")
    )
    assert odd is not None
    assert (odd.order, odd.correct_option_ids, odd.explanation) == (
        2,
        [0, 2],
        "One and three.\nTwo is even.",
    )


async def test_reimport_is_idempotent(
    session: AsyncSession, clock: FixedClock, engine: AsyncEngine
) -> None:
    course = load_course(MINI)
    await apply_import(session, course, clock)
    await session.commit()
    before = await snapshot(session)

    clock.advance(days=1)
    assert (await plan_import(session, course)).is_empty
    with recorded_sql(engine) as statements:
        plan = await apply_import(session, course, clock)
    await session.commit()
    assert plan.is_empty
    assert plan.lines() == []
    assert writes(statements) == []
    assert await snapshot(session) == before  # updated_at included


async def add_learners(session: AsyncSession, clock: FixedClock) -> dict[str, User]:
    """Three learners: ann (hello, third), bob (fourth), cat (seventh); ann has two polls."""
    users = {
        name: User(telegram_id=n, first_name=name)
        for n, name in enumerate(("ann", "bob", "cat"), 1)
    }
    session.add_all(users.values())
    await session.flush()
    now = clock.now()
    for name, slug, status in [
        ("ann", "hello", ProgressStatus.COMPLETED),
        ("ann", "third", ProgressStatus.COMPLETED),
        ("bob", "fourth", ProgressStatus.IN_PROGRESS),
        ("cat", "seventh", ProgressStatus.COMPLETED),
    ]:
        row = await lesson(session, slug)
        session.add(
            UserProgress(
                user_id=users[name].id,
                lesson_id=row.id,
                status=status,
                score=100 if status is ProgressStatus.COMPLETED else None,
                attempts=1,
                started_at=now,
                completed_at=now if status is ProgressStatus.COMPLETED else None,
            )
        )
    hello = await lesson(session, "hello")
    for question in (
        await session.scalars(select(QuizQuestion).where(QuizQuestion.lesson_id == hello.id))
    ).all():
        session.add(
            QuizPoll(
                poll_id=f"poll-{question.slug}",
                user_id=users["ann"].id,
                lesson_id=hello.id,
                question_id=question.id,
                attempt=1,
                option_ids=[0],
                is_correct=True,
                answered_at=now,
            )
        )
    await session.commit()
    return users


def edit_mini(root: Path) -> None:
    """Retitle a lesson, swap two, drop one, drop a question, add a lesson."""
    edit(root / "01-basics/02-second.md", "title: Second", "title: Second, retitled")
    (root / "02-more/01-fourth.md").rename(root / "02-more/02-fourth.md")
    (root / "02-more/02-fifth.md").rename(root / "02-more/01-fifth.md")
    (root / "01-basics/03-third.md").unlink()
    edit(
        root / HELLO,
        "  - id: yes-no\n    question: Is this a test?\n    options:\n      - Yes\n      - No\n"
        "    correct: [1]\n",
        "",
    )
    (root / "02-more/04-sixth.md").write_text(lesson_file("sixth", "Sixth"), encoding="utf-8")


async def test_reimport_after_editing_keeps_progress(
    session: AsyncSession, clock: FixedClock, engine: AsyncEngine, course_dir: Path
) -> None:
    await apply_import(session, load_course(course_dir), clock)
    await session.commit()
    await add_learners(session, clock)
    before = await snapshot(session)
    untouched = await lesson(session, "seventh")
    seventh_updated = untouched.updated_at

    edit_mini(course_dir)
    edited = load_course(course_dir)

    # The dry run writes nothing and reports every change.
    with recorded_sql(engine) as statements:
        plan = await plan_import(session, edited)
    assert writes(statements) == []
    assert not session.new
    assert not session.dirty
    assert not session.deleted
    assert await snapshot(session) == before
    expected = [
        "- question hello/yes-no (deleted)",
        "~ lesson second: title",
        "~ lesson fifth: order",
        "~ lesson fourth: order",
        "+ lesson sixth «Sixth» (2 questions)",
        "- lesson third (unpublished)",
    ]
    assert plan.lines() == expected
    # ann (hello, third) and bob (fourth); cat's lesson did not change.
    assert plan.learners_affected == 2

    clock.advance(hours=1)
    applied = await apply_import(session, edited, clock)
    await session.commit()
    assert applied == plan

    after = await snapshot(session)
    assert after["user_progress"] == before["user_progress"]
    third = await lesson(session, "third")
    assert third.is_published is False
    assert third.updated_at == clock.now()
    second = await lesson(session, "second")
    assert (second.title, second.updated_at) == ("Second, retitled", clock.now())
    assert [(await lesson(session, s)).order for s in ("fifth", "fourth", "seventh", "sixth")] == [
        1,
        2,
        3,
        4,
    ]
    assert (await lesson(session, "seventh")).updated_at == seventh_updated
    hello = await lesson(session, "hello")
    slugs = (
        await session.scalars(select(QuizQuestion.slug).where(QuizQuestion.lesson_id == hello.id))
    ).all()
    assert list(slugs) == ["greet"]
    # The deleted question's poll went with it; the other poll stays.
    assert list((await session.scalars(select(QuizPoll.poll_id))).all()) == ["poll-greet"]
    assert await count(session, Lesson) == 7  # nothing deleted
    assert (await plan_import(session, edited)).is_empty


async def test_module_removed_lesson_moved_and_restored(
    session: AsyncSession, clock: FixedClock, course_dir: Path
) -> None:
    await apply_import(session, load_course(course_dir), clock)
    await session.commit()
    await add_learners(session, clock)

    # Drop module "more" but keep its lesson "fifth" by moving it to "basics".
    (course_dir / "02-more/02-fifth.md").rename(course_dir / "01-basics/04-fifth.md")
    shutil.move(course_dir / "02-more", course_dir.parent / "more-aside")
    plan = await apply_import(session, load_course(course_dir), clock)
    await session.commit()
    assert plan.lines() == [
        "~ lesson fifth: order, module",
        "- module more (unpublished)",
        "- lesson fourth (unpublished)",
        "- lesson seventh (unpublished)",
    ]
    assert plan.learners_affected == 2  # bob (fourth), cat (seventh)
    basics = await session.scalar(select(Module).where(Module.slug == "basics"))
    more = await session.scalar(select(Module).where(Module.slug == "more"))
    assert basics is not None
    assert more is not None
    assert more.is_published is False
    fifth = await lesson(session, "fifth")
    assert (fifth.module_id, fifth.order) == (basics.id, 4)

    # Put everything back: module and lessons are published again, progress intact.
    shutil.rmtree(course_dir)
    shutil.copytree(MINI, course_dir)
    plan = await apply_import(session, load_course(course_dir), clock)
    await session.commit()
    assert plan.lines() == [
        "~ module more: published",
        "~ lesson fourth: published",
        "~ lesson fifth: order, module",
        "~ lesson seventh: published",
    ]
    assert await count(session, UserProgress) == 4


async def test_unpublished_in_the_course_file(
    session: AsyncSession, clock: FixedClock, course_dir: Path
) -> None:
    edit(course_dir / "02-more/module.yaml", "title: More", "title: More\npublished: false")
    edit(course_dir / HELLO, "minutes: 2", "minutes: 2\npublished: false")
    await apply_import(session, load_course(course_dir), clock)
    await session.commit()
    more = await session.scalar(select(Module).where(Module.slug == "more"))
    assert more is not None
    assert more.is_published is False
    assert (await lesson(session, "hello")).is_published is False
    assert (await lesson(session, "second")).is_published is True


async def test_broken_course_leaves_database_unchanged(
    session: AsyncSession, clock: FixedClock, course_dir: Path
) -> None:
    await import_course(session, course_dir, clock)
    await session.commit()
    await add_learners(session, clock)
    before = await snapshot(session)
    edit_mini(course_dir)  # valid changes in some files...
    edit(course_dir / "02-more/02-fourth.md", "<i>Fourth</i>", "<i>Fourth")  # ...and a mistake
    with pytest.raises(CourseInvalid) as caught:
        await import_course(session, course_dir, clock)
    assert [(p.file, p.line) for p in caught.value.problems] == [("02-more/02-fourth.md", 23)]
    assert not session.new
    assert not session.dirty
    assert not session.deleted
    await session.commit()
    assert await snapshot(session) == before


async def test_dry_run_import_course(
    session: AsyncSession, clock: FixedClock, course_dir: Path
) -> None:
    plan = await import_course(session, course_dir, clock, dry_run=True)
    assert len(plan.added("lesson")) == 6
    assert not await has_content(session)
