"""/settings: time zone, daily lesson time, reminders, leaderboard visibility, language."""

from __future__ import annotations

from datetime import datetime

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules import learners
from bot.rules.pushes import reminder_plan
from bot.telegram import texts, texts_motivation
from bot.telegram.callbacks import (
    LanguageCb,
    SettingsAction,
    SettingsCb,
    SettingsTimeCb,
    SettingsZoneCb,
)
from bot.telegram.keyboards import (
    language_keyboard,
    settings_keyboard,
    settings_time_keyboard,
    settings_zone_keyboard,
)
from bot.telegram.reply import show
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


async def overview(
    learner: User, i18n: I18n, session: AsyncSession, now: datetime
) -> tuple[str, InlineKeyboardMarkup]:
    text = texts.settings_text(
        learner.time_zone,
        learner.lesson_minute,
        learner.reminders_enabled,
        learner.show_on_leaderboard,
        i18n.current_locale,
    )
    plan = await reminder_plan(session, learner, now)
    text = "\n".join([text, *texts_motivation.reminder_lines(plan)])
    return text, settings_keyboard(learner.reminders_enabled, learner.show_on_leaderboard)


async def show_settings(
    message: Message, learner: User, i18n: I18n, session: AsyncSession, now: datetime
) -> None:
    text, markup = await overview(learner, i18n, session, now)
    await message.answer(text, reply_markup=markup)


async def settings_action(
    callback: CallbackQuery,
    callback_data: SettingsCb,
    learner: User,
    now: datetime,
    i18n: I18n,
    session: AsyncSession,
) -> None:
    match callback_data.action:
        case SettingsAction.ZONE:
            choices = zone_choices(now, other=False) + zone_choices(now, other=True)
            await callback.answer()
            await show(callback, texts.choose_zone(), settings_zone_keyboard(choices))
            return
        case SettingsAction.TIME:
            await callback.answer()
            await show(callback, texts.choose_time(), settings_time_keyboard())
            return
        case SettingsAction.LANGUAGE:
            await callback.answer()
            await show(callback, texts.choose_language(), language_keyboard())
            return
        case SettingsAction.REMINDERS:
            learners.set_reminders(learner, not learner.reminders_enabled, now)
            await callback.answer(texts.settings_saved())
        case SettingsAction.BOARD:
            learners.set_leaderboard_visibility(learner, not learner.show_on_leaderboard, now)
            await callback.answer(texts.settings_saved())
        case SettingsAction.BACK:
            await callback.answer()
    await show(callback, *await overview(learner, i18n, session, now))


async def zone_chosen(
    callback: CallbackQuery,
    callback_data: SettingsZoneCb,
    learner: User,
    now: datetime,
    i18n: I18n,
    session: AsyncSession,
) -> None:
    zone = zone_by_index(callback_data.index)
    if zone is None:
        await callback.answer(texts.stale_button(), show_alert=True)
        return
    learners.set_time_zone(learner, zone, now)
    await callback.answer(texts.settings_saved() + " " + ZONES[callback_data.index][1])
    await show(callback, *await overview(learner, i18n, session, now))


async def time_chosen(
    callback: CallbackQuery,
    callback_data: SettingsTimeCb,
    learner: User,
    now: datetime,
    i18n: I18n,
    session: AsyncSession,
) -> None:
    try:
        learners.set_lesson_time(learner, callback_data.minute, now)
    except ValueError:
        await callback.answer(texts.stale_button(), show_alert=True)
        return
    await callback.answer(texts.settings_saved())
    await show(callback, *await overview(learner, i18n, session, now))


async def language_chosen(
    callback: CallbackQuery,
    callback_data: LanguageCb,
    learner: User,
    now: datetime,
    i18n: I18n,
    session: AsyncSession,
) -> None:
    try:
        learners.set_language(learner, callback_data.code, now)
    except ValueError:
        await callback.answer(texts.stale_button(), show_alert=True)
        return
    # The rest of this update speaks the new language.
    i18n.current_locale = callback_data.code
    await callback.answer(texts.settings_saved())
    await show(callback, *await overview(learner, i18n, session, now))
