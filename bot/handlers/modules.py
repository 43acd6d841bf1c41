"""/modules: every module and lesson with its state; locked lessons say why."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import texts
from bot.keyboards import continue_keyboard
from bot.services.clock import Clock
from bot.services.course import CourseCache
from bot.services.learning import lesson_statuses, load_progress, next_step
from bot.telegram_html import split_html
from db.models import User


def router() -> Router:
    router = Router(name="modules")
    router.message.register(modules, Command("modules"))
    return router


async def modules(
    message: Message, learner: User, session: AsyncSession, clock: Clock, course_cache: CourseCache
) -> None:
    course = await course_cache.get(session)
    if not course.lessons:
        await message.answer(texts.no_content())
        return
    progress = await load_progress(session, learner.id)
    statuses = lesson_statuses(course, progress, learner, clock.now())
    step = next_step(statuses)
    chunks = split_html(texts.modules_overview(course, statuses))
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        markup = continue_keyboard(step.lesson) if last and step.lesson else None
        await message.answer(chunk, reply_markup=markup)
