"""The inline keyboards learners see (their callback data lives in bot.telegram.callbacks)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.rules.course import LessonInfo
from bot.rules.learners import is_valid_zone
from bot.rules.shorten import shorten
from bot.telegram.callbacks import (
    CommonZonesCb,
    LanguageCb,
    LessonCb,
    LessonTimeCb,
    MoreZonesCb,
    QuizCb,
    ReviewCb,
    SettingsAction,
    SettingsCb,
    SettingsTimeCb,
    SettingsZoneCb,
    SettingsZoneNameCb,
    ZoneCb,
    ZoneNameCb,
)
from bot.telegram.zones import LESSON_TIMES, ZoneChoice, city_of, format_minute, zone_by_index

ZONES_PER_ROW = 2
TIMES_PER_ROW = 6  # 06:00–23:30 in six rows
TITLE_IN_BUTTON = 40  # characters of a lesson title on a button; a phone shows about this


def button_title(lesson: LessonInfo) -> str:
    return shorten(lesson.title, TITLE_IN_BUTTON)


def zone_keyboard(
    choices: list[ZoneChoice], more: bool, suggestion: str | None = None
) -> InlineKeyboardMarkup:
    """Onboarding's zones: the common ones with "Other time", or the others with Back;
    the zone a mistyped place most likely means, first."""
    builder = InlineKeyboardBuilder()
    if suggestion is not None:
        builder.row(suggestion_button(suggestion, ZoneNameCb(zone=suggestion)))
    for choice in choices:
        builder.button(text=choice.label, callback_data=ZoneCb(index=choice.index))
    builder.adjust(ZONES_PER_ROW)
    if more:
        builder.row(other_time_button(MoreZonesCb()))
    else:
        builder.row(back_button(CommonZonesCb()))
    return builder.as_markup()


def suggestion_button(zone: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=f"✅ {city_of(zone)}", callback_data=data.pack())


def settings_suggestion_keyboard(zone: str) -> InlineKeyboardMarkup:
    """/settings' answer to a mistyped place: the zone it most likely means."""
    button = suggestion_button(zone, SettingsZoneNameCb(zone=zone))
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


ZoneButton = ZoneCb | SettingsZoneCb | ZoneNameCb | SettingsZoneNameCb


def button_zone(data: ZoneButton) -> str | None:
    """The zone a zone button stands for; None for a stale or forged one."""
    if isinstance(data, ZoneCb | SettingsZoneCb):
        return zone_by_index(data.index)
    return data.zone if is_valid_zone(data.zone) else None


def other_time_button(data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("🌐 Other time"), callback_data=data.pack())


def back_button(data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("◀️ Back"), callback_data=data.pack())


def lesson_time_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for minute in LESSON_TIMES:
        builder.button(text=format_minute(minute), callback_data=LessonTimeCb(minute=minute))
    builder.adjust(TIMES_PER_ROW)
    return builder.as_markup()


def start_lesson_keyboard(lesson: LessonInfo) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("▶️ Start: {title}").format(title=button_title(lesson)),
        callback_data=LessonCb(lesson_id=lesson.id),
    )
    return builder.as_markup()


def review_button(builder: InlineKeyboardBuilder, due: int) -> None:
    builder.button(text=_("🔁 Review ({count})").format(count=due), callback_data=ReviewCb())


def daily_push_keyboard(lesson: LessonInfo | None, due: int) -> InlineKeyboardMarkup:
    """The daily push's buttons: the next lesson, and the due reviews when there are any."""
    builder = InlineKeyboardBuilder()
    if lesson is not None:
        builder.button(
            text=_("▶️ Start: {title}").format(title=button_title(lesson)),
            callback_data=LessonCb(lesson_id=lesson.id),
        )
    if due:
        review_button(builder, due)
    builder.adjust(1)
    return builder.as_markup()


def continue_keyboard(lesson: LessonInfo) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("▶️ Continue: {title}").format(title=button_title(lesson)),
        callback_data=LessonCb(lesson_id=lesson.id),
    )
    return builder.as_markup()


def lesson_page_keyboard(lesson: LessonInfo, page: int, pages: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if page > 1:
        builder.button(text=_("◀️ Back"), callback_data=LessonCb(lesson_id=lesson.id, page=page - 1))
    if page < pages:
        builder.button(
            text=_("Next ▶️ {page}/{pages}").format(page=page + 1, pages=pages),
            callback_data=LessonCb(lesson_id=lesson.id, page=page + 1),
        )
    else:
        builder.button(
            text=_("📝 Take the quiz ({count} questions)").format(count=len(lesson.questions))
            if lesson.questions
            else _("✅ Mark as done"),
            callback_data=QuizCb(lesson_id=lesson.id),
        )
    return builder.as_markup()


def after_quiz_keyboard(
    lesson: LessonInfo, passed: bool, next_lesson: LessonInfo | None
) -> InlineKeyboardMarkup | None:
    builder = InlineKeyboardBuilder()
    if not passed:
        builder.button(text=_("🔁 Try again"), callback_data=QuizCb(lesson_id=lesson.id))
        builder.button(text=_("📖 Re-read"), callback_data=LessonCb(lesson_id=lesson.id))
    elif next_lesson is not None:
        builder.button(
            text=_("▶️ Next: {title}").format(title=button_title(next_lesson)),
            callback_data=LessonCb(lesson_id=next_lesson.id),
        )
    builder.adjust(2)
    markup = builder.as_markup()
    return markup if markup.inline_keyboard else None


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


def settings_zone_keyboard(choices: list[ZoneChoice], more: bool) -> InlineKeyboardMarkup:
    """/settings' zones: the common ones with "Other time" and Back to the settings,
    or the others with Back to the common ones."""
    builder = InlineKeyboardBuilder()
    for choice in choices:
        builder.button(text=choice.label, callback_data=SettingsZoneCb(index=choice.index))
    builder.adjust(ZONES_PER_ROW)
    if more:
        builder.row(
            other_time_button(SettingsCb(action=SettingsAction.OTHER_ZONES)),
            back_button(SettingsCb(action=SettingsAction.BACK)),
        )
    else:
        builder.row(back_button(SettingsCb(action=SettingsAction.ZONE)))
    return builder.as_markup()


def settings_time_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for minute in LESSON_TIMES:
        builder.button(text=format_minute(minute), callback_data=SettingsTimeCb(minute=minute))
    builder.adjust(TIMES_PER_ROW)
    builder.row(back_button(SettingsCb(action=SettingsAction.BACK)))
    return builder.as_markup()


def language_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text="🇬🇧 English", callback_data=LanguageCb(code="en"))
    builder.button(text="🇷🇺 Русский", callback_data=LanguageCb(code="ru"))
    builder.button(text=_("◀️ Back"), callback_data=SettingsCb(action=SettingsAction.BACK))
    builder.adjust(2)
    return builder.as_markup()
