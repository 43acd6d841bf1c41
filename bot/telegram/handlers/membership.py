"""my_chat_member: the learner blocked or unblocked the bot."""

from __future__ import annotations

from datetime import datetime

from aiogram import Router
from aiogram.filters import KICKED, MEMBER, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated

from bot.rules import learners
from db.models import User


def router() -> Router:
    router = Router(name="membership")
    router.my_chat_member.filter(lambda update: update.chat.type == "private")
    router.my_chat_member.register(blocked, ChatMemberUpdatedFilter(member_status_changed=KICKED))
    router.my_chat_member.register(unblocked, ChatMemberUpdatedFilter(member_status_changed=MEMBER))
    return router


async def blocked(event: ChatMemberUpdated, learner: User, now: datetime) -> None:
    """No push goes to a learner who blocked the bot (the scheduler filters on it)."""
    learners.block(learner, now)


async def unblocked(event: ChatMemberUpdated, learner: User, now: datetime) -> None:
    learners.unblock(learner, now)
