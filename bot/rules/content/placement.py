"""`placement:` in course.yaml: the placement check a course offers.

    placement: true                  # two questions per module, drawn from all of its quiz
    placement:
      questions_per_module: 3        # 1-10, default 2
      questions:                     # optional: draw only from these (lesson-slug/question-id)
        - what-is-git/snapshot
        - branches-and-head/head

A question named must be one of the course's own; a module none of whose questions may be
drawn cannot be tested out.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.rules.content.spec import (
    COURSE_FILE,
    DEFAULT_PLACEMENT_PER_MODULE,
    SLUG_RE,
    LessonSpec,
    PlacementSpec,
    Problem,
)
from bot.rules.content.yaml_lines import Fields, SourceFile, YamlMap, show_value, type_name

PER_MODULE_MAX = 10
PLACEMENT_KEYS = ("questions_per_module", "questions")


def read_placement(data: YamlMap, file: SourceFile) -> PlacementSpec | None:
    """The course's `placement:` (None: the course offers no check), problems with lines."""
    if "placement" not in data or data["placement"] is None or data["placement"] is False:
        return None
    value = data["placement"]
    line = data.key_lines["placement"]
    if value is True:
        return PlacementSpec()
    if not isinstance(value, YamlMap):
        file.add(line, f"'placement' must be true or a mapping, not {type_name(value)}")
        return None
    fields = Fields(value, file, PLACEMENT_KEYS, (), where="placement: ")
    per_module = fields.integer("questions_per_module", minimum=1, maximum=PER_MODULE_MAX)
    listed = fields.sequence("questions")
    questions: list[tuple[str, int]] | None = None
    if listed is not None:
        questions = []
        for item, item_line in zip(listed, listed.item_lines, strict=True):
            if isinstance(item, str) and _is_ref(item):
                questions.append((item, item_line))
            else:
                fields.problem(
                    item_line,
                    f"'questions' lists {show_value(item)}; name a question as "
                    "lesson-slug/question-id",
                )
    return PlacementSpec(
        per_module or DEFAULT_PLACEMENT_PER_MODULE,
        tuple(questions) if questions is not None else None,
    )


def _is_ref(text: str) -> bool:
    lesson, _, question = text.partition("/")
    return bool(SLUG_RE.fullmatch(lesson)) and bool(SLUG_RE.fullmatch(question))


def placement_problems(
    spec: PlacementSpec | None, lessons: Iterable[LessonSpec], where: str = COURSE_FILE
) -> list[Problem]:
    """Every question `spec` names must be a question of the course's lessons."""
    if spec is None or spec.questions is None:
        return []
    known = {f"{lesson.slug}/{q.slug}" for lesson in lessons for q in lesson.questions}
    return [
        Problem(where, line, f"placement: '{ref}' is not a question of this course")
        for ref, line in spec.questions
        if ref not in known
    ]
