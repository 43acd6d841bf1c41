"""/audit: the latest admin actions, at the admin's local time, their details in words."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules import audit
from bot.rules.formats.html_split import split_html
from bot.telegram.callbacks import AdminAction, AdminCb
from bot.telegram.reply import acknowledge
from bot.telegram.views import admin as view
from db.models import User


def router() -> Router:
    router = Router(name="admin-audit")
    router.message.register(show_audit, Command("audit"))
    router.callback_query.register(show_audit, AdminCb.filter(F.action == AdminAction.AUDIT))
    return router


async def show_audit(
    event: Message | CallbackQuery, session: AsyncSession, admin: User, bot: Bot
) -> None:
    """/audit and the menu's button."""
    await acknowledge(event)
    for chunk in split_html(view.audit_text(await audit.latest(session), admin)):
        await bot.send_message(admin.telegram_id, chunk)
