"""Quizzes: native quiz polls, one question at a time; answers arrive as poll_answer."""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.types import CallbackQuery, PollAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.course import Catalogue, CourseMap
from bot.rules.learning.journeys import course_after
from bot.rules.learning.lessons import Refused
from bot.rules.learning.quizzes import QuizResult, QuizTurn, answer_poll, record_poll, start_quiz
from bot.telegram.callbacks import QuizCb
from bot.telegram.handlers.certificates import send_certificate
from bot.telegram.polls import send_quiz_poll
from bot.telegram.views import courses, learning
from bot.telegram.views.learning import after_quiz_keyboard
from db.models import User


def router() -> Router:
    router = Router(name="quiz")
    router.callback_query.register(quiz_pressed, QuizCb.filter())
    router.poll_answer.register(poll_answered)
    return router


async def quiz_pressed(
    callback: CallbackQuery,
    callback_data: QuizCb,
    learner: User,
    session: AsyncSession,
    now: datetime,
    course: CourseMap,
    catalogue: Catalogue,
    bot: Bot,
) -> None:
    owner = catalogue.course_of_lesson(callback_data.lesson_id) or course
    outcome = await start_quiz(session, owner, learner, callback_data.lesson_id, now)
    match outcome:
        case Refused():
            await callback.answer(learning.refused(outcome), show_alert=True)
        case QuizResult():  # a lesson without questions: reading it completed it
            await callback.answer()
            await send_result(bot, learner, outcome)
            await offer_next_course(bot, session, catalogue, learner, outcome)
        case QuizTurn():
            await callback.answer()
            intro = learning.quiz_intro(outcome.lesson, retake=outcome.retake)
            await bot.send_message(learner.telegram_id, intro)
            await ask(bot, session, learner, outcome, now)


async def poll_answered(
    poll_answer: PollAnswer,
    learner: User,
    session: AsyncSession,
    now: datetime,
    catalogue: Catalogue,
    bot: Bot,
) -> None:
    outcome = await answer_poll(
        session, catalogue, learner, poll_answer.poll_id, poll_answer.option_ids, now
    )
    if not outcome.quiz_poll:
        raise SkipHandler  # a review session's poll: the review router takes it
    if outcome.next_turn is not None:
        await ask(bot, session, learner, outcome.next_turn, now)
    elif outcome.result is not None:
        await send_result(bot, learner, outcome.result)
        await offer_next_course(bot, session, catalogue, learner, outcome.result)


async def ask(
    bot: Bot, session: AsyncSession, learner: User, turn: QuizTurn, now: datetime
) -> None:
    counter = f"{turn.number}/{len(turn.lesson.questions)}"
    poll_id = await send_quiz_poll(
        bot, learner.telegram_id, turn.question, turn.order, counter=counter
    )
    record_poll(session, learner, turn, poll_id, now)


async def send_result(bot: Bot, learner: User, result: QuizResult) -> None:
    """The missed questions, the result with the next step, and any milestone."""
    step = result.step
    for chunk in learning.missed_questions(result.missed):
        await bot.send_message(learner.telegram_id, chunk)
    await bot.send_message(
        learner.telegram_id,
        learning.quiz_result(result, step),
        reply_markup=after_quiz_keyboard(result.lesson, result.passed, step.lesson),
    )
    if result.milestone is not None:
        await bot.send_message(learner.telegram_id, learning.milestone_text(result.milestone))
        if result.milestone.certificate is not None:
            await send_certificate(bot, learner.telegram_id, result.milestone.certificate)


async def offer_next_course(
    bot: Bot, session: AsyncSession, catalogue: Catalogue, learner: User, result: QuizResult
) -> None:
    """A finished course: the next course open to the learner, if there is one."""
    finished = catalogue.course_of_lesson(result.lesson.id)
    if result.milestone is None or not result.milestone.course_finished or finished is None:
        return
    offer = await course_after(session, catalogue, learner, finished)
    if offer is not None:
        await bot.send_message(
            learner.telegram_id,
            courses.next_course_offer(offer),
            reply_markup=courses.offer_keyboard(offer),
        )
