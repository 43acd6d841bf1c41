"""Group chats: LearnBot teaches in private; commands in groups get a pointer there."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import Message

from bot.telegram.views import common


def router() -> Router:
    router = Router(name="groups")
    router.message.filter(F.chat.type != "private")
    router.message.register(command_in_group, F.text.startswith("/"))
    router.message.register(ignore_group_chatter)
    return router


async def command_in_group(message: Message) -> None:
    await message.reply(common.private_only())


async def ignore_group_chatter(message: Message) -> None:
    """Ordinary group messages are deliberately ignored."""
