"""/progress, /achievements, /leaderboard, /settings and the completion message, in both
languages, with hostile names."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rules.clock import FixedClock
from bot.rules.motivation.leaderboard_refresh import refresh_leaderboard
from bot.telegram.callbacks import (
    BoardCb,
    BoardTab,
    LanguageCb,
    SettingsCb,
    SettingsTimeCb,
    SettingsZoneCb,
)
from db.models import User, UserStats
from tests.support.chat import Chat
from tests.support.factories import T0, make_course, make_user
from tests.support.flows import finish_lesson, onboard

MakeChat = Callable[..., Chat]
HOSTILE = "<b>Zoë</b> & 🔥 </i>"

# (language, words the learner must see) for each screen
WORDS = {
    "en": {"progress": "progress", "level": "Level", "streak": "Streak", "ach": "Achievements",
           "board": "All-time leaderboard", "week": "This week", "settings": "Settings",
           "passed": "Passed", "points": "points", "first": "First step"},
    "ru": {"progress": "Прогресс", "level": "Уровень", "streak": "Серия", "ach": "Достижения",
           "board": "рейтинг", "week": "недели", "settings": "Настройки",
           "passed": "пройден", "points": "очк", "first": "Первый шаг"},
}  # fmt: skip


@pytest.fixture(params=["en", "ru"])
def language(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def contains(text: str, word: str) -> bool:
    return word.lower() in text.lower()


async def test_completion_message_lists_points_streak_and_achievements_at_once(
    session: AsyncSession, make_chat: MakeChat, language: str
) -> None:
    await make_course(session, [2], questions=2)
    await session.commit()
    chat = make_chat(first_name=HOSTILE, language_code=language)
    await onboard(chat)
    texts = await finish_lesson(chat)
    assert len(texts) == 1  # one message, not five
    words = WORDS[language]
    assert contains(texts[0], words["passed"])
    assert "⭐ +135 " in texts[0]  # 50 for the lesson, 25 at the first try, 60 in achievements
    assert "🔥" in texts[0]
    assert contains(texts[0], words["first"])


async def test_the_points_of_a_completion_say_the_total_first_then_what_makes_it(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    await make_course(session, [3], questions=1)
    await session.commit()
    chat = make_chat()
    await onboard(chat)
    first = "\n".join(await finish_lesson(chat))
    assert (
        "⭐ +85 points: 50 for the lesson, 25 for passing at the first try,"
        " 10 for an achievement" in first
    )
    assert "New achievement: 🎯 <b>First step</b> (+10 points)" in first
    await chat.send("/learn")
    await chat.press_button("Take the quiz")
    await chat.answer_last_poll(right=False)
    await chat.press_button("Try again")
    await chat.answer_last_poll()
    assert "⭐ +100 points: 50 for the lesson, 50 for an achievement\n" in chat.last_text()


async def test_progress_shows_level_bar_streak_modules_and_rank(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    make_chat: MakeChat,
    language: str,
    clock: FixedClock,
) -> None:
    await make_course(session, [2, 1], questions=1)
    await session.commit()
    chat = make_chat(first_name=HOSTILE, language_code=language)
    await onboard(chat)
    await finish_lesson(chat)
    async with session_factory() as refresh:
        await refresh_leaderboard(refresh, clock.now())
        await refresh.commit()
    sent = await chat.send("/progress")
    text = chat.texts(sent)[0]
    words = WORDS[language]
    assert "&lt;b&gt;Zoë&lt;/b&gt; &amp; 🔥 &lt;/i&gt;" in text
    assert contains(text, words["level"])
    assert "▰" in text
    assert "▱" in text
    assert "▰▰▰▰▰▰▰▰▱▱ 85/100" in text  # 50 + 25 + 10 points: level 1, 85 of 100
    assert contains(text, words["streak"])
    assert "1/2" in text
    assert "0/1" in text
    assert "#1" in text


async def test_achievements_show_earned_with_date_and_locked_with_a_hint(
    session: AsyncSession, make_chat: MakeChat, language: str, clock: FixedClock
) -> None:
    await make_course(session, [2], questions=1)
    await session.commit()
    chat = make_chat(language_code=language)
    await onboard(chat)
    await finish_lesson(chat)
    sent = await chat.send("/achievements")
    text = chat.texts(sent)[0]
    assert contains(text, WORDS[language]["ach"])
    assert f"{WORDS[language]['first']}</b> — {clock.now():%Y-%m-%d}" in text
    assert "🔒" in text
    # On a two-lesson course: first lesson, half the course and 90 % of its points earned;
    # first module and the whole course still to earn; 10 lessons, streaks of 3 and more,
    # 10 perfect quizzes and 500 points cannot be reached, so they are not shown.
    assert "3/5" in text
    assert "📚" not in text


async def test_leaderboard_all_time_and_week_with_own_rank(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    make_chat: MakeChat,
    language: str,
    clock: FixedClock,
) -> None:
    await make_course(session, [3], questions=1)
    await session.commit()
    chat = make_chat(first_name=HOSTILE, language_code=language)
    await onboard(chat)
    await finish_lesson(chat)
    async with session_factory() as refresh:
        await refresh_leaderboard(refresh, clock.now())
        await refresh.commit()
    sent = await chat.send("/leaderboard")
    text = chat.texts(sent)[0]
    assert contains(text, WORDS[language]["board"])
    assert "&lt;b&gt;Zoë&lt;/b&gt; &amp; 🔥 &lt;/i&gt;" in text
    sent = await chat.press(BoardCb(tab=BoardTab.WEEK).pack())
    week = chat.texts(sent)[0]
    assert contains(week, WORDS[language]["week"])
    assert "85" in week


async def test_settings_buttons_change_what_they_say(
    session: AsyncSession, make_chat: MakeChat, language: str
) -> None:
    chat = make_chat(language_code=language)
    await onboard(chat)
    sent = await chat.send("/settings")
    assert contains(chat.texts(sent)[0], WORDS[language]["settings"])
    await chat.press(SettingsCb(action="reminders").pack())
    await chat.press(SettingsCb(action="board").pack())
    await chat.press(SettingsCb(action="time").pack())
    await chat.press(SettingsTimeCb(minute=21 * 60).pack())
    await chat.press(SettingsCb(action="zone").pack())
    sent = await chat.press(SettingsZoneCb(index=7).pack())  # Tokyo
    assert "Asia/Tokyo" in chat.texts(sent)[0]
    assert "21:00" in chat.texts(sent)[0]
    user = await session.scalar(sa.select(User).execution_options(populate_existing=True))
    assert user is not None
    assert (user.reminders_enabled, user.show_on_leaderboard) == (False, False)
    assert (user.lesson_minute, user.time_zone) == (21 * 60, "Asia/Tokyo")


async def test_language_can_be_switched_in_settings(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    chat = make_chat(language_code="en")
    await onboard(chat)
    await chat.press(SettingsCb(action="lang").pack())
    sent = await chat.press(LanguageCb(code="ru").pack())
    assert "Настройки" in chat.texts(sent)[0]
    sent = await chat.send("/help")
    assert "продолж" in chat.texts(sent)[0].lower()
    forged = await chat.press(LanguageCb(code="xx").pack())
    assert chat.alerts(forged)


async def test_a_hidden_learner_is_told_so_on_the_leaderboard(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    chat = make_chat()
    await onboard(chat)
    await chat.press(SettingsCb(action="board").pack())
    sent = await chat.send("/leaderboard")
    assert "hidden" in chat.texts(sent)[0]


async def test_settings_label_the_streak_reminder_with_what_really_sets_its_time(
    session: AsyncSession, make_chat: MakeChat, clock: FixedClock
) -> None:
    await make_course(session, [2], questions=1)
    await session.commit()
    clock.set(datetime(2026, 11, 25, 13, 45, tzinfo=UTC))  # 14:45 in Berlin
    chat = make_chat()
    await onboard(chat, time="15:00")
    await finish_lesson(chat)  # the usual learning hour is 14:00 now
    text = chat.texts(await chat.send("/settings"))[0]
    assert "🔥 Streak reminder: 17:00 (2 hours after your daily lesson at 15:00)" in text


@pytest.mark.parametrize(
    ("usual_hour", "lesson_minute", "label"),
    [
        (21, 9 * 60, "21:00 (your usual learning hour)"),
        (None, 9 * 60, "20:00 (in the evening, until you have a usual learning hour)"),
        (23, 9 * 60, "22:00 (the latest it goes: you usually learn after 22:00)"),
        (8, 19 * 60 + 30, "21:30 (2 hours after your daily lesson at 19:30)"),
        (None, 21 * 60, "none (the daily lesson comes after 20:00)"),
    ],
)
async def test_settings_say_why_the_streak_reminder_goes_when_it_does(
    session: AsyncSession,
    make_chat: MakeChat,
    usual_hour: int | None,
    lesson_minute: int,
    label: str,
) -> None:
    user = await make_user(session, 802, zone="Europe/Berlin", lesson_minute=lesson_minute)
    session.add(UserStats(user_id=user.id, usual_hour=usual_hour, updated_at=T0))
    await session.commit()
    chat = make_chat(802)
    text = chat.texts(await chat.send("/settings"))[0]
    assert f"🔥 Streak reminder: {label}" in text
