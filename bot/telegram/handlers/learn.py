"""/learn, lesson pages and the "next" button."""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InaccessibleMessage, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.assignments.outputs import filled_body
from bot.rules.course import Catalogue, CourseMap
from bot.rules.learning.lessons import LessonOpened, Refused, open_lesson, open_next_lesson
from bot.telegram.callbacks import LessonCb, NextCb
from bot.telegram.handlers.courses import offer_catalogue
from bot.telegram.lessons import send_lesson, show_lesson_page
from bot.telegram.reply import acknowledge
from bot.telegram.views import learning
from db.models import User


def router() -> Router:
    router = Router(name="learn")
    router.message.register(learn, Command("learn"))
    router.callback_query.register(learn, NextCb.filter())
    router.callback_query.register(lesson_pressed, LessonCb.filter())
    return router


async def learn(
    event: Message | CallbackQuery,
    learner: User,
    session: AsyncSession,
    now: datetime,
    course: CourseMap,
    catalogue: Catalogue,
    bot: Bot,
) -> None:
    """/learn and the Next button: the lesson in progress or the next one, else why not."""
    await acknowledge(event)
    chat_id = learner.telegram_id  # a private chat (groups get a pointer there instead)
    if not course.lessons and catalogue.courses:
        await offer_catalogue(bot, chat_id, session, catalogue, learner)
        return
    if not course.lessons:
        await bot.send_message(chat_id, learning.no_content())
        return
    opened = await open_next_lesson(session, course, learner, now)
    if not isinstance(opened, LessonOpened):
        await bot.send_message(chat_id, learning.next_step_text(opened))
        return
    body = await filled_body(session, learner.id, opened.lesson)
    await send_lesson(bot, chat_id, course, opened.lesson, body=body)


async def lesson_pressed(
    callback: CallbackQuery,
    callback_data: LessonCb,
    learner: User,
    session: AsyncSession,
    now: datetime,
    course: CourseMap,
    catalogue: Catalogue,
    bot: Bot,
) -> None:
    # A lesson button of another started course still opens its lesson.
    course = catalogue.course_of_lesson(callback_data.lesson_id) or course
    opened = await open_lesson(session, course, learner, callback_data.lesson_id, now)
    if isinstance(opened, Refused):
        await callback.answer(learning.refused(opened), show_alert=True)
        return
    await callback.answer()
    body = await filled_body(session, learner.id, opened.lesson)
    message = callback.message
    if (
        callback_data.page > 1
        and message is not None
        and not isinstance(message, InaccessibleMessage)
    ):
        await show_lesson_page(message, course, opened.lesson, callback_data.page, body)
    else:
        await send_lesson(bot, learner.telegram_id, course, opened.lesson, callback_data.page, body)
