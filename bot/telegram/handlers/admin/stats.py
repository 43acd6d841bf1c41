"""/stats and the menu's stats button: learners, activity and the lesson funnel.

The admin filter sits on the parent admin router (bot/telegram/handlers/admin/__init__.py);
this router only registers the handlers.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.admin.stats import FunnelRow, Overview, Windows, funnel, overview
from bot.rules.formats.html_split import split_html
from bot.rules.review.stats import most_missed, review_activity
from bot.telegram.callbacks import AdminAction, AdminCb
from bot.telegram.views.review import admin_review_lines
from db.models import User


def router() -> Router:
    router = Router(name="admin-stats")
    router.message.register(show_stats, Command("stats"))
    router.callback_query.register(stats_button, AdminCb.filter(F.action == AdminAction.STATS))
    return router


async def show_stats(message: Message, session: AsyncSession, now: datetime) -> None:
    for chunk in await render(session, now):
        await message.answer(chunk)


async def stats_button(
    callback: CallbackQuery, admin: User, session: AsyncSession, now: datetime
) -> None:
    await callback.answer()
    for chunk in await render(session, now):
        await callback.bot.send_message(admin.telegram_id, chunk)  # type: ignore[union-attr]


async def render(session: AsyncSession, now: datetime) -> list[str]:
    """The whole report as Telegram-HTML messages, each within Telegram's limit."""
    figures = await overview(session, now)
    rows = await funnel(session)
    review = admin_review_lines(
        await review_activity(session, now), await most_missed(session, now)
    )
    return split_html(
        overview_text(figures) + "\n\n" + funnel_text(rows) + "\n\n" + "\n".join(review)
    )


# ---------------------------------------------------------------- texts


def number(value: int) -> str:
    """Digits grouped by a narrow no-break space (1 234 567): right in English and Russian."""
    return f"{value:,}".replace(",", "\u202f")


def windows_text(windows: Windows) -> str:
    return _("1 day <b>{day}</b> · 7 days <b>{week}</b> · 30 days <b>{month}</b>").format(
        day=number(windows.day), week=number(windows.week), month=number(windows.month)
    )


def overview_text(figures: Overview) -> str:
    streak = "—" if figures.average_streak is None else f"{figures.average_streak:.1f}"
    return "\n".join(
        [
            _("<b>📊 Stats</b>"),
            "",
            _("👥 Learners: <b>{count}</b> (blocked the bot: {blocked})").format(
                count=number(figures.learners), blocked=number(figures.blocked)
            ),
            _("🆕 New: {windows}").format(windows=windows_text(figures.new)),
            _("🟢 Active: {windows}").format(windows=windows_text(figures.active)),
            _("✅ Lessons completed: <b>{count}</b>").format(
                count=number(figures.lessons_completed)
            ),
            _("🔥 Average current streak: <b>{days}</b> days").format(days=streak),
        ]
    )


def drop_text(drop: float | None) -> str:
    if drop is None:
        return ""
    percent = round(100 * drop)
    return f" (−{percent}%)" if percent >= 0 else f" (+{-percent}%)"


def funnel_text(rows: list[FunnelRow]) -> str:
    lines = [
        _("<b>📉 Lesson funnel</b>"),
        _("<i>started → finished (lost since the previous lesson)</i>"),
    ]
    if not rows:
        lines.append(_("No published lessons yet."))
    module_id = None
    for index, row in enumerate(rows, start=1):
        if row.module_id != module_id:
            module_id = row.module_id
            lines += ["", f"<b>{escape(row.module_title, quote=False)}</b>"]
        title = escape(row.title, quote=False)
        lines.append(
            f"{index}. {title}: {number(row.started)} → {number(row.finished)}"
            + drop_text(row.drop)
        )
    return "\n".join(lines)
