"""Sample learners for `learnbot demo`, so the boards, /stats and /cohort are not empty on
day one.

They are clearly fake ("Ada (sample)"), have Telegram ids no real chat of the demo uses,
and earn their points through the real rules (lessons opened, quizzes answered, on the
days given), so their points, streaks, achievements and the funnel agree like a real
learner's. They are added once, to a demo database that has none yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rules.cohorts.membership import add_mentor, create_cohort, join
from bot.rules.course import CourseMap, load_catalogue
from bot.rules.learners import (
    TelegramProfile,
    finish_onboarding,
    register_or_refresh,
    set_lesson_time,
    set_time_zone,
)
from bot.rules.learning.lessons import open_lesson
from bot.rules.learning.quizzes import QuizTurn, answer_poll, record_poll, start_quiz
from bot.rules.shuffle import shown_positions
from db.models import User

FIRST_SAMPLE_ID = 900_001  # far from the demo learner's own id


@dataclass(frozen=True)
class Sample:
    name: str
    zone: str
    days_ago: tuple[int, ...]  # one completed lesson per entry, that many days before now
    started_next: bool = False  # opened the following lesson without finishing it
    course: str = "git-essentials"  # its slug; the first course when there is no such course


SAMPLES = (
    Sample("Ada (sample)", "Europe/London", (4, 3, 3, 2, 1, 0)),
    Sample("Linus (sample)", "Europe/Helsinki", (2, 1, 1), started_next=True),
    Sample("Grace (sample)", "America/New_York", (9, 8), course="goals-that-stick"),
    Sample("Alan (sample)", "Asia/Tokyo", (), started_next=True, course="goals-that-stick"),
)


def sample_chat_ids() -> list[int]:
    return [FIRST_SAMPLE_ID + number for number in range(len(SAMPLES))]


SAMPLE_COHORT = "Demo class (sample)"
COHORT_MEMBERS = 2  # the first two sample learners join it


async def seed_sample_learners(
    factory: async_sessionmaker[AsyncSession], now: datetime, mentor_telegram_id: int
) -> list[str]:
    """Add the sample learners unless they are there, and a sample cohort the demo learner
    (`mentor_telegram_id`) mentors, with two of them in it; return the names added."""
    async with factory() as session, session.begin():
        if await session.scalar(select(User.id).where(User.telegram_id == FIRST_SAMPLE_ID)):
            return []
        catalogue = await load_catalogue(session)
        samples = []
        for telegram_id, sample in zip(sample_chat_ids(), SAMPLES, strict=True):
            course = catalogue.by_slug(sample.course) or catalogue.courses[0]
            samples.append(await _learn(session, course, telegram_id, sample, now))
        await _sample_cohort(session, samples[:COHORT_MEMBERS], mentor_telegram_id, now)
    return [sample.name for sample in SAMPLES]


async def _sample_cohort(
    session: AsyncSession, members: list[User], mentor_telegram_id: int, now: datetime
) -> None:
    """The cohort `/cohort` shows the demo learner at once (created by them, as an admin)."""
    profile = TelegramProfile(mentor_telegram_id, None, "Demo", None, "en")
    mentor, _new = await register_or_refresh(session, profile, now)
    cohort = await create_cohort(session, mentor, SAMPLE_COHORT, now)
    await add_mentor(session, mentor, cohort.id, mentor.id, now)
    for member in members:
        await join(session, member, cohort.id, now)


async def _learn(
    session: AsyncSession, course: CourseMap, telegram_id: int, sample: Sample, now: datetime
) -> User:
    joined = now - timedelta(days=max(sample.days_ago, default=0), hours=1)
    profile = TelegramProfile(telegram_id, None, sample.name, None, "en")
    user, _new = await register_or_refresh(session, profile, joined)
    set_time_zone(user, sample.zone, joined)
    set_lesson_time(user, 18 * 60, joined)
    finish_onboarding(user, joined)
    lessons = [lesson for module in course.modules for lesson in module.lessons]
    for lesson, days_ago in zip(lessons, sample.days_ago, strict=False):
        await _pass_quiz(session, course, user, lesson.id, now - timedelta(days=days_ago))
    if sample.started_next and len(sample.days_ago) < len(lessons):
        await open_lesson(session, course, user, lessons[len(sample.days_ago)].id, now)
    return user


async def _pass_quiz(
    session: AsyncSession, course: CourseMap, user: User, lesson_id: int, at: datetime
) -> None:
    started = await start_quiz(session, course, user, lesson_id, at)
    turn = started if isinstance(started, QuizTurn) else None
    while turn is not None:
        poll_id = f"sample-{user.telegram_id}-{lesson_id}-{turn.number}"
        record_poll(session, user, turn, poll_id, at)
        await session.flush()
        right = shown_positions(turn.order, turn.question.correct_option_ids)  # as sent
        outcome = await answer_poll(session, course, user, poll_id, right, at)
        turn = outcome.next_turn
