"""Reading a lesson's assignment, its `requires_fields` and the `{{field.id}}` placeholders of
its text; and the course-wide checks: field ids unique in the course, every placeholder and
required field naming a field of an earlier lesson."""

from __future__ import annotations

from bot.rules.content.spec import (
    AssignmentSpec,
    FieldSpec,
    LessonSpec,
    ModuleSpec,
    Problem,
    Requirement,
)
from bot.rules.content.yaml_lines import Fields, YamlMap, show_value
from bot.rules.course import FIELD_ID_RE, PLACEHOLDER_RE, TEXT_ANSWER_MAX, FieldKind
from bot.rules.formats.telegram_html import html_problems

ASSIGNMENT_KEYS = ("review", "fields")
FIELD_KEYS = ("id", "prompt", "kind", "min", "max", "options", "required")
REVIEW_MODES = ("mentor", "self")
FIELDS_MAX = 10
PROMPT_MAX = 1000
CHOICE_MAX = 10  # options of a choice field (one button each)
CHOICE_OPTION_MAX = 60
FIELD_ID_MAX = 64


def load_assignment(lesson: Fields) -> AssignmentSpec | None:
    """The lesson's `assignment:` (None when it has none or it is wrong: problems say why)."""
    if "assignment" not in lesson.data:
        return None
    data = lesson.data["assignment"]
    if not isinstance(data, YamlMap):
        lesson.problem(lesson.line("assignment"), "'assignment' must be a mapping (review, fields)")
        return None
    fields = Fields(data, lesson.file, ASSIGNMENT_KEYS, ASSIGNMENT_KEYS, "assignment: ")
    review = fields.text("review", required=True)
    if review is not None and review not in REVIEW_MODES:
        fields.problem(fields.line("review"), f"'review' is {review!r}; use mentor or self")
        review = None
    items = fields.sequence("fields")
    if items is None:
        return None
    if not 1 <= len(items) <= FIELDS_MAX:
        fields.problem(fields.line("fields"), f"an assignment has 1 to {FIELDS_MAX} fields")
    specs: list[FieldSpec] = []
    ok = True
    for number, (item, line) in enumerate(zip(items, items.item_lines, strict=True), 1):
        spec = _load_field(item, line, number, lesson)
        ok = ok and spec is not None
        if spec is not None:
            specs.append(spec)
    if review is None or not ok:
        return None
    return AssignmentSpec(review, tuple(specs))


def _load_field(item: object, line: int, number: int, lesson: Fields) -> FieldSpec | None:
    where = f"assignment field {number}: "
    if not isinstance(item, YamlMap):
        lesson.file.add(line, f"{where}must be a mapping (id, prompt, kind)")
        return None
    fields = Fields(item, lesson.file, FIELD_KEYS, ("id", "prompt", "kind"), where)
    before = lesson.file.count
    field_id = fields.text("id", required=True, max_len=FIELD_ID_MAX, one_line=True)
    if field_id is not None and not FIELD_ID_RE.fullmatch(field_id):
        fields.problem(
            fields.line("id"),
            f"'id' is {show_value(field_id)}; write it as area.name (lowercase letters, "
            "digits and _, like woop.wish)",
        )
    prompt = fields.text("prompt", required=True, max_len=PROMPT_MAX)
    for _offset, reason in html_problems(prompt or "x"):
        fields.problem(fields.line("prompt"), f"'prompt': {reason}")
    kind = fields.text("kind", required=True)
    kinds = [k.value for k in FieldKind]
    if kind is not None and kind not in kinds:
        fields.problem(fields.line("kind"), f"'kind' is {kind!r}; use one of {', '.join(kinds)}")
    low = fields.integer("min", minimum=1, maximum=TEXT_ANSWER_MAX)
    high = fields.integer("max", minimum=1, maximum=TEXT_ANSWER_MAX)
    if (low is not None or high is not None) and kind != FieldKind.TEXT.value:
        fields.problem(fields.line("min" if low else "max"), "'min' and 'max' are for text fields")
    if low is not None and high is not None and low > high:
        fields.problem(fields.line("min"), f"'min' ({low}) is more than 'max' ({high})")
    options = _options(fields, kind)
    required = fields.boolean("required", True)
    if lesson.file.count > before or not (field_id and prompt and kind):
        return None
    return FieldSpec(field_id, prompt, kind, required, low, high, options, fields.line("id"))


def _options(fields: Fields, kind: str | None) -> tuple[str, ...]:
    items = fields.sequence("options")
    if kind != FieldKind.CHOICE.value:
        if items is not None:
            fields.problem(fields.line("options"), "'options' are for choice fields")
        return ()
    if items is None or not 2 <= len(items) <= CHOICE_MAX:
        fields.problem(fields.line("options"), f"a choice field has 2 to {CHOICE_MAX} options")
        return ()
    options = tuple(str(item).strip() for item in items if item is not None)
    if len(set(options)) != len(items) or not all(0 < len(o) <= CHOICE_OPTION_MAX for o in options):
        fields.problem(
            fields.line("options"),
            f"options are different texts of 1 to {CHOICE_OPTION_MAX} characters",
        )
    return options


def load_requires_fields(lesson: Fields) -> tuple[Requirement, ...]:
    """The lesson's `requires_fields: [woop.wish, …]`, each with its line."""
    if "requires_fields" not in lesson.data or lesson.data["requires_fields"] is None:
        return ()
    value = lesson.data["requires_fields"]
    items = [value] if isinstance(value, str) else value
    lines = getattr(value, "item_lines", None) or [lesson.line("requires_fields")] * len(items)
    if not isinstance(items, list):
        lesson.problem(lesson.line("requires_fields"), "'requires_fields' must be a list")
        return ()
    found: list[Requirement] = []
    for item, line in zip(items, lines, strict=False):
        if not isinstance(item, str) or not FIELD_ID_RE.fullmatch(item):
            lesson.problem(line, f"'requires_fields' lists {show_value(item)}, not a field id")
        else:
            found.append(Requirement(item, lesson.file.name, line))
    return tuple(found)


def placeholders(raw_body: str, file: str, first_line: int) -> tuple[Requirement, ...]:
    """Every `{{field.id}}` (or `{{field.id|fallback}}`) of a lesson text, with its line."""
    return tuple(
        Requirement(match.group(1), file, first_line + raw_body.count("\n", 0, match.start()))
        for match in PLACEHOLDER_RE.finditer(raw_body)
    )


def check_fields(modules: list[ModuleSpec], problems: list[Problem]) -> None:
    """Field ids are unique in the course; a placeholder or `requires_fields` names a field
    that an earlier lesson of the course asks for."""
    earlier: dict[str, str] = {}  # field id -> where it is defined
    for module in modules:
        for lesson in module.lessons:
            _check_lesson(lesson, earlier, problems)


def _check_lesson(lesson: LessonSpec, earlier: dict[str, str], problems: list[Problem]) -> None:
    for wanted, what in ((lesson.placeholders, "the placeholder"), (lesson.requires_fields, "")):
        for ref in wanted:
            if ref.slug not in earlier:
                label = what or "'requires_fields'"
                problems.append(
                    Problem(
                        ref.file,
                        ref.line,
                        f"{label} names field '{ref.slug}', which no earlier lesson asks for",
                    )
                )
    file = lesson.source.rsplit(":", 1)[0]
    for spec in lesson.assignment.fields if lesson.assignment else ():
        if spec.id in earlier:
            problems.append(
                Problem(
                    file, spec.line, f"field id '{spec.id}' is already used by {earlier[spec.id]}"
                )
            )
        else:
            earlier[spec.id] = f"{file}:{spec.line}"
