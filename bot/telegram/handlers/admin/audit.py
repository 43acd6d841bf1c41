"""/audit: the latest admin actions."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules import audit
from bot.rules.formats.html_split import split_html
from bot.telegram.callbacks import AdminAction, AdminCb


def router() -> Router:
    router = Router(name="admin-audit")
    router.message.register(show_audit, Command("audit"))
    router.callback_query.register(audit_button, AdminCb.filter(F.action == AdminAction.AUDIT))
    return router


async def audit_text(session: AsyncSession) -> str:
    entries = await audit.latest(session)
    if not entries:
        return _("No admin actions yet.")
    lines = [_("<b>🧾 Latest admin actions</b>")]
    for entry in entries:
        details = ", ".join(f"{k}={v}" for k, v in entry.details.items())
        who = escape(entry.admin_name or str(entry.admin_telegram_id))
        lines.append(
            f"{entry.at:%Y-%m-%d %H:%M} · {who} · <b>{escape(entry.action)}</b>"
            + (f" · {escape(details)}" if details else "")
        )
    return "\n".join(lines)


async def show_audit(message: Message, session: AsyncSession) -> None:
    for chunk in split_html(await audit_text(session)):
        await message.answer(chunk)


async def audit_button(callback: CallbackQuery, session: AsyncSession) -> None:
    await callback.answer()
    for chunk in split_html(await audit_text(session)):
        await callback.bot.send_message(callback.from_user.id, chunk)  # type: ignore[union-attr]
