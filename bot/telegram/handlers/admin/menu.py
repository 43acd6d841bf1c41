"""/admin: the menu of everything an admin can do."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.telegram.callbacks import AdminAction, AdminCb
from bot.telegram.views import admin as view


def router() -> Router:
    router = Router(name="admin-menu")
    router.message.register(show_menu, Command("admin"))
    router.callback_query.register(menu_help, AdminCb.filter(F.action == AdminAction.HELP))
    return router


async def show_menu(message: Message) -> None:
    await message.answer(view.menu_text(), reply_markup=view.menu_keyboard())


async def menu_help(callback: CallbackQuery) -> None:
    await callback.answer()
    if callback.message is not None:
        await callback.bot.send_message(callback.from_user.id, view.menu_text())  # type: ignore[union-attr]
