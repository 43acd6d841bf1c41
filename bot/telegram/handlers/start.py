"""/start and onboarding: time zone, daily lesson time, first lesson: three taps.

Until onboarding is done, every message (a command, /learn, free text) asks the pending
step again, so nobody is left without a daily lesson time. The zone may also be typed,
as a city or an IANA name.
"""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules import learners
from bot.rules.assignments.waiting import REVIEWS_DEEP_LINK
from bot.rules.cohorts.membership import JOIN_PREFIX
from bot.rules.course import Catalogue, CourseMap
from bot.rules.learning.journeys import make_current
from bot.rules.learning.lessons import LessonOpened, open_lesson
from bot.rules.learning.unlocks import learner_next_step
from bot.telegram.callbacks import CommonZonesCb, LessonTimeCb, MoreZonesCb, ZoneCb, ZoneNameCb
from bot.telegram.filters import Onboarding
from bot.telegram.handlers.assignments import reviews
from bot.telegram.handlers.certificates import VERIFY_DEEP_LINK, answer_verification
from bot.telegram.handlers.cohorts import offer_to_join
from bot.telegram.handlers.courses import COURSE_DEEP_LINK, catalogue_screen, show_course_by_slug
from bot.telegram.handlers.placement import choice_screen
from bot.telegram.lessons import send_lesson
from bot.telegram.picker import time_picked, zone_picked
from bot.telegram.reply import show
from bot.telegram.views import learning, settings
from bot.telegram.views.learning import continue_keyboard, start_lesson_keyboard
from bot.telegram.views.settings import ONBOARDING, time_keyboard, zone_keyboard
from bot.telegram.zones import city_of, resolve_zone, suggest_zone, zone_choices
from db.models import User

DEFAULT_ZONE = "UTC"  # the zone of a learner who has not chosen one
ALWAYS_AVAILABLE = ("help", "privacy", "export", "deleteme")  # even before onboarding is done


class OnboardingStep(StatesGroup):
    lesson_time = State()  # the zone is chosen, the lesson time is not


def router() -> Router:
    router = Router(name="start")
    router.message.register(
        reviews, CommandStart(deep_link=True, magic=F.args == REVIEWS_DEEP_LINK)
    )
    router.message.register(start, CommandStart())
    router.callback_query.register(more_zones, MoreZonesCb.filter())
    router.callback_query.register(common_zones, CommonZonesCb.filter())
    router.callback_query.register(zone_chosen, ZoneCb.filter())
    router.callback_query.register(zone_chosen, ZoneNameCb.filter())
    router.callback_query.register(lesson_time_chosen, LessonTimeCb.filter(F.minute >= 0))
    # Last, and this router comes before the other learner routers: anything else a
    # learner sends before onboarding is done resumes it. Help and a learner's own data
    # (what is kept, a copy, erasure) stay available at any time.
    router.message.register(resume_onboarding, Onboarding(), ~Command(*ALWAYS_AVAILABLE))
    return router


def common_zone_keyboard(
    learner: User, now: datetime, suggestion: str | None = None
) -> InlineKeyboardMarkup:
    choices = zone_choices(now, other=False, language=learner.language_code)
    return zone_keyboard(ONBOARDING, choices, more=True, suggestion=suggestion)


async def start(
    message: Message,
    command: CommandObject,
    learner: User,
    session: AsyncSession,
    now: datetime,
    course: CourseMap,
    catalogue: Catalogue,
    bot: Bot,
) -> None:
    learners.unblock(learner, now)
    if command.args and command.args.startswith(VERIFY_DEEP_LINK):
        await answer_verification(message, session, command.args.removeprefix(VERIFY_DEEP_LINK))
        return
    if command.args and command.args.startswith(JOIN_PREFIX):
        code = command.args.removeprefix(JOIN_PREFIX)
        await offer_to_join(message, session, learner, catalogue, code)
        if learner.onboarded_at is not None:
            return  # a new learner is asked to join, then onboarded as usual
    if learner.onboarded_at is None:
        text = settings.welcome_new(learner.first_name) + "\n" + settings.type_a_place()
        await message.answer(text, reply_markup=common_zone_keyboard(learner, now))
        return
    if command.args and command.args.startswith(COURSE_DEEP_LINK):
        slug = command.args.removeprefix(COURSE_DEEP_LINK).strip()
        await show_course_by_slug(message, session, catalogue, learner, slug)
        return
    if command.args:
        deep = catalogue.lesson_by_slug(command.args.strip())
        owner = catalogue.course_of_lesson(deep.id) if deep is not None else None
        if deep is not None and owner is not None:
            opened = await open_lesson(session, owner, learner, deep.id, now)
            if isinstance(opened, LessonOpened):
                await send_lesson(bot, message.chat.id, owner, opened.lesson)
                return
    if not course.lessons:
        text, markup = await catalogue_screen(session, catalogue, learner)
        await message.answer(text, reply_markup=markup)
        return
    step = await learner_next_step(session, course, learner, now)
    markup = continue_keyboard(step.lesson) if step.lesson else None
    await message.answer(learning.welcome_back(learner.first_name, step), reply_markup=markup)


async def more_zones(callback: CallbackQuery, now: datetime) -> None:
    await callback.answer()
    choices = zone_choices(now, other=True)
    await show(callback, settings.other_zones(), zone_keyboard(ONBOARDING, choices, more=False))


async def common_zones(callback: CallbackQuery, learner: User, now: datetime) -> None:
    await callback.answer()
    await show(callback, settings.what_time_is_it(), common_zone_keyboard(learner, now))


async def zone_chosen(
    callback: CallbackQuery,
    callback_data: ZoneCb | ZoneNameCb,
    learner: User,
    now: datetime,
    state: FSMContext,
) -> None:
    zone = await zone_picked(callback, callback_data, learner, now)
    if zone is None:
        return
    await state.set_state(OnboardingStep.lesson_time)
    await callback.answer()
    await show(callback, settings.ask_lesson_time(city_of(zone)), time_keyboard(ONBOARDING))


async def lesson_time_chosen(
    callback: CallbackQuery,
    callback_data: LessonTimeCb,
    learner: User,
    session: AsyncSession,
    now: datetime,
    course: CourseMap,
    catalogue: Catalogue,
    state: FSMContext,
) -> None:
    if not await time_picked(callback, callback_data.minute, learner, now):
        return
    learners.finish_onboarding(learner, now)
    if await state.get_state() == OnboardingStep.lesson_time.state:
        await state.clear()
    await callback.answer()
    if not course.lessons and len(catalogue.courses) > 1:  # a school: the learner picks
        text, markup = await catalogue_screen(session, catalogue, learner)
        done = settings.onboarding_done(learner.lesson_minute, None)
        await show(callback, done + "\n\n" + text, markup)
        return
    if course.lessons and learner.current_course_id is None:
        await make_current(session, learner, course.id, now)
    done = settings.onboarding_done(learner.lesson_minute, None)
    choice = await choice_screen(session, learner, course, done)
    if choice is not None:  # the course's placement check, or from the beginning
        await show(callback, *choice)
        return
    step = await learner_next_step(session, course, learner, now)
    markup = start_lesson_keyboard(step.lesson) if step.lesson else None
    await show(callback, settings.onboarding_done(learner.lesson_minute, step.lesson), markup)


async def resume_onboarding(
    message: Message, learner: User, state: FSMContext, now: datetime
) -> None:
    """Ask the pending onboarding step again; a typed city or zone name answers the first.

    The zone step is done when the conversation says so or the zone is no longer the
    default; a learner who picked UTC and whose conversation state was lost (a restart
    with in-memory storage) is simply asked for the zone once more.
    """
    zone_chosen = (
        await state.get_state() == OnboardingStep.lesson_time.state
        or learner.time_zone != DEFAULT_ZONE
    )
    if zone_chosen:
        await message.answer(settings.resume_lesson_time(), reply_markup=time_keyboard(ONBOARDING))
        return
    typed = message.text if message.text and not message.text.startswith("/") else None
    zone = resolve_zone(typed, now) if typed else None
    if zone is None:
        text = settings.resume_zone()
        suggestion = suggest_zone(typed) if typed else None
        if typed:
            text = settings.unknown_place(typed, suggestion) + "\n\n" + text
        markup = common_zone_keyboard(learner, now, suggestion)
        await message.answer(text, reply_markup=markup)
        return
    learners.set_time_zone(learner, zone, now)
    await state.set_state(OnboardingStep.lesson_time)
    await message.answer(
        settings.ask_lesson_time(city_of(zone)), reply_markup=time_keyboard(ONBOARDING)
    )
