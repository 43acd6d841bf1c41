"""/audit: the latest admin actions, at the admin's local time, their details in words."""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules import audit
from bot.rules.learners import zone_of
from bot.rules.telegram_html import split_html
from bot.telegram.broadcast_view import AUDIENCES, audience_label, choice_of
from bot.telegram.callbacks import AdminAction, AdminCb
from bot.telegram.zones import zone_name
from db.models import User


def router() -> Router:
    router = Router(name="admin-audit")
    router.message.register(show_audit, Command("audit"))
    router.callback_query.register(audit_button, AdminCb.filter(F.action == AdminAction.AUDIT))
    return router


async def audit_text(session: AsyncSession, admin: User) -> str:
    entries = await audit.latest(session)
    if not entries:
        return _("No admin actions yet.")
    zone = zone_of(admin)
    lines = [
        _("<b>🧾 Latest admin actions</b> · times in {zone}").format(
            zone=escape(zone_name(admin.time_zone))
        )
    ]
    for entry in entries:
        details = ", ".join(
            f"{key.replace('_', ' ')}: {detail_value(key, value)}"
            for key, value in entry.details.items()
        )
        who = escape(entry.admin_name or str(entry.admin_telegram_id))
        lines.append(
            f"{entry.at.astimezone(zone):%Y-%m-%d %H:%M} · {who} · <b>{escape(entry.action)}</b>"
            + (f" · {escape(details)}" if details else "")
        )
    return "\n".join(lines)


def detail_value(key: str, value: Any) -> str:
    """A detail of an admin action as a reader says it (raw; the caller escapes it)."""
    match value:
        case dict() if key == "audience" and value in AUDIENCES.values():
            return audience_label(choice_of(value))
        case dict():
            return ", ".join(f"{k} {v}" for k, v in value.items()) or "—"
        case bool():
            return _("yes") if value else _("no")
        case None:
            return "—"
        case list():
            return ", ".join(str(item) for item in value) or "—"
    return str(value)


async def show_audit(message: Message, session: AsyncSession, admin: User) -> None:
    for chunk in split_html(await audit_text(session, admin)):
        await message.answer(chunk)


async def audit_button(callback: CallbackQuery, session: AsyncSession, admin: User) -> None:
    await callback.answer()
    for chunk in split_html(await audit_text(session, admin)):
        await callback.bot.send_message(callback.from_user.id, chunk)  # type: ignore[union-attr]
