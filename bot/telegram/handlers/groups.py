"""Group chats: LearnBot teaches in private; commands in groups get a pointer there.

A group linked to a cohort (`/link <code>` by an admin or a mentor of that cohort) answers
`/leaderboard` with the cohort's weekly board (first names and points, nothing else);
`/unlink` undoes it. When the bot is removed from a linked group, the link goes.
Everything else in a group is ignored.
"""

from __future__ import annotations

from datetime import datetime

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.chat_member_updated import LEAVE_TRANSITION, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.cohorts.boards import (
    LinkRefusal,
    cohort_board,
    forget_groups,
    group_cohort,
    link_group,
    unlink_group,
)
from bot.rules.learners import get_learner
from bot.telegram.views import cohorts, common

GROUPS = ("group", "supergroup")


def router() -> Router:
    router = Router(name="groups")
    router.message.filter(F.chat.type != "private")
    router.message.register(link, Command("link"), F.chat.type.in_(GROUPS))
    router.message.register(unlink, Command("unlink"), F.chat.type.in_(GROUPS))
    router.message.register(group_board, Command("leaderboard"), F.chat.type.in_(GROUPS))
    router.message.register(command_in_group, F.text.startswith("/"))
    router.message.register(ignore_group_chatter)
    router.my_chat_member.register(
        removed_from_group,
        F.chat.type.in_(GROUPS),
        ChatMemberUpdatedFilter(member_status_changed=LEAVE_TRANSITION),
    )
    return router


async def link(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    now: datetime,
    admin_ids: frozenset[int],
) -> None:
    code = (command.args or "").strip().removeprefix("join-")
    if not code:
        await message.reply(cohorts.link_usage())
        return
    actor = await get_learner(session, message.from_user.id) if message.from_user else None
    linked = await link_group(session, actor, admin_ids, code, message.chat.id, now)
    match linked:
        case LinkRefusal.UNKNOWN_CODE:
            await message.reply(cohorts.link_unknown_code())
        case LinkRefusal.NOT_ALLOWED:
            await message.reply(cohorts.link_not_allowed())
        case _:
            await message.reply(cohorts.linked(linked.name))


async def unlink(
    message: Message, session: AsyncSession, now: datetime, admin_ids: frozenset[int]
) -> None:
    actor = await get_learner(session, message.from_user.id) if message.from_user else None
    done = await unlink_group(session, actor, admin_ids, message.chat.id, now)
    match done:
        case None:
            await message.reply(cohorts.not_linked())
        case LinkRefusal():
            await message.reply(cohorts.link_not_allowed())
        case _:
            await message.reply(cohorts.unlinked(done.name))


async def group_board(message: Message, session: AsyncSession) -> None:
    """The linked cohort's weekly board; an unlinked group gets the usual pointer."""
    cohort = await group_cohort(session, message.chat.id)
    if cohort is None:
        await message.reply(common.private_only())
        return
    board = await cohort_board(session, cohort.id, None, week=True)
    await message.reply(cohorts.cohort_board_text(cohort.name, board, week=True))


async def removed_from_group(event: ChatMemberUpdated, session: AsyncSession) -> None:
    """The bot left or was removed: its cohort link goes (nothing is posted there again)."""
    await forget_groups(session, [event.chat.id])


async def command_in_group(message: Message) -> None:
    await message.reply(common.private_only())


async def ignore_group_chatter(message: Message) -> None:
    """Ordinary group messages are deliberately ignored."""
