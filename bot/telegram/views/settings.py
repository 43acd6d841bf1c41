"""Onboarding and /settings: the zone and lesson-time picker, language, reminders: texts
and keyboards."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.rules.course import LessonInfo
from bot.rules.formats.shorten import shorten
from bot.rules.reach.pushes import (
    AFTER_LESSON_PUSH,
    Cadence,
    ReminderBasis,
    ReminderPlan,
    StreakReminder,
)
from bot.telegram.callbacks import (
    CommonZonesCb,
    LanguageCb,
    LessonTimeCb,
    MoreZonesCb,
    SettingsAction,
    SettingsCb,
    SettingsTimeCb,
    SettingsZoneCb,
    SettingsZoneNameCb,
    ZoneCb,
    ZoneNameCb,
)
from bot.telegram.views.common import name_of
from bot.telegram.zones import (
    LESSON_TIMES,
    ZoneChoice,
    city_of,
    format_minute,
    zone_name,
)


def welcome_new(first_name: str | None) -> str:
    return _(
        "👋 Hi, <b>{name}</b>! I'm LearnBot. I teach in short lessons, each ending in a quick"
        " quiz.\n\nFirst, so I can send your daily lesson at the right hour:"
        " <b>what time is it for you now?</b>"
    ).format(name=name_of(first_name))


def ask_lesson_time(zone_label: str) -> str:
    return _("🕒 Got it: <b>{zone}</b>.\n\nWhen would you like your daily lesson?").format(
        zone=escape(zone_label)
    )


def onboarding_done(minute: int, first: LessonInfo | None) -> str:
    text = _("✅ All set! I'll send you a lesson every day at <b>{time}</b>.").format(
        time=format_minute(minute)
    )
    if first is not None:
        text += "\n\n" + _("Your first lesson: <b>{title}</b>").format(title=escape(first.title))
    return text


def settings_text(zone: str, minute: int, reminders: bool, visible: bool, language: str) -> str:
    on, off = _("on"), _("off")
    return "\n".join(
        [
            _("<b>⚙️ Settings</b>"),
            "",
            _("🌍 Time zone: {zone}").format(zone=escape(zone_name(zone))),
            _("🕒 Lesson time: {time}").format(time=format_minute(minute)),
            _("🔔 Daily lesson and reminders: {state}").format(state=on if reminders else off),
            _("🏆 On the leaderboard: {state}").format(state=on if visible else off),
            _("🗣 Language: {language}").format(language=LANGUAGE_NAMES.get(language, language)),
        ]
    )


def settings_saved() -> str:
    return _("Saved ✅")


def choose_zone() -> str:
    return _("Pick the time your clock shows now:")


def choose_time() -> str:
    return _("When would you like your daily lesson?")


def choose_language() -> str:
    return _("Choose your language:")


LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}


def type_a_place() -> str:
    return _(
        "Or type your city (<i>Brisbane</i>), time zone (<i>Australia/Brisbane</i>) or"
        " offset (<i>UTC+3</i>)."
    )


def other_zones() -> str:
    return _("Pick the time your clock shows now:") + "\n" + type_a_place()


def what_time_is_it() -> str:
    return _("<b>What time is it for you now?</b>") + "\n" + type_a_place()


def resume_zone() -> str:
    return (
        _("Let's finish setting up first, so your daily lesson comes at the right hour.")
        + "\n\n"
        + what_time_is_it()
    )


def resume_lesson_time() -> str:
    return _("Let's finish setting up first: <b>when would you like your daily lesson?</b>")


def unknown_place(typed: str, suggestion: str | None) -> str:
    """A typed place we do not know, and the city it most likely means (its zone)."""
    text = _("I don't know a time zone called «{typed}».").format(typed=escape(shorten(typed, 100)))
    if suggestion is None:
        return text
    return text + " " + _("Did you mean {city}?").format(city=escape(city_of(suggestion)))


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


ZONES_PER_ROW = 2


TIMES_PER_ROW = 6  # 06:00–23:30 in six rows


@dataclass(frozen=True)
class Picker:
    """Where the zone-and-time picker's buttons lead: onboarding goes on to the lesson time,
    /settings comes back to the settings. Each keeps its own callback data, so buttons
    already in learners' chats keep working."""

    zone: Callable[[int], CallbackData]  # a zone, by index into the zone list
    named: Callable[[str], CallbackData]  # a zone by name (what a mistyped place means)
    more: CallbackData  # from the common zones to the others
    fewer: CallbackData  # from the other zones back to the common ones
    time: Callable[[int], CallbackData]  # a lesson time, in minutes
    leave: CallbackData | None = None  # back to where the picker was opened from


ONBOARDING = Picker(
    zone=lambda index: ZoneCb(index=index),
    named=lambda zone: ZoneNameCb(zone=zone),
    more=MoreZonesCb(),
    fewer=CommonZonesCb(),
    time=lambda minute: LessonTimeCb(minute=minute),
)
SETTINGS = Picker(
    zone=lambda index: SettingsZoneCb(index=index),
    named=lambda zone: SettingsZoneNameCb(zone=zone),
    more=SettingsCb(action=SettingsAction.OTHER_ZONES),
    fewer=SettingsCb(action=SettingsAction.ZONE),
    time=lambda minute: SettingsTimeCb(minute=minute),
    leave=SettingsCb(action=SettingsAction.BACK),
)


def zone_keyboard(
    picker: Picker, choices: list[ZoneChoice], more: bool, suggestion: str | None = None
) -> InlineKeyboardMarkup:
    """The common zones with "Other time" (and the way back, if any), or the other zones
    with Back to the common ones; the zone a mistyped place most likely means, first."""
    builder = InlineKeyboardBuilder()
    if suggestion is not None:
        builder.row(suggestion_button(suggestion, picker.named(suggestion)))
    for choice in choices:
        builder.button(text=choice.label, callback_data=picker.zone(choice.index))
    builder.adjust(ZONES_PER_ROW)
    if not more:
        builder.row(back_button(picker.fewer))
    elif picker.leave is None:
        builder.row(other_time_button(picker.more))
    else:
        builder.row(other_time_button(picker.more), back_button(picker.leave))
    return builder.as_markup()


def suggestion_button(zone: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=f"✅ {city_of(zone)}", callback_data=data.pack())


def suggestion_keyboard(picker: Picker, zone: str) -> InlineKeyboardMarkup:
    """The answer to a mistyped place: the zone it most likely means."""
    button = suggestion_button(zone, picker.named(zone))
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


def other_time_button(data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("🌐 Other time"), callback_data=data.pack())


def back_button(data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("◀️ Back"), callback_data=data.pack())


def time_keyboard(picker: Picker) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for minute in LESSON_TIMES:
        builder.button(text=format_minute(minute), callback_data=picker.time(minute))
    builder.adjust(TIMES_PER_ROW)
    if picker.leave is not None:
        builder.row(back_button(picker.leave))
    return builder.as_markup()


def settings_keyboard(reminders: bool, visible: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🌍 Time zone"), callback_data=SettingsCb(action=SettingsAction.ZONE))
    builder.button(text=_("🕒 Lesson time"), callback_data=SettingsCb(action=SettingsAction.TIME))
    builder.button(
        text=_("🔕 Turn off daily lesson and reminders")
        if reminders
        else _("🔔 Turn on daily lesson and reminders"),
        callback_data=SettingsCb(action=SettingsAction.REMINDERS),
    )
    builder.button(
        text=_("🙈 Hide me from the leaderboard")
        if visible
        else _("🏆 Show me on the leaderboard"),
        callback_data=SettingsCb(action=SettingsAction.BOARD),
    )
    builder.button(text=_("🗣 Language"), callback_data=SettingsCb(action=SettingsAction.LANGUAGE))
    builder.adjust(2, 1, 1, 1)
    return builder.as_markup()


def language_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text="🇬🇧 English", callback_data=LanguageCb(code="en"))
    builder.button(text="🇷🇺 Русский", callback_data=LanguageCb(code="ru"))
    builder.button(text=_("◀️ Back"), callback_data=SettingsCb(action=SettingsAction.BACK))
    builder.adjust(2)
    return builder.as_markup()
