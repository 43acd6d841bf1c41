"""Course data built in memory, for rules that need no database."""

from __future__ import annotations

from bot.rules.course import LessonInfo, QuestionInfo


def question(
    number: int, *, text: str | None = None, explanation: str | None = "Because."
) -> QuestionInfo:
    return QuestionInfo(
        id=number,
        slug=f"q{number}",
        question=text or f"Question {number}?",
        options=("right", "wrong", "also wrong"),
        correct_option_ids=(0,),
        explanation=explanation,
    )


def lesson_with(count: int, **question_fields: str) -> LessonInfo:
    """A lesson of `count` questions whose right answer is option 0."""
    return LessonInfo(
        id=1,
        slug="lesson",
        title="Lesson",
        module_id=1,
        module_title="Module",
        position=1,
        minutes=None,
        points=50,
        pass_mark=60,
        image=None,
        questions=tuple(question(n, **question_fields) for n in range(1, count + 1)),
    )
