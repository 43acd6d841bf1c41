"""/settings: time zone, daily lesson time, reminders, leaderboard visibility, language."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InaccessibleMessage, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n

from bot.rules import learners
from bot.rules.clock import Clock
from bot.telegram import texts
from bot.telegram.keyboards import (
    LanguageCb,
    SettingsCb,
    SettingsTimeCb,
    SettingsZoneCb,
    language_keyboard,
    settings_keyboard,
    settings_time_keyboard,
    settings_zone_keyboard,
)
from bot.telegram.zones import ZONES, zone_by_index, zone_choices
from db.models import User


def router() -> Router:
    router = Router(name="settings")
    router.message.register(show_settings, Command("settings"))
    router.callback_query.register(settings_action, SettingsCb.filter())
    router.callback_query.register(zone_chosen, SettingsZoneCb.filter())
    router.callback_query.register(time_chosen, SettingsTimeCb.filter())
    router.callback_query.register(language_chosen, LanguageCb.filter())
    return router


def overview(learner: User, i18n: I18n) -> tuple[str, InlineKeyboardMarkup]:
    text = texts.settings_text(
        learner.time_zone,
        learner.lesson_minute,
        learner.reminders_enabled,
        learner.show_on_leaderboard,
        i18n.current_locale,
    )
    return text, settings_keyboard(learner.reminders_enabled, learner.show_on_leaderboard)


async def show_settings(message: Message, learner: User, i18n: I18n) -> None:
    text, markup = overview(learner, i18n)
    await message.answer(text, reply_markup=markup)


async def edit(callback: CallbackQuery, text: str, markup: InlineKeyboardMarkup) -> None:
    message = callback.message
    if message is None or isinstance(message, InaccessibleMessage):
        await callback.answer(text[:200], show_alert=True)
        return
    await message.edit_text(text, reply_markup=markup)


async def settings_action(
    callback: CallbackQuery, callback_data: SettingsCb, learner: User, clock: Clock, i18n: I18n
) -> None:
    action = callback_data.action
    if action == "zone":
        choices = zone_choices(clock.now(), other=False) + zone_choices(clock.now(), other=True)
        await callback.answer()
        await edit(callback, texts.choose_zone(), settings_zone_keyboard(choices))
        return
    if action == "time":
        await callback.answer()
        await edit(callback, texts.choose_time(), settings_time_keyboard())
        return
    if action == "lang":
        await callback.answer()
        await edit(callback, texts.choose_language(), language_keyboard())
        return
    if action == "reminders":
        learners.set_reminders(learner, not learner.reminders_enabled, clock.now())
    elif action == "board":
        learners.set_leaderboard_visibility(learner, not learner.show_on_leaderboard, clock.now())
    elif action != "back":
        await callback.answer(texts.stale_button(), show_alert=True)
        return
    await callback.answer(texts.settings_saved() if action != "back" else None)
    await edit(callback, *overview(learner, i18n))


async def zone_chosen(
    callback: CallbackQuery, callback_data: SettingsZoneCb, learner: User, clock: Clock, i18n: I18n
) -> None:
    zone = zone_by_index(callback_data.index)
    if zone is None:
        await callback.answer(texts.stale_button(), show_alert=True)
        return
    learners.set_time_zone(learner, zone, clock.now())
    await callback.answer(texts.settings_saved() + " " + ZONES[callback_data.index][1])
    await edit(callback, *overview(learner, i18n))


async def time_chosen(
    callback: CallbackQuery, callback_data: SettingsTimeCb, learner: User, clock: Clock, i18n: I18n
) -> None:
    try:
        learners.set_lesson_time(learner, callback_data.minute, clock.now())
    except ValueError:
        await callback.answer(texts.stale_button(), show_alert=True)
        return
    await callback.answer(texts.settings_saved())
    await edit(callback, *overview(learner, i18n))


async def language_chosen(
    callback: CallbackQuery, callback_data: LanguageCb, learner: User, clock: Clock, i18n: I18n
) -> None:
    try:
        learners.set_language(learner, callback_data.code, clock.now())
    except ValueError:
        await callback.answer(texts.stale_button(), show_alert=True)
        return
    # The rest of this update speaks the new language.
    i18n.current_locale = callback_data.code
    await callback.answer(texts.settings_saved())
    await edit(callback, *overview(learner, i18n))
