"""/settings: time zone (tapped, or typed as a city or zone name), daily lesson time,
daily lesson and reminders, leaderboard visibility, language."""

from __future__ import annotations

from datetime import datetime

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules import learners
from bot.rules.pushes import reminder_plan
from bot.telegram import texts, texts_motivation, texts_setup
from bot.telegram.callbacks import (
    LanguageCb,
    SettingsAction,
    SettingsCb,
    SettingsTimeCb,
    SettingsZoneCb,
    SettingsZoneNameCb,
)
from bot.telegram.keyboards import (
    button_zone,
    language_keyboard,
    settings_keyboard,
    settings_suggestion_keyboard,
    settings_time_keyboard,
    settings_zone_keyboard,
)
from bot.telegram.reply import show
from bot.telegram.zones import city_of, resolve_zone, suggest_zone, zone_choices
from db.models import User


class SettingsForm(StatesGroup):
    zone = State()  # the zone picker is shown: a typed city or zone name is accepted


def router() -> Router:
    router = Router(name="settings")
    router.message.register(show_settings, Command("settings"))
    router.message.register(zone_typed, SettingsForm.zone, F.text, ~F.text.startswith("/"))
    router.callback_query.register(settings_action, SettingsCb.filter())
    router.callback_query.register(zone_chosen, SettingsZoneCb.filter())
    router.callback_query.register(zone_chosen, SettingsZoneNameCb.filter())
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
    message: Message,
    learner: User,
    i18n: I18n,
    state: FSMContext,
    session: AsyncSession,
    now: datetime,
) -> None:
    await leave_zone_picker(state)
    text, markup = await overview(learner, i18n, session, now)
    await message.answer(text, reply_markup=markup)


async def leave_zone_picker(state: FSMContext) -> None:
    if await state.get_state() == SettingsForm.zone.state:
        await state.clear()


async def settings_action(
    callback: CallbackQuery,
    callback_data: SettingsCb,
    learner: User,
    now: datetime,
    i18n: I18n,
    state: FSMContext,
    session: AsyncSession,
) -> None:
    match callback_data.action:
        case SettingsAction.ZONE | SettingsAction.OTHER_ZONES:
            common = callback_data.action is SettingsAction.ZONE
            choices = zone_choices(now, other=not common, language=learner.language_code)
            await state.set_state(SettingsForm.zone)
            await callback.answer()
            text = texts.choose_zone() + "\n" + texts_setup.type_a_place()
            await show(callback, text, settings_zone_keyboard(choices, more=common))
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
            await leave_zone_picker(state)
            await callback.answer()
    await show(callback, *await overview(learner, i18n, session, now))


async def zone_chosen(
    callback: CallbackQuery,
    callback_data: SettingsZoneCb | SettingsZoneNameCb,
    learner: User,
    now: datetime,
    i18n: I18n,
    state: FSMContext,
    session: AsyncSession,
) -> None:
    zone = button_zone(callback_data)
    if zone is None:
        await callback.answer(texts.stale_button(), show_alert=True)
        return
    learners.set_time_zone(learner, zone, now)
    await leave_zone_picker(state)
    await callback.answer(texts.settings_saved() + " " + city_of(zone))
    await show(callback, *await overview(learner, i18n, session, now))


async def zone_typed(
    message: Message,
    learner: User,
    now: datetime,
    i18n: I18n,
    state: FSMContext,
    session: AsyncSession,
) -> None:
    """A city, zone name or offset typed while the zone picker is shown."""
    assert message.text is not None  # the router's F.text
    zone = resolve_zone(message.text, now)
    if zone is None:
        suggestion = suggest_zone(message.text)
        text = texts_setup.unknown_place(message.text, suggestion)
        markup = settings_suggestion_keyboard(suggestion) if suggestion else None
        await message.answer(text + "\n" + texts_setup.type_a_place(), reply_markup=markup)
        return
    learners.set_time_zone(learner, zone, now)
    await state.clear()
    text, markup = await overview(learner, i18n, session, now)
    await message.answer(
        texts.settings_saved() + " " + city_of(zone) + "\n\n" + text, reply_markup=markup
    )


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
