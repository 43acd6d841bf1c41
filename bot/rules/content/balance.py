"""Where a course puts its right answers.

Learners see every question's options shuffled, so the file's order gives nothing away in
the bot. A course whose right answers mostly sit in one position still deserves a word to
its author (the habit shows wherever the questions are reused, on paper or in another
tool): more than `SKEW_SHARE` of the questions with their (first) right answer at the
same option, in a course of at least `SKEW_MIN_QUESTIONS` questions. The importer warns
about it, and `learnbot content import --strict` refuses the course.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bot.rules.content.spec import Course

SKEW_SHARE = 0.5
SKEW_MIN_QUESTIONS = 8


@dataclass(frozen=True)
class AnswerSkew:
    position: int  # 1-based, as in the course files
    count: int
    total: int

    def __str__(self) -> str:
        return (
            f"{self.count} of {self.total} questions have their right answer at option "
            f"{self.position}; spread the right answers over the positions"
        )


def answer_skew(course: Course) -> AnswerSkew | None:
    """The position most right answers sit at, when it holds too many of them."""
    positions = Counter(
        min(question.correct) + 1
        for lesson in course.lessons
        for question in lesson.questions
        if question.correct
    )
    total = sum(positions.values())
    if total < SKEW_MIN_QUESTIONS:
        return None
    position, count = positions.most_common(1)[0]
    return AnswerSkew(position, count, total) if count > SKEW_SHARE * total else None
