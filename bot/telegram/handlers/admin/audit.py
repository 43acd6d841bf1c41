"""/audit: the latest admin actions, at the admin's local time, their details in words."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules import audit
from bot.rules.formats.html_split import split_html
from bot.telegram.callbacks import AdminAction, AdminCb
from bot.telegram.views import admin as view
from db.models import User


def router() -> Router:
    router = Router(name="admin-audit")
    router.message.register(show_audit, Command("audit"))
    router.callback_query.register(audit_button, AdminCb.filter(F.action == AdminAction.AUDIT))
    return router


async def show_audit(message: Message, session: AsyncSession, admin: User) -> None:
    for chunk in split_html(view.audit_text(await audit.latest(session), admin)):
        await message.answer(chunk)


async def audit_button(callback: CallbackQuery, session: AsyncSession, admin: User) -> None:
    await callback.answer()
    for chunk in split_html(view.audit_text(await audit.latest(session), admin)):
        await callback.bot.send_message(callback.from_user.id, chunk)  # type: ignore[union-attr]
