"""The placement check: the choice when a course starts, the check as quiz polls, its result.

Poll answers reach this router after the quiz and review routers passed them on: it looks
the poll up among placement checks' and ignores any other."""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, PollAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.course import Catalogue, CourseMap
from bot.rules.placement.checks import (
    PlacementRefused,
    PlacementTurn,
    answer_placement_poll,
    record_placement_poll,
    start_check,
    start_from_the_beginning,
)
from bot.rules.placement.draw import learner_offer
from bot.rules.placement.results import PlacementResult
from bot.telegram.callbacks import PlacementAction, PlacementCb
from bot.telegram.handlers.certificates import send_certificate
from bot.telegram.polls import send_quiz_poll
from bot.telegram.views import common, learning, placement
from bot.telegram.views.learning import start_lesson_keyboard
from db.models import User


def router() -> Router:
    router = Router(name="placement")
    router.callback_query.register(
        check_pressed, PlacementCb.filter(F.action == PlacementAction.CHECK)
    )
    router.callback_query.register(
        beginning_pressed, PlacementCb.filter(F.action == PlacementAction.BEGINNING)
    )
    router.poll_answer.register(placement_answered)
    return router


async def check_button_for(
    session: AsyncSession, learner: User, course: CourseMap, done: set[int]
) -> InlineKeyboardButton | None:
    """The course card's button for the check on offer (`done`: the lessons done), if any."""
    offer = await learner_offer(session, course, learner, done)
    return placement.check_button(offer) if offer is not None else None


async def choice_screen(
    session: AsyncSession, learner: User, course: CourseMap, intro: str
) -> tuple[str, InlineKeyboardMarkup] | None:
    """When the course offers the learner a check: `intro`, then the choice (check, or from
    the beginning); None when there is none to offer."""
    offer = await learner_offer(session, course, learner)
    if offer is None:
        return None
    return intro + "\n\n" + placement.choice_text(offer), placement.choice_keyboard(offer)


async def check_pressed(
    callback: CallbackQuery,
    callback_data: PlacementCb,
    learner: User,
    session: AsyncSession,
    now: datetime,
    catalogue: Catalogue,
    bot: Bot,
) -> None:
    outcome = await start_check(session, catalogue, learner, callback_data.course_id, now)
    match outcome:
        case PlacementRefused():
            await callback.answer(placement.refused(outcome), show_alert=True)
        case PlacementTurn():
            await callback.answer()
            await bot.send_message(
                learner.telegram_id,
                placement.check_intro(outcome),
                reply_markup=placement.intro_keyboard(callback_data.course_id),
            )
            await ask(bot, session, learner, outcome, now)
        case PlacementResult():
            await callback.answer()
            await send_result(bot, learner, outcome)


async def beginning_pressed(
    callback: CallbackQuery,
    callback_data: PlacementCb,
    learner: User,
    session: AsyncSession,
    now: datetime,
    catalogue: Catalogue,
    bot: Bot,
) -> None:
    step = await start_from_the_beginning(session, catalogue, learner, callback_data.course_id, now)
    if step is None:
        await callback.answer(common.stale_button(), show_alert=True)
        return
    await callback.answer()
    text = placement.from_the_beginning() + "\n\n" + learning.next_step_text(step)
    markup = start_lesson_keyboard(step.lesson) if step.lesson else None
    await bot.send_message(learner.telegram_id, text, reply_markup=markup)


async def placement_answered(
    poll_answer: PollAnswer,
    learner: User,
    session: AsyncSession,
    now: datetime,
    catalogue: Catalogue,
    bot: Bot,
) -> None:
    """A placement poll's answer: the next question or the result. Any other poll answer
    that reached here (an old poll, a removed question's) is deliberately ignored."""
    outcome = await answer_placement_poll(
        session, catalogue, learner, poll_answer.poll_id, poll_answer.option_ids, now
    )
    if outcome.turn is not None:
        await ask(bot, session, learner, outcome.turn, now)
    elif outcome.result is not None:
        await send_result(bot, learner, outcome.result)


async def ask(
    bot: Bot, session: AsyncSession, learner: User, turn: PlacementTurn, now: datetime
) -> None:
    counter = placement.poll_counter(turn)
    poll_id = await send_quiz_poll(
        bot, learner.telegram_id, turn.question, turn.order, counter=counter
    )
    await record_placement_poll(session, turn, poll_id, now)


async def send_result(bot: Bot, learner: User, result: PlacementResult) -> None:
    """The result with the first lesson's button; a course finished: its certificate."""
    await bot.send_message(
        learner.telegram_id,
        placement.result_text(result),
        reply_markup=placement.result_keyboard(result),
    )
    if result.certificate is not None:
        await send_certificate(bot, learner.telegram_id, result.certificate)
