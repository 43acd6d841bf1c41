"""/progress and /achievements."""

from __future__ import annotations

from datetime import datetime

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.course import Catalogue, CourseMap
from bot.rules.formats.html_split import split_html
from bot.rules.learning.journeys import catalogue_standings, started_courses
from bot.rules.learning.progress import achievements_view, progress_view
from bot.rules.review.stats import review_progress
from bot.telegram.views import courses, motivation
from bot.telegram.views.review import progress_review_lines
from db.models import User


def router() -> Router:
    router = Router(name="progress")
    router.message.register(show_progress, Command("progress"))
    router.message.register(show_achievements, Command("achievements"))
    return router


async def show_progress(
    message: Message,
    learner: User,
    session: AsyncSession,
    now: datetime,
    course: CourseMap,
    catalogue: Catalogue,
) -> None:
    view = await progress_view(session, course, learner, now)
    review = progress_review_lines(await review_progress(session, learner, now), learner.time_zone)
    text = motivation.progress_text(view, learner.first_name) + "\n\n" + "\n".join(review)
    if len(catalogue.courses) > 1:  # a school: each course the learner started
        standings = await catalogue_standings(session, catalogue, learner)
        text += "\n\n" + courses.started_courses_text(started_courses(standings))
    for chunk in split_html(text):
        await message.answer(chunk)


async def show_achievements(
    message: Message, learner: User, session: AsyncSession, course: CourseMap
) -> None:
    views = await achievements_view(session, course, learner)
    for chunk in split_html(motivation.achievements_text(views)):
        await message.answer(chunk)
