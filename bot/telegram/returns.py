"""A learner coming back after a while: their pushes count as answered, paused reminders
start again, and a streak freeze used while they were away is told once."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import TelegramObject

from bot.rules.motivation.streaks import on_return
from bot.telegram.views import motivation
from db.models import User

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class ReturnMiddleware(BaseMiddleware):
    """After `LearnerMiddleware` (which marks a learner seen again) and inside the locale."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        learner: User | None = data.get("learner")
        if learner is None or learner.last_seen_at != data["now"]:
            return await handler(event, data)
        back = await on_return(data["session"], learner, data["now"])
        result = await handler(event, data)
        if back.freeze_saved is not None:
            bot: Bot = data["bot"]
            with contextlib.suppress(TelegramAPIError):  # blocked meanwhile: nothing to tell
                await bot.send_message(
                    learner.telegram_id, motivation.freeze_saved(back.freeze_saved)
                )
        return result
