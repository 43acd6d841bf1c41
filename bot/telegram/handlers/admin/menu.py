"""/admin: the menu of everything an admin can do."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.telegram.callbacks import AdminAction, AdminCb


def router() -> Router:
    router = Router(name="admin-menu")
    router.message.register(show_menu, Command("admin"))
    router.callback_query.register(menu_help, AdminCb.filter(F.action == AdminAction.HELP))
    return router


def menu_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("📊 Stats and funnel"), callback_data=AdminCb(action=AdminAction.STATS))
    builder.button(text=_("📣 Broadcast"), callback_data=AdminCb(action=AdminAction.BROADCAST))
    builder.button(text=_("🧾 Audit log"), callback_data=AdminCb(action=AdminAction.AUDIT))
    builder.button(text=_("❓ Other commands"), callback_data=AdminCb(action=AdminAction.HELP))
    builder.adjust(2)
    return builder.as_markup()


def menu_text() -> str:
    return _(
        "<b>🛠 Admin</b>\n\n"
        "/stats — learners, activity and the lesson funnel\n"
        "/broadcast — message every learner (or some)\n"
        "/user &lt;id, @username or name&gt; — a learner's profile, reset, roles\n"
        "/content — every module and lesson: slugs, published, learners\n"
        "/publish &lt;slug&gt;, /unpublish &lt;slug&gt; — a module or lesson\n"
        "Send a course file or .zip — validate, preview, import\n"
        "/audit — the latest admin actions\n"
        "/exportcsv — every learner's progress as a CSV file"
    )


async def show_menu(message: Message) -> None:
    await message.answer(menu_text(), reply_markup=menu_keyboard())


async def menu_help(callback: CallbackQuery) -> None:
    await callback.answer()
    if callback.message is not None:
        await callback.bot.send_message(callback.from_user.id, menu_text())  # type: ignore[union-attr]
