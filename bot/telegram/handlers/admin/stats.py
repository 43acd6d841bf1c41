"""/stats and the menu's stats button: learners, activity and the lesson funnel.

The admin filter sits on the parent admin router (bot/telegram/handlers/admin/__init__.py);
this router only registers the handlers.
"""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.admin.stats import course_figures, funnel, overview
from bot.rules.assignments.stats import assignment_figures
from bot.rules.formats.html_split import split_html
from bot.rules.placement.stats import placement_figures
from bot.rules.review.stats import most_missed, review_activity
from bot.telegram.callbacks import AdminAction, AdminCb
from bot.telegram.reply import acknowledge
from bot.telegram.views import admin as view
from bot.telegram.views import assignments as assignment_views
from bot.telegram.views import placement
from bot.telegram.views.review import admin_review_lines
from db.models import User


def router() -> Router:
    router = Router(name="admin-stats")
    router.message.register(show_stats, Command("stats"))
    router.callback_query.register(show_stats, AdminCb.filter(F.action == AdminAction.STATS))
    return router


async def show_stats(
    event: Message | CallbackQuery, admin: User, session: AsyncSession, now: datetime, bot: Bot
) -> None:
    """/stats and the menu's button."""
    await acknowledge(event)
    for chunk in await render(session, now):
        await bot.send_message(admin.telegram_id, chunk)


async def render(session: AsyncSession, now: datetime) -> list[str]:
    """The whole report as Telegram-HTML messages, each within Telegram's limit."""
    figures = await overview(session, now)
    courses = await course_figures(session)
    rows = await funnel(session)
    review = admin_review_lines(
        await review_activity(session, now), await most_missed(session, now)
    )
    parts = [
        view.overview_text(figures) + "\n" + placement.stats_line(await placement_figures(session))
    ]
    if len(courses) > 1:  # a school: each course's learners, and a funnel per course
        parts.append(view.courses_text(courses))
    parts += [view.funnel_text(rows), "\n".join(review)]
    assignments = await assignment_figures(session, now)
    if assignments.waiting or assignments.decided:
        parts.append(assignment_views.stats_text(assignments))
    return split_html("\n\n".join(parts))
