"""Texts of fair streaks and reminders: freezes, the reminders in force, the pause."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.rules.motivation.streaks import MAX_FREEZES
from bot.rules.reach.pushes import Cadence, ReminderPlan
from bot.telegram.zones import format_minute


def freeze_saved(streak: int) -> str:
    return ngettext(
        "❄️ Your streak freeze saved your {days}-day streak.",
        "❄️ Your streak freeze saved your {days}-day streak.",
        streak,
    ).format(days=streak)


def freezes_line(held: int, frozen_days: int) -> str:
    """/progress: freezes held and the frozen days of the current streak."""
    return _("❄️ Streak freezes: {held} of {most} · frozen days: {frozen}").format(
        held=held, most=MAX_FREEZES, frozen=frozen_days
    )


def reminders_paused_push() -> str:
    return _(
        "👋 We have not seen you for two weeks, so reminders are paused. "
        "They start again by themselves when you come back: just send /learn."
    )


def reminder_lines(plan: ReminderPlan) -> list[str]:
    """/settings: when the streak reminder goes and how often pushes go now."""
    if not plan.enabled:
        return []
    if plan.streak_minute is None:
        streak = _("🔥 Streak reminder: none (the daily lesson comes after 20:00)")
    elif plan.from_habit:
        streak = _("🔥 Streak reminder: {time} (your usual learning hour)").format(
            time=format_minute(plan.streak_minute)
        )
    else:
        streak = _("🔥 Streak reminder: {time}").format(time=format_minute(plan.streak_minute))
    match plan.cadence:
        case Cadence.DAILY:
            cadence = _(
                "📬 Pushes: daily; every other day after 3 unanswered, paused after 14 days away"
            )
        case Cadence.EVERY_OTHER_DAY:
            cadence = _("📬 Pushes: every other day (the last 3 went unanswered)")
        case Cadence.PAUSED:
            cadence = _("📬 Pushes: paused until you come back")
    return [streak, cadence]
