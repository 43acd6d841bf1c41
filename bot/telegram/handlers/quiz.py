"""Quizzes: native quiz polls, one question at a time; answers arrive as poll_answer."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import CallbackQuery, PollAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.clock import Clock
from bot.rules.course import CourseCache, CourseMap
from bot.rules.learning import (
    QuizResult,
    QuizTurn,
    Refusal,
    answer_poll,
    learner_next_step,
    lesson_statuses,
    next_step,
    record_poll,
    start_quiz,
)
from bot.telegram import texts
from bot.telegram.keyboards import QuizCb, after_quiz_keyboard
from bot.telegram.lessons import send_quiz_poll
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
    clock: Clock,
    course_cache: CourseCache,
    bot: Bot,
) -> None:
    course = await course_cache.get(session)
    outcome = await start_quiz(session, course, learner, callback_data.lesson_id, clock.now())
    if isinstance(outcome, tuple):
        refusal, status = outcome
        if refusal is Refusal.QUIZ_OPEN:
            text = texts.quiz_open()
        elif refusal is Refusal.LOCKED:
            text = texts.locked(status)
        else:
            text = texts.stale_button()
        await callback.answer(text, show_alert=True)
        return
    await callback.answer()
    if isinstance(outcome, QuizResult):
        await send_result(bot, session, course, learner, outcome, clock)
        return
    await bot.send_message(learner.telegram_id, texts.quiz_intro(outcome.lesson))
    await ask(bot, session, learner, outcome, clock)


async def poll_answered(
    poll_answer: PollAnswer,
    learner: User,
    session: AsyncSession,
    clock: Clock,
    course_cache: CourseCache,
    bot: Bot,
) -> None:
    course = await course_cache.get(session)
    outcome = await answer_poll(
        session, course, learner, poll_answer.poll_id, poll_answer.option_ids, clock.now()
    )
    if outcome.next_turn is not None:
        await ask(bot, session, learner, outcome.next_turn, clock)
    elif outcome.result is not None:
        await send_result(bot, session, course, learner, outcome.result, clock)


async def ask(bot: Bot, session: AsyncSession, learner: User, turn: QuizTurn, clock: Clock) -> None:
    poll_id = await send_quiz_poll(bot, learner.telegram_id, turn)
    record_poll(session, learner, turn, poll_id, clock.now())


async def send_result(
    bot: Bot,
    session: AsyncSession,
    course: CourseMap,
    learner: User,
    result: QuizResult,
    clock: Clock,
) -> None:
    if result.progress is not None:
        step = next_step(lesson_statuses(course, result.progress, learner, clock.now()))
    else:
        step = await learner_next_step(session, course, learner, clock.now())
    await bot.send_message(
        learner.telegram_id,
        texts.quiz_result(result, step),
        reply_markup=after_quiz_keyboard(result.lesson, result.passed, step.lesson),
    )
