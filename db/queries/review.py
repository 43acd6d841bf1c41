"""Review cards."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ReviewCard

CARD_IDS = select(ReviewCard.id, ReviewCard.question_id).where(
    ReviewCard.user_id == bindparam("user_id"),
    ReviewCard.question_id.in_(bindparam("questions", expanding=True)),
)


async def card_ids(
    session: AsyncSession, user_id: int, question_ids: Sequence[int]
) -> dict[int, int]:
    """The ids of a learner's cards of these questions, by question."""
    rows = await session.execute(CARD_IDS, {"user_id": user_id, "questions": list(question_ids)})
    return {question_id: card_id for card_id, question_id in rows if question_id is not None}
