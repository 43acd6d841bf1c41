"""Reading a lesson's quiz questions (with their options and right answers) from its
front matter, or every problem with its line."""

from __future__ import annotations

from bot.rules.content.spec import (
    EXPLANATION_MAX,
    EXPLANATION_MAX_BREAKS,
    OPTION_MAX,
    OPTIONS_MAX,
    OPTIONS_MIN,
    QUESTION_KEYS,
    QUESTION_MAX,
    QUESTIONS_MAX,
    QUESTIONS_MIN,
    QuestionSpec,
)
from bot.rules.content.yaml_lines import (
    Fields,
    YamlMap,
    YamlSeq,
    scalar_text,
    show_value,
    type_name,
)


def load_questions(lesson: Fields) -> list[QuestionSpec]:
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
        if not isinstance(item, YamlMap):
            lesson.file.add(line, f"{where}must be a mapping (id, question, options, correct)")
            continue
        fields = Fields(item, lesson.file, QUESTION_KEYS, QUESTION_KEYS[:4], where)
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


def _load_options(fields: Fields) -> tuple[tuple[str, ...] | None, int | None]:
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
        text = scalar_text(item, raw) if item is not None else ""
        if text is None:
            fields.problem(line, f"option {number} must be text, not {type_name(item)}")
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


def _load_correct(fields: Fields, option_count: int | None) -> tuple[int, ...] | None:
    if not fields._present("correct"):
        if "correct" in fields.data:
            fields.problem(fields.line("correct"), "'correct' is empty")
        return None
    value = fields.data["correct"]
    if isinstance(value, YamlSeq):
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
                line, f"'correct' must be an option number (1, 2, …), not {show_value(entry)}"
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
