"""Sending lessons and quiz polls: the rendering shared by several routers."""

from __future__ import annotations

from aiogram import Bot
from aiogram.methods import SendPoll
from aiogram.types import InputPollOption, Message

from bot.rules.course import CourseMap, LessonInfo
from bot.rules.learning import QuizTurn
from bot.rules.shuffle import shown_positions
from bot.rules.telegram_html import TELEGRAM_TEXT_LIMIT, visible_text
from bot.telegram import texts
from bot.telegram.keyboards import lesson_page_keyboard

POLL_QUESTION_LIMIT = 300
PAGE_SEPARATOR = "\n\n"


def lesson_page(course: CourseMap, lesson: LessonInfo, page: int) -> tuple[str, int, int]:
    """The text of page `page` (clamped), the page number and the page count."""
    # Telegram counts the visible text only; the header's barely depends on the page
    # numbers: reserve for the widest.
    header = visible_text(texts.lesson_header(lesson, 99, 99) + PAGE_SEPARATOR)
    pages = course.pages(lesson, TELEGRAM_TEXT_LIMIT - len(header))
    page = min(max(page, 1), len(pages))
    text = texts.lesson_header(lesson, page, len(pages)) + PAGE_SEPARATOR + pages[page - 1]
    return text, page, len(pages)


async def send_lesson(
    bot: Bot, chat_id: int, course: CourseMap, lesson: LessonInfo, page: int = 1
) -> None:
    text, page, pages = lesson_page(course, lesson, page)
    if page == 1 and lesson.image:
        await bot.send_photo(chat_id, photo=lesson.image)
    await bot.send_message(chat_id, text, reply_markup=lesson_page_keyboard(lesson, page, pages))


async def show_lesson_page(
    message: Message, course: CourseMap, lesson: LessonInfo, page: int
) -> None:
    """Turn the page in place."""
    text, page, pages = lesson_page(course, lesson, page)
    await message.edit_text(text, reply_markup=lesson_page_keyboard(lesson, page, pages))


def quiz_poll(chat_id: int, turn: QuizTurn) -> SendPoll:
    """One question as a native quiz poll, its options in the turn's shuffled order (the
    right answers marked where they stand in that order)."""
    question = turn.question
    prefix = f"{turn.number}/{len(turn.lesson.questions)} · "
    title = question.question
    if len(prefix) + len(title) <= POLL_QUESTION_LIMIT:
        title = prefix + title
    return SendPoll(
        chat_id=chat_id,
        question=title,
        options=[
            InputPollOption(text=question.options[index], text_parse_mode=None)
            for index in turn.order
        ],
        type="quiz",
        is_anonymous=False,
        correct_option_ids=shown_positions(turn.order, question.correct_option_ids),
        allows_multiple_answers=len(question.correct_option_ids) > 1,
        explanation=question.explanation,
        explanation_parse_mode=None,
        question_parse_mode=None,
    )


async def send_quiz_poll(bot: Bot, chat_id: int, turn: QuizTurn) -> str:
    """Send the turn's quiz poll; returns Telegram's poll id."""
    sent = await bot(quiz_poll(chat_id, turn))
    assert sent.poll is not None
    return sent.poll.id
