"""Filters shared by the routers."""

from __future__ import annotations

from typing import Any

from aiogram import Dispatcher, Router
from aiogram.dispatcher.event.telegram import TelegramEventObserver
from aiogram.filters import Filter
from aiogram.types import TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.learners import is_admin
from bot.rules.review_sessions import is_review_poll
from db.models import User


class LearnerKnown(Filter):
    """The update comes from a learner in a private chat (set by LearnerMiddleware)."""

    async def __call__(self, event: TelegramObject, **data: Any) -> bool:
        return data.get("learner") is not None


class Onboarding(Filter):
    """A learner who has not finished onboarding yet (no lesson time chosen)."""

    async def __call__(self, event: TelegramObject, **data: Any) -> bool:
        learner: User | None = data.get("learner")
        return learner is not None and learner.onboarded_at is None


class IsAdmin(Filter):
    """An admin: a Telegram id in ADMIN_IDS, or a learner promoted to the ADMIN role.

    Checked on every update (the learner row is fresh each update), so a demoted
    admin is refused at once. The handler receives the acting admin as ``admin``.
    """

    async def __call__(self, event: TelegramObject, **data: Any) -> bool | dict[str, User]:
        learner: User | None = data.get("learner")
        if learner is None:
            return False
        if is_admin(learner, data.get("admin_ids", frozenset())):
            return {"admin": learner}
        return False


def chat_observers(router: Router | Dispatcher) -> tuple[TelegramEventObserver, ...]:
    """The kinds of update a learner causes in a private chat, which every router serves."""
    return (router.message, router.callback_query, router.poll_answer, router.my_chat_member)


class IsReviewPoll(Filter):
    """A poll answer to a poll sent by a review session (lesson polls go to the quiz router)."""

    async def __call__(self, event: TelegramObject, **data: Any) -> bool:
        session: AsyncSession = data["session"]
        poll_id = getattr(event, "poll_id", None)
        return isinstance(poll_id, str) and await is_review_poll(session, poll_id)
