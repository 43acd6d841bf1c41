"""Callback data factories and the inline keyboards built from them.

Every callback payload stays well under Telegram's 64-byte limit (tests pin it):
prefixes are two letters and fields are small integers.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.rules.course import LessonInfo
from bot.telegram.zones import LESSON_TIMES, ZoneChoice

CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit


class ZoneCb(CallbackData, prefix="tz"):
    index: int  # into bot.telegram.zones.ZONES


class MoreZonesCb(CallbackData, prefix="tm"):
    pass


class LessonTimeCb(CallbackData, prefix="lt"):
    minute: int


class LessonCb(CallbackData, prefix="ls"):
    lesson_id: int
    page: int = 1


class QuizCb(CallbackData, prefix="qz"):
    lesson_id: int


class NextCb(CallbackData, prefix="nx"):
    pass


def zone_keyboard(choices: list[ZoneChoice], more: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for choice in choices:
        builder.button(text=choice.label, callback_data=ZoneCb(index=choice.index))
    builder.adjust(2)
    if more:
        builder.row()
        builder.button(text=_("🌐 Other time"), callback_data=MoreZonesCb())
    return builder.as_markup()


def lesson_time_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for minute in LESSON_TIMES:
        builder.button(
            text=f"{minute // 60:02d}:{minute % 60:02d}", callback_data=LessonTimeCb(minute=minute)
        )
    builder.adjust(3)
    return builder.as_markup()


def start_lesson_keyboard(lesson: LessonInfo) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("▶️ Start: {title}").format(title=lesson.title[:40]),
        callback_data=LessonCb(lesson_id=lesson.id),
    )
    return builder.as_markup()


def continue_keyboard(lesson: LessonInfo) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("▶️ Continue: {title}").format(title=lesson.title[:40]),
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
            text=_("▶️ Next: {title}").format(title=next_lesson.title[:40]),
            callback_data=LessonCb(lesson_id=next_lesson.id),
        )
    builder.adjust(2)
    markup = builder.as_markup()
    return markup if markup.inline_keyboard else None


class BoardCb(CallbackData, prefix="lb"):
    week: bool


class SettingsCb(CallbackData, prefix="st"):
    action: str  # zone | time | reminders | board | lang | back


class LanguageCb(CallbackData, prefix="lg"):
    code: str


class SettingsTimeCb(CallbackData, prefix="sm"):
    minute: int


class SettingsZoneCb(CallbackData, prefix="sz"):
    index: int


def board_keyboard(week: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if week:
        builder.button(text=_("🏆 All time"), callback_data=BoardCb(week=False))
    else:
        builder.button(text=_("📅 This week"), callback_data=BoardCb(week=True))
    return builder.as_markup()


def settings_keyboard(reminders: bool, visible: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🌍 Time zone"), callback_data=SettingsCb(action="zone"))
    builder.button(text=_("🕒 Lesson time"), callback_data=SettingsCb(action="time"))
    builder.button(
        text=_("🔕 Turn reminders off") if reminders else _("🔔 Turn reminders on"),
        callback_data=SettingsCb(action="reminders"),
    )
    builder.button(
        text=_("🙈 Hide me from the leaderboard")
        if visible
        else _("🏆 Show me on the leaderboard"),
        callback_data=SettingsCb(action="board"),
    )
    builder.button(text=_("🗣 Language"), callback_data=SettingsCb(action="lang"))
    builder.adjust(2, 1, 1, 1)
    return builder.as_markup()


def settings_zone_keyboard(choices: list[ZoneChoice]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for choice in choices:
        builder.button(text=choice.label, callback_data=SettingsZoneCb(index=choice.index))
    builder.button(text=_("◀️ Back"), callback_data=SettingsCb(action="back"))
    builder.adjust(3)
    return builder.as_markup()


def settings_time_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for hour in range(6, 24):
        builder.button(text=f"{hour:02d}:00", callback_data=SettingsTimeCb(minute=hour * 60))
    builder.button(text=_("◀️ Back"), callback_data=SettingsCb(action="back"))
    builder.adjust(6)
    return builder.as_markup()


def language_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text="🇬🇧 English", callback_data=LanguageCb(code="en"))
    builder.button(text="🇷🇺 Русский", callback_data=LanguageCb(code="ru"))
    builder.button(text=_("◀️ Back"), callback_data=SettingsCb(action="back"))
    builder.adjust(2)
    return builder.as_markup()


class AdminCb(CallbackData, prefix="ad"):
    """The /admin menu: action is one of stats, broadcast, audit, help."""

    action: str
