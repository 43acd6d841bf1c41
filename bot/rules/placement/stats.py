"""The placement checks as figures and records: in /stats, how many learners finished one
and the share of the modules their checks covered that were tested out; in /export, a
learner's own checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Course, PlacementAnswer, PlacementCheck, QuizQuestion
from db.queries.placement import finished_checks


@dataclass(frozen=True)
class PlacementFigures:
    taken: int  # checks finished (one per learner and course)
    modules_tested_out: int
    modules: int  # the modules of the courses those checks were of

    @property
    def share(self) -> float | None:
        return self.modules_tested_out / self.modules if self.modules else None


async def placement_figures(session: AsyncSession) -> PlacementFigures:
    """One aggregate statement over the finished checks."""
    return PlacementFigures(*await finished_checks(session))


async def learner_checks(session: AsyncSession, user_id: int) -> list[dict[str, Any]]:
    """The learner's checks for /export: course, status, when, the score per module and
    every question asked with the answer given."""
    rows = await session.execute(
        select(
            Course.title,
            PlacementCheck,
            QuizQuestion.question,
            QuizQuestion.options,
            PlacementAnswer,
        )
        .join(Course, Course.id == PlacementCheck.course_id)
        .outerjoin(PlacementAnswer, PlacementAnswer.check_id == PlacementCheck.id)
        .outerjoin(QuizQuestion, QuizQuestion.id == PlacementAnswer.question_id)
        .where(PlacementCheck.user_id == user_id)
        .order_by(PlacementCheck.id, PlacementAnswer.id)
    )
    checks: dict[int, dict[str, Any]] = {}
    for title, check, question, options, answer in rows:
        item = checks.setdefault(
            check.id,
            {
                "course": title,
                "status": check.status.name,
                "attempt": check.attempt,
                "started_at": check.started_at.isoformat(),
                "ended_at": check.ended_at.isoformat() if check.ended_at else None,
                "score_per_module": check.scores,
                "answers": [],
            },
        )
        if answer is not None:
            chosen = [options[i] for i in answer.option_ids or () if 0 <= i < len(options)]
            item["answers"].append(
                {
                    "question": question,
                    "attempt": answer.attempt,
                    "answer": chosen,
                    "correct": answer.is_correct,
                    "answered_at": answer.answered_at.isoformat() if answer.answered_at else None,
                }
            )
    return list(checks.values())
