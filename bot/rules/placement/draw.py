"""Which questions a learner's placement check asks, and when it is offered.

- A course with `placement:` offers a check of `questions_per_module` questions per module
  (fewer where a module has fewer to draw from), drawn from each module's own quiz questions
  (or from the ones `placement:` names), asked module by module in course order.
- The draw is a pure function of learner, course and module (bot.rules.shuffle), so a
  redelivered update asks the same questions; another learner gets others.
- It is offered when the learner starts the course, and again from the course's card, until
  they complete a lesson of it or finish a check of it (one check per course).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.course import CourseMap, QuestionInfo
from bot.rules.shuffle import option_order
from db.enums import PlacementStatus
from db.models import User
from db.queries.learning import done_lesson_ids
from db.queries.placement import check_status

SECONDS_PER_QUESTION = 20  # about how long a learner takes over one question


def draw_questions(course: CourseMap, user_id: int) -> list[QuestionInfo]:
    """The questions of this learner's check of `course`, in the order they are asked."""
    if course.placement is None:
        return []
    drawn: list[QuestionInfo] = []
    for module in course.modules:
        pool = course.placement.pools.get(module.id, ())
        shuffled = option_order(len(pool), "placement", user_id, course.id, module.id)
        chosen = sorted(shuffled[: course.placement.per_module])
        drawn.extend(pool[index] for index in chosen)
    return drawn


@dataclass(frozen=True)
class PlacementOffer:
    """The check a learner may take now: how many questions, about how long, and whether one
    is under way (then it continues)."""

    course: CourseMap
    questions: int
    minutes: int
    under_way: bool = False


def placement_offer(
    course: CourseMap, user_id: int, done: Iterable[int], status: PlacementStatus | None
) -> PlacementOffer | None:
    """The check on offer, given the lessons the learner has done (`done`, any course) and
    the status of their check of this course; None when there is none to take."""
    if status is PlacementStatus.FINISHED or course.done_in(done):
        return None
    count = len(draw_questions(course, user_id))
    if not count:
        return None
    minutes = max(1, math.ceil(count * SECONDS_PER_QUESTION / 60))
    return PlacementOffer(course, count, minutes, status is PlacementStatus.IN_PROGRESS)


async def learner_offer(
    session: AsyncSession, course: CourseMap, user: User, done: set[int] | None = None
) -> PlacementOffer | None:
    """`placement_offer` for the learner now (`done`: their lessons done, when already read);
    no statement for a course without a check."""
    if course.placement is None:
        return None
    status = await check_status(session, user.id, course.id)
    if done is None:
        done = await done_lesson_ids(session, user.id)
    return placement_offer(course, user.id, done, status)
