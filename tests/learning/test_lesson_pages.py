"""Every page of every bundled lesson, and every quiz poll, as Telegram would take them:
parsed by TDLib (the conftest bot checks every method it sends) in both languages."""

from __future__ import annotations

from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession

from bot.entry.app import build_i18n
from bot.entry.offline import OfflineSession
from bot.rules import content
from bot.rules.clock import FixedClock
from bot.rules.course import CourseMap, LessonInfo, ModuleInfo, load_course_map
from bot.telegram.lessons import lesson_page, send_lesson
from bot.telegram.polls import send_quiz_poll
from tests.support.databases import ROOT
from tests.support.telegram_parser import MESSAGE_TEXT, parse_html, problem

LOCALES = ("en", "ru")


async def test_every_page_and_poll_of_the_bundled_course_is_one_telegram_accepts(
    session: AsyncSession, bot: Bot, offline_session: OfflineSession, clock: FixedClock
) -> None:
    await content.apply_import(
        session, content.load_course(ROOT / "content" / "git-essentials"), clock
    )
    course = await load_course_map(session)
    assert len(course.lessons) == 17
    i18n = build_i18n()
    for locale in LOCALES:
        with i18n.context(), i18n.use_locale(locale):
            for lesson in course.lessons:
                _text, _page, pages = lesson_page(course, lesson, 1)
                for page in range(1, pages + 1):
                    await send_lesson(bot, 1, course, lesson, page)
                for number, question in enumerate(lesson.questions, start=1):
                    shown = tuple(reversed(range(len(question.options))))
                    counter = f"{number}/{len(lesson.questions)}"
                    await send_quiz_poll(bot, 1, question, shown, counter=counter)
    sent = offline_session.calls
    assert len(sent) >= 2 * (17 + 68)  # every page and every poll, in both languages


def lesson_with(body: str) -> tuple[CourseMap, LessonInfo]:
    lesson = LessonInfo(
        id=1,
        slug="long",
        title="A long lesson 📖",
        module_id=1,
        module_title="Module",
        position=1,
        minutes=5,
        points=50,
        pass_mark=60,
        image=None,
        questions=(),
        body=body,
    )
    return CourseMap((ModuleInfo(1, "m", "Module", 1, None, (lesson,)),)), lesson


def test_a_long_lesson_fills_its_pages_as_telegram_counts_them() -> None:
    paragraph = " ".join(['<a href="https://git-scm.com/docs">😀 docs</a>'] * 20)  # 139 shown
    course, lesson = lesson_with("\n\n".join([paragraph] * 60))
    i18n = build_i18n()
    with i18n.context(), i18n.use_locale("en"):
        _text, _page, pages = lesson_page(course, lesson, 1)
        shown = [parse_html(lesson_page(course, lesson, page)[0]) for page in range(1, pages + 1)]
        for page in range(1, pages + 1):
            assert problem(MESSAGE_TEXT, lesson_page(course, lesson, page)[0], "HTML") is None
    assert pages == 3  # 60 paragraphs of 139 characters: 8,400 characters
    for text in shown[:-1]:
        assert len(text) > 4096 - 140 - 100  # full but for one paragraph and the header
