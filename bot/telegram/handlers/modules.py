"""/modules: every module and lesson with its state; locked lessons say why."""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.assignments.drafts import assignment_states
from bot.rules.course import Catalogue, CourseMap
from bot.rules.formats.html_split import split_html
from bot.rules.learning.unlocks import lesson_statuses, load_outputs, load_progress, next_step
from bot.telegram.handlers.courses import offer_catalogue
from bot.telegram.views import learning
from bot.telegram.views.learning import continue_keyboard
from db.models import User


def router() -> Router:
    router = Router(name="modules")
    router.message.register(modules, Command("modules"))
    return router


async def modules(
    message: Message,
    learner: User,
    session: AsyncSession,
    now: datetime,
    course: CourseMap,
    catalogue: Catalogue,
    bot: Bot,
) -> None:
    if not course.lessons and catalogue.courses:
        await offer_catalogue(bot, message.chat.id, session, catalogue, learner)
        return
    if not course.lessons:
        await message.answer(learning.no_content())
        return
    progress = await load_progress(session, learner.id)
    outputs = await load_outputs(session, course, learner.id)
    statuses = lesson_statuses(course, progress, learner, now, outputs)
    step = next_step(statuses)
    assignments = await assignment_states(session, course, learner.id)
    chunks = split_html(learning.modules_overview(course, statuses, assignments))
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        markup = continue_keyboard(step.lesson) if last and step.lesson else None
        await message.answer(chunk, reply_markup=markup)
