"""Sending a lesson's pages: the rendering shared by several routers."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import Message

from bot.rules.course import CourseMap, LessonInfo
from bot.rules.formats.html_split import split_html
from bot.rules.formats.telegram_html import TELEGRAM_TEXT_LIMIT, visible_text
from bot.telegram.views import learning
from bot.telegram.views.learning import lesson_page_keyboard

PAGE_SEPARATOR = "\n\n"


def lesson_page(
    course: CourseMap, lesson: LessonInfo, page: int, body: str | None = None
) -> tuple[str, int, int]:
    """The text of page `page` (clamped), the page number and the page count; `body` is
    the text filled for this learner (placeholders), split afresh."""
    # Telegram counts the visible text only; the header's barely depends on the page
    # numbers: reserve for the widest.
    header = visible_text(learning.lesson_header(lesson, 99, 99) + PAGE_SEPARATOR)
    limit = TELEGRAM_TEXT_LIMIT - len(header)
    pages = course.pages(lesson, limit) if body is None else split_html(body, limit=limit) or [""]
    page = min(max(page, 1), len(pages))
    text = learning.lesson_header(lesson, page, len(pages)) + PAGE_SEPARATOR + pages[page - 1]
    return text, page, len(pages)


async def send_lesson(
    bot: Bot,
    chat_id: int,
    course: CourseMap,
    lesson: LessonInfo,
    page: int = 1,
    body: str | None = None,
) -> None:
    text, page, pages = lesson_page(course, lesson, page, body)
    if page == 1 and lesson.image:
        await bot.send_photo(chat_id, photo=lesson.image)
    await bot.send_message(chat_id, text, reply_markup=lesson_page_keyboard(lesson, page, pages))


async def show_lesson_page(
    message: Message, course: CourseMap, lesson: LessonInfo, page: int, body: str | None = None
) -> None:
    """Turn the page in place."""
    text, page, pages = lesson_page(course, lesson, page, body)
    await message.edit_text(text, reply_markup=lesson_page_keyboard(lesson, page, pages))
