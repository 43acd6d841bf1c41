"""Filters shared by the routers."""

from __future__ import annotations

from typing import Any

from aiogram import Dispatcher, Router
from aiogram.dispatcher.event.telegram import TelegramEventObserver
from aiogram.filters import Filter
from aiogram.types import TelegramObject

from db.enums import UserRole
from db.models import User


class LearnerKnown(Filter):
    """The update comes from a learner in a private chat (set by LearnerMiddleware)."""

    async def __call__(self, event: TelegramObject, **data: Any) -> bool:
        return data.get("learner") is not None


class IsAdmin(Filter):
    """An admin: a Telegram id in ADMIN_IDS, or a learner promoted to the ADMIN role.

    Checked on every update (the learner row is fresh each update), so a demoted
    admin is refused at once. The handler receives the acting admin as ``admin``.
    """

    async def __call__(self, event: TelegramObject, **data: Any) -> bool | dict[str, User]:
        learner: User | None = data.get("learner")
        if learner is None:
            return False
        admin_ids: frozenset[int] = data.get("admin_ids", frozenset())
        if learner.telegram_id in admin_ids or learner.role is UserRole.ADMIN:
            return {"admin": learner}
        return False


def chat_observers(router: Router | Dispatcher) -> tuple[TelegramEventObserver, ...]:
    """The kinds of update a learner causes in a private chat, which every router serves."""
    return (router.message, router.callback_query, router.poll_answer, router.my_chat_member)
