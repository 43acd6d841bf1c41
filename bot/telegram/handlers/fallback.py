"""Help, and an answer for everything nothing else handled: never silence."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.rules.learners import is_admin
from bot.telegram import texts
from db.models import User


def router() -> Router:
    router = Router(name="fallback")
    router.message.register(help_command, Command("help"))
    router.message.register(unknown_message, F.chat.type == "private")
    router.callback_query.register(stale_callback)
    return router


async def help_command(
    message: Message, admin_ids: frozenset[int], learner: User | None = None
) -> None:
    text = texts.help_text()
    if learner is not None and is_admin(learner, admin_ids):
        text += "\n\n" + texts.admin_help()
    await message.answer(text)


async def unknown_message(message: Message) -> None:
    """Unknown commands, free text, stickers, photos, voice…: a short hint."""
    await message.answer(texts.unknown())


async def stale_callback(callback: CallbackQuery) -> None:
    """Buttons from old messages or forged payloads that no handler accepts."""
    await callback.answer(texts.stale_button(), show_alert=True)
