"""/courses and a course's card (Start / Continue / Make current), /pause and /resume."""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.course import Catalogue, CourseMap
from bot.rules.learning.journeys import (
    CourseState,
    StartRefused,
    catalogue_standings,
    done_lessons,
    learner_journeys,
    standing,
    start_course,
)
from bot.rules.learning.pause import PauseRefused, end_pause, pause_of, start_pause
from bot.rules.learning.unlocks import learner_next_step
from bot.telegram.callbacks import CourseAction, CourseCb, PauseCb
from bot.telegram.handlers.placement import check_button_for, choice_screen
from bot.telegram.reply import show
from bot.telegram.views import courses as view
from bot.telegram.views.learning import next_step_text, start_lesson_keyboard
from db.models import User

COURSE_DEEP_LINK = "course-"  # t.me/<bot>?start=course-<slug> opens the course's card


def router() -> Router:
    router = Router(name="courses")
    router.message.register(list_courses, Command("courses"))
    router.callback_query.register(
        course_list_pressed, CourseCb.filter(F.action == CourseAction.LIST)
    )
    router.callback_query.register(
        course_card_pressed, CourseCb.filter(F.action == CourseAction.OPEN)
    )
    router.callback_query.register(
        course_start_pressed, CourseCb.filter(F.action == CourseAction.START)
    )
    router.message.register(offer_pause, Command("pause"))
    router.callback_query.register(pause_chosen, PauseCb.filter())
    router.message.register(resume, Command("resume"))
    return router


async def catalogue_screen(
    session: AsyncSession, catalogue: Catalogue, learner: User
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The catalogue's text and keyboard; a current course that is unpublished is named."""
    standings = await catalogue_standings(session, catalogue, learner)
    unavailable = (
        catalogue.unpublished.get(learner.current_course_id)
        if learner.current_course_id is not None
        else None
    )
    return view.catalogue_text(standings, unavailable), view.catalogue_keyboard(standings)


async def offer_catalogue(
    bot: Bot, chat_id: int, session: AsyncSession, catalogue: Catalogue, learner: User
) -> None:
    """No current course to follow (none chosen yet, or it was unpublished): the catalogue."""
    text, markup = await catalogue_screen(session, catalogue, learner)
    await bot.send_message(chat_id, text, reply_markup=markup)


async def list_courses(
    message: Message, learner: User, session: AsyncSession, catalogue: Catalogue
) -> None:
    text, markup = await catalogue_screen(session, catalogue, learner)
    await message.answer(text, reply_markup=markup)


async def course_list_pressed(
    callback: CallbackQuery, learner: User, session: AsyncSession, catalogue: Catalogue
) -> None:
    await callback.answer()
    text, markup = await catalogue_screen(session, catalogue, learner)
    await show(callback, text, markup)


async def card_of(
    session: AsyncSession, catalogue: Catalogue, learner: User, course: CourseMap
) -> tuple[str, InlineKeyboardMarkup | None]:
    journeys = await learner_journeys(session, learner.id)
    done = await done_lessons(session, learner.id)
    item = standing(catalogue, course, learner, journeys, done)
    requires = [c for c in (catalogue.get(i) for i in course.requires) if c is not None]
    markup = view.card_keyboard(item)
    if item.state is CourseState.CURRENT:  # the placement check, until a lesson is done
        check = await check_button_for(session, learner, course, done)
        if check is not None:
            markup.inline_keyboard.insert(1, [check])
    return view.course_card(item, requires), markup


async def course_card_pressed(
    callback: CallbackQuery,
    callback_data: CourseCb,
    learner: User,
    session: AsyncSession,
    catalogue: Catalogue,
) -> None:
    course = catalogue.get(callback_data.course_id)
    if course is None:
        await callback.answer(view.unknown_course(), show_alert=True)
        return
    await callback.answer()
    text, markup = await card_of(session, catalogue, learner, course)
    await show(callback, text, markup)


async def course_start_pressed(
    callback: CallbackQuery,
    callback_data: CourseCb,
    learner: User,
    session: AsyncSession,
    now: datetime,
    catalogue: Catalogue,
    bot: Bot,
) -> None:
    started = await start_course(session, catalogue, learner, callback_data.course_id, now)
    if isinstance(started, StartRefused):
        await callback.answer(view.start_refused(started), show_alert=True)
        return
    await callback.answer()
    intro = view.now_current(started.course, started.first_time)
    choice = await choice_screen(session, learner, started.course, intro)
    if choice is not None:  # the placement check, or from the beginning
        await bot.send_message(learner.telegram_id, choice[0], reply_markup=choice[1])
        return
    step = await learner_next_step(session, started.course, learner, now)
    text = intro + "\n\n" + next_step_text(step)
    markup = start_lesson_keyboard(step.lesson) if step.lesson else None
    await bot.send_message(learner.telegram_id, text, reply_markup=markup)


async def show_course_by_slug(
    message: Message, session: AsyncSession, catalogue: Catalogue, learner: User, slug: str
) -> None:
    """The deep link ``?start=course-<slug>``: the course's card, or why there is none."""
    course = catalogue.by_slug(slug)
    if course is None:
        text, markup = await catalogue_screen(session, catalogue, learner)
        await message.answer(view.unknown_course() + "\n\n" + text, reply_markup=markup)
        return
    text, markup = await card_of(session, catalogue, learner, course)
    await message.answer(text, reply_markup=markup)


# --------------------------------------------------------------------------- the pause


async def offer_pause(message: Message, learner: User, now: datetime) -> None:
    held = pause_of(learner, now)
    if held is not None:
        await message.answer(view.already_paused(held))
        return
    await message.answer(view.pause_offer(), reply_markup=view.pause_keyboard())


async def pause_chosen(
    callback: CallbackQuery,
    callback_data: PauseCb,
    learner: User,
    session: AsyncSession,
    now: datetime,
) -> None:
    await callback.answer()
    outcome = await start_pause(session, learner, callback_data.days, now)
    if isinstance(outcome, PauseRefused):
        assert outcome.pause is not None
        await show(callback, view.already_paused(outcome.pause))
        return
    await show(callback, view.paused(outcome))


async def resume(message: Message, learner: User, session: AsyncSession, now: datetime) -> None:
    ended = await end_pause(session, learner, now)
    await message.answer(view.resumed() if ended is not None else view.not_paused())
