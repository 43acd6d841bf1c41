"""Errors: a log line with context for us, a safe message for the learner."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent
from sqlalchemy.exc import DBAPIError

from bot.telegram.views import common

log = logging.getLogger(__name__)


def router() -> Router:
    router = Router(name="errors")
    router.errors.register(on_error)
    return router


async def on_error(event: ErrorEvent, bot: Bot) -> None:
    update = event.update
    if isinstance(event.exception, DBAPIError):
        log.warning("database error on update %s: %s", update.update_id, event.exception)
    else:
        log.exception("update %s failed", update.update_id, exc_info=event.exception)
    chat_id = _chat_of(event)
    if chat_id is None:
        return
    try:
        await bot.send_message(chat_id, common.try_again_later())
    except TelegramAPIError as exc:
        log.warning("could not tell chat %s about the error: %s", chat_id, exc)


def _chat_of(event: ErrorEvent) -> int | None:
    update = event.update
    if update.message is not None and update.message.chat.type == "private":
        return update.message.chat.id
    if update.callback_query is not None:
        return update.callback_query.from_user.id
    if update.poll_answer is not None and update.poll_answer.user is not None:
        return update.poll_answer.user.id
    return None
