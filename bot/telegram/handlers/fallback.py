"""Help, and an answer for everything nothing else handled: never silence."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.telegram.views import common


def router() -> Router:
    router = Router(name="fallback")
    router.message.register(help_command, Command("help"))
    router.message.register(unknown_message, F.chat.type == "private")
    router.callback_query.register(stale_callback)
    return router


async def help_command(message: Message) -> None:
    await message.answer(common.help_text())


async def unknown_message(message: Message) -> None:
    """Unknown commands, free text, stickers, photos, voice…: a short hint."""
    await message.answer(common.unknown())


async def stale_callback(callback: CallbackQuery) -> None:
    """Buttons from old messages or forged payloads that no handler accepts."""
    await callback.answer(common.stale_button(), show_alert=True)
