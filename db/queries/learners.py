"""The learner of an update."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import User

LEARNER_BY_TELEGRAM_ID = select(User).where(User.telegram_id == bindparam("telegram_id"))


async def learner_by_telegram_id(session: AsyncSession, telegram_id: int) -> User | None:
    return await session.scalar(LEARNER_BY_TELEGRAM_ID, {"telegram_id": telegram_id})
