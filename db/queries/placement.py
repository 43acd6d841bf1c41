"""A learner's placement checks, their answers and the review cards of their questions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Row, and_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.enums import PlacementStatus
from db.models import PlacementAnswer, PlacementCheck, ReviewCard

_CARD_OF_ANSWER = and_(
    ReviewCard.user_id == PlacementCheck.user_id,
    ReviewCard.question_id == PlacementAnswer.question_id,
)

# The learner's check of a course with every question it asked and the learner's review
# card of each, locked: one read serialises the learner's starts, answers and abandons.
CHECK_OF_COURSE = (
    select(PlacementCheck, PlacementAnswer, ReviewCard)
    .outerjoin(PlacementAnswer, PlacementAnswer.check_id == PlacementCheck.id)
    .outerjoin(ReviewCard, _CARD_OF_ANSWER)
    .where(
        PlacementCheck.user_id == bindparam("user_id"),
        PlacementCheck.course_id == bindparam("course_id"),
    )
    .with_for_update()
    .execution_options(populate_existing=True)
)

# Built once: an alias per call rebuilds its columns.
ANSWERED = aliased(PlacementAnswer, name="answered")
# The same, found from the poll one of its questions was asked by.
CHECK_OF_POLL = (
    select(PlacementCheck, PlacementAnswer, ReviewCard)
    .join(PlacementAnswer, PlacementAnswer.check_id == PlacementCheck.id)
    .join(ANSWERED, ANSWERED.check_id == PlacementCheck.id)
    .outerjoin(ReviewCard, _CARD_OF_ANSWER)
    .where(ANSWERED.poll_id == bindparam("poll_id"))
    .with_for_update()
    .execution_options(populate_existing=True)
)

CheckRows = Sequence[Row[PlacementCheck, PlacementAnswer | None, ReviewCard | None]]


async def check_of_course(session: AsyncSession, user_id: int, course_id: int) -> CheckRows:
    """(check, answer, card) rows of the learner's check of the course (none: never taken)."""
    return (
        await session.execute(CHECK_OF_COURSE, {"user_id": user_id, "course_id": course_id})
    ).all()


async def check_of_poll(session: AsyncSession, poll_id: str) -> CheckRows:
    """(check, answer, card) rows of the check `poll_id` asked a question of (none: the poll
    is no placement check's)."""
    return (await session.execute(CHECK_OF_POLL, {"poll_id": poll_id})).all()


CHECK_STATUS = select(PlacementCheck.status).where(
    PlacementCheck.user_id == bindparam("user_id"),
    PlacementCheck.course_id == bindparam("course_id"),
)


async def check_status(
    session: AsyncSession, user_id: int, course_id: int
) -> PlacementStatus | None:
    return await session.scalar(CHECK_STATUS, {"user_id": user_id, "course_id": course_id})


async def finished_checks(session: AsyncSession) -> tuple[int, int, int]:
    """Checks finished, modules tested out in them, modules they covered: one aggregate."""
    row = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(PlacementCheck.modules_tested_out), 0),
                func.coalesce(func.sum(PlacementCheck.modules_total), 0),
            ).where(PlacementCheck.status == PlacementStatus.FINISHED)
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)
