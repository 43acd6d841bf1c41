"""Texts of fair streaks and reminders: freezes, the reminders in force, the pause."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.rules.pushes import (
    AFTER_LESSON_PUSH,
    Cadence,
    ReminderBasis,
    ReminderPlan,
    StreakReminder,
)
from bot.rules.streaks import MAX_FREEZES
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
    streak = streak_reminder_line(plan.streak, plan.lesson_minute)
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


def streak_reminder_line(reminder: StreakReminder, lesson_minute: int) -> str:
    """The streak reminder's time, and what sets it."""
    if reminder.minute is None:
        return _("🔥 Streak reminder: none (the daily lesson comes after 20:00)")
    time = format_minute(reminder.minute)
    match reminder.basis:
        case ReminderBasis.USUAL_HOUR:
            return _("🔥 Streak reminder: {time} (your usual learning hour)").format(time=time)
        case ReminderBasis.DEFAULT:
            return _(
                "🔥 Streak reminder: {time} (in the evening, until you have a usual learning hour)"
            ).format(time=time)
        case ReminderBasis.LATEST:
            return _(
                "🔥 Streak reminder: {time} (the latest it goes: you usually learn after {time})"
            ).format(time=time)
        case ReminderBasis.AFTER_LESSON:
            hours = AFTER_LESSON_PUSH // 60
            return ngettext(
                "🔥 Streak reminder: {time} ({hours} hour after your daily lesson at {lesson})",
                "🔥 Streak reminder: {time} ({hours} hours after your daily lesson at {lesson})",
                hours,
            ).format(time=time, hours=hours, lesson=format_minute(lesson_minute))
