"""/start and onboarding: time zone, daily lesson time, first lesson: three taps."""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import CallbackQuery, InaccessibleMessage, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules import learners
from bot.rules.course import CourseMap
from bot.rules.learning import LessonOpened, learner_next_step, open_lesson
from bot.telegram import texts
from bot.telegram.callbacks import LessonTimeCb, MoreZonesCb, ZoneCb
from bot.telegram.handlers.certificates import VERIFY_DEEP_LINK, answer_verification
from bot.telegram.keyboards import (
    continue_keyboard,
    lesson_time_keyboard,
    start_lesson_keyboard,
    zone_keyboard,
)
from bot.telegram.lessons import send_lesson
from bot.telegram.zones import ZONES, zone_by_index, zone_choices
from db.models import User


def router() -> Router:
    router = Router(name="start")
    router.message.register(start, CommandStart())
    router.callback_query.register(more_zones, MoreZonesCb.filter())
    router.callback_query.register(zone_chosen, ZoneCb.filter())
    router.callback_query.register(lesson_time_chosen, LessonTimeCb.filter(F.minute >= 0))
    return router


async def start(
    message: Message,
    command: CommandObject,
    learner: User,
    session: AsyncSession,
    now: datetime,
    course: CourseMap,
    bot: Bot,
) -> None:
    learners.unblock(learner, now)
    if command.args and command.args.startswith(VERIFY_DEEP_LINK):
        await answer_verification(message, session, command.args.removeprefix(VERIFY_DEEP_LINK))
        return
    if learner.onboarded_at is None:
        choices = zone_choices(now, other=False, language=learner.language_code)
        await message.answer(
            texts.welcome_new(learner.first_name), reply_markup=zone_keyboard(choices, more=True)
        )
        return
    if command.args:
        deep = course.by_slug.get(command.args.strip())
        if deep is not None:
            opened = await open_lesson(session, course, learner, deep.id, now)
            if isinstance(opened, LessonOpened):
                await send_lesson(bot, message.chat.id, course, opened.lesson)
                return
    step = await learner_next_step(session, course, learner, now)
    markup = continue_keyboard(step.lesson) if step.lesson else None
    await message.answer(texts.welcome_back(learner.first_name, step), reply_markup=markup)


async def more_zones(callback: CallbackQuery, now: datetime) -> None:
    await callback.answer()
    if callback.message is None or isinstance(callback.message, InaccessibleMessage):
        return
    choices = zone_choices(now, other=True)
    await callback.message.edit_text(
        texts.other_zones(), reply_markup=zone_keyboard(choices, False)
    )


async def zone_chosen(
    callback: CallbackQuery, callback_data: ZoneCb, learner: User, now: datetime
) -> None:
    zone = zone_by_index(callback_data.index)
    if zone is None:
        await callback.answer(texts.stale_button(), show_alert=True)
        return
    learners.set_time_zone(learner, zone, now)
    await callback.answer()
    label = ZONES[callback_data.index][1]
    if callback.message is not None and not isinstance(callback.message, InaccessibleMessage):
        await callback.message.edit_text(
            texts.ask_lesson_time(label), reply_markup=lesson_time_keyboard()
        )


async def lesson_time_chosen(
    callback: CallbackQuery,
    callback_data: LessonTimeCb,
    learner: User,
    session: AsyncSession,
    now: datetime,
    course: CourseMap,
) -> None:
    try:
        learners.set_lesson_time(learner, callback_data.minute, now)
    except ValueError:
        await callback.answer(texts.stale_button(), show_alert=True)
        return
    learners.finish_onboarding(learner, now)
    await callback.answer()
    step = await learner_next_step(session, course, learner, now)
    markup = start_lesson_keyboard(step.lesson) if step.lesson else None
    if callback.message is not None and not isinstance(callback.message, InaccessibleMessage):
        await callback.message.edit_text(
            texts.onboarding_done(learner.lesson_minute, step.lesson), reply_markup=markup
        )
