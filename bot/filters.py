"""Filters shared by the routers."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import TelegramObject


class LearnerKnown(Filter):
    """The update comes from a learner in a private chat (set by LearnerMiddleware)."""

    async def __call__(self, event: TelegramObject, **data: Any) -> bool:
        return data.get("learner") is not None
