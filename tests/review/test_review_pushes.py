"""The daily push and review: it mentions the due reviews, and once the course is finished
it becomes a review push, sent only when something is due, once per local day."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from aiogram import Bot
from aiogram.methods import SendMessage
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.entry.app import build_i18n
from bot.entry.offline import OfflineSession
from bot.rules.clock import FixedClock
from bot.rules.course import CourseCache, load_course_map
from bot.telegram.callbacks import ReviewCb
from db.models import ReviewCard, User, UserStats
from scheduler.jobs import Jobs
from scheduler.sender import Sender
from tests.support.factories import make_course, make_user
from tests.support.flows import take_quiz

ZONE = "Europe/Berlin"
START = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)


@pytest.fixture
def jobs(session_factory: async_sessionmaker[AsyncSession], bot: Bot, clock: FixedClock) -> Jobs:
    sender = Sender(bot, session_factory, clock, rate=1000, per_chat_interval=0)
    return Jobs(session_factory, sender, clock, build_i18n(), CourseCache(ttl=0))


def pushes(offline: OfflineSession) -> list[SendMessage]:
    return [call for call in offline.calls if isinstance(call, SendMessage)]


def buttons(push: SendMessage) -> list[str]:
    markup = push.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    return [button.callback_data or "" for row in markup.inline_keyboard for button in row]


async def learner(session: AsyncSession, lessons: int, shape: list[int]) -> User:
    """A Berlin learner (09:00 lessons) who took the first `lessons` quizzes, one miss each."""
    await make_course(session, shape, questions=3)
    user = await make_user(session, zone=ZONE, lesson_minute=9 * 60)
    session.add(UserStats(user_id=user.id, updated_at=START))
    course = await load_course_map(session)
    for lesson in course.lessons[:lessons]:
        await take_quiz(session, course, user, lesson.id, START, [0, 0, 1])
    await session.commit()
    return user


async def run_every_half_hour(
    jobs: Jobs, clock: FixedClock, offline: OfflineSession, days: int
) -> Counter[str]:
    """Run the daily job every 30 minutes; pushes counted by the learner's local date."""
    per_day: Counter[str] = Counter()
    for step in range(days * 48):
        clock.set(START + timedelta(minutes=30 * step))
        before = len(pushes(offline))
        await jobs.daily_lessons()
        for _push in pushes(offline)[before:]:
            per_day[clock.now().astimezone(ZoneInfo(ZONE)).date().isoformat()] += 1
    return per_day


async def test_the_daily_lesson_push_says_how_many_reviews_are_due_and_offers_them(
    session: AsyncSession, jobs: Jobs, clock: FixedClock, offline_session: OfflineSession
) -> None:
    await learner(session, lessons=1, shape=[2])
    clock.set(datetime(2026, 6, 2, 7, 0, tzinfo=UTC))  # 09:00 in Berlin, the next day
    report = await jobs.daily_lessons()
    assert report.outcomes == {"SENT": 1}
    (push,) = pushes(offline_session)
    assert "Lesson 1.2" in push.text
    assert "3 reviews are due too" in push.text
    assert buttons(push)[-1] == ReviewCb().pack()
    assert len(buttons(push)) == 2


async def test_after_the_course_the_daily_push_offers_reviews_once_per_local_day(
    session: AsyncSession, jobs: Jobs, clock: FixedClock, offline_session: OfflineSession
) -> None:
    await learner(session, lessons=1, shape=[1])
    per_day = await run_every_half_hour(jobs, clock, offline_session, days=3)
    # None on 1 June: the learner finished the course that day.
    assert per_day == {"2026-06-02": 1, "2026-06-03": 1}
    for push in pushes(offline_session):
        assert "questions are due for review" in push.text
        assert buttons(push) == [ReviewCb().pack()]


async def test_after_the_course_nothing_is_pushed_while_no_review_is_due(
    session: AsyncSession, jobs: Jobs, clock: FixedClock, offline_session: OfflineSession
) -> None:
    await learner(session, lessons=1, shape=[1])
    await session.execute(sa.update(ReviewCard).values(due=START + timedelta(days=30)))
    await session.commit()
    per_day = await run_every_half_hour(jobs, clock, offline_session, days=2)
    assert per_day == {}
