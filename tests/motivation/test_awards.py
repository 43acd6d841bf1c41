"""The award path against a real database: points, the first-try bonus, levels, the ledger
that sums to the stats, one award however many completions race."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rules.course import CourseMap, load_course_map
from bot.rules.learning.quizzes import QuizResult
from bot.rules.motivation.levels import FIRST_TRY_BONUS, level_for, level_progress, level_threshold
from db.enums import ActivityType, PointsReason, ProgressStatus
from db.models import (
    Achievement,
    ActivityLog,
    PointsLedger,
    User,
    UserAchievement,
    UserProgress,
    UserStats,
)
from tests.support.factories import earned_slugs, make_course, make_user, reload_stats
from tests.support.flows import take_quiz


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


async def stats_of(session: AsyncSession, user: User) -> UserStats:
    return await reload_stats(session, user.id)


async def ledger_sum(session: AsyncSession, user: User) -> int:
    total = await session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(PointsLedger.points), 0)).where(
            PointsLedger.user_id == user.id
        )
    )
    return int(total or 0)


async def complete(
    session: AsyncSession, course: CourseMap, user: User, index: int, when: datetime, *,
    wrong_first: bool = False,
) -> QuizResult:  # fmt: skip
    lesson = course.lessons[index]
    if wrong_first:
        await take_quiz(session, course, user, lesson.id, when, [1] * len(lesson.questions))
    return await take_quiz(session, course, user, lesson.id, when, [0] * len(lesson.questions))


# ------------------------------------------------------------------ points and levels


@pytest.mark.parametrize(
    ("points", "level", "into", "size"),
    [
        (0, 1, 0, 100),
        (99, 1, 99, 100),
        (100, 2, 0, 200),
        (299, 2, 199, 200),
        (300, 3, 0, 300),
        (600, 4, 0, 400),
        (1000, 5, 0, 500),
        (1500, 6, 0, 600),
        (2099, 6, 599, 600),
        (4500, 10, 0, 1000),
    ],
)
def test_level_n_starts_at_50_n_n_minus_1_points(
    points: int, level: int, into: int, size: int
) -> None:
    assert level_threshold(level) == 50 * level * (level - 1)
    assert level_for(points) == level
    assert level_progress(points) == (into, size)


def test_the_level_is_the_highest_whose_threshold_the_points_reach() -> None:
    for points in range(0, 60_000, 7):
        level = level_for(points)
        assert level_threshold(level) <= points < level_threshold(level + 1)


async def test_lesson_points_and_first_try_bonus_are_awarded_once(
    session: AsyncSession,
) -> None:
    await make_course(session, [2], questions=2)
    user = await make_user(session)
    course = await load_course_map(session)
    when = at("2026-03-02T10:00Z")
    first = await complete(session, course, user, 0, when)
    assert first.rewards is not None
    assert (first.rewards.points, first.rewards.bonus) == (50, FIRST_TRY_BONUS)
    again = await take_quiz(session, course, user, course.lessons[0].id, when, [0, 0])
    assert again.rewards is None  # a passed lesson taken again earns nothing
    second = await complete(session, course, user, 1, when, wrong_first=True)
    assert second.rewards is not None
    assert (second.rewards.points, second.rewards.bonus) == (50, 0)
    reasons = (await session.scalars(sa.select(PointsLedger.reason))).all()
    assert sorted(r.name for r in reasons).count("FIRST_TRY_BONUS") == 1
    assert sorted(r.name for r in reasons).count("LESSON") == 2


async def test_ledger_always_sums_to_the_stats_row(session: AsyncSession) -> None:
    await make_course(session, [4, 4], questions=1)
    user = await make_user(session)
    course = await load_course_map(session)
    for index in range(8):
        await complete(session, course, user, index, at(f"2026-03-{index + 2:02d}T10:00Z"),
                       wrong_first=index % 3 == 0)  # fmt: skip
    stats = await stats_of(session, user)
    assert stats.points == await ledger_sum(session, user)
    assert stats.level == level_for(stats.points)
    assert stats.lessons_completed == 8


async def test_level_up_is_reported(session: AsyncSession) -> None:
    await make_course(session, [3], questions=1)
    user = await make_user(session)
    course = await load_course_map(session)
    first = await complete(session, course, user, 0, at("2026-03-02T10:00Z"))
    assert first.rewards is not None
    assert not first.rewards.levelled_up  # 50 + 25 + 10 (first-lesson) = 85
    second = await complete(session, course, user, 1, at("2026-03-02T11:00Z"))
    assert second.rewards is not None
    assert second.rewards.levelled_up
    assert second.rewards.level == 2


# ------------------------------------------------------------------ a completion's award


async def test_first_completion_earns_first_lesson_with_its_points_and_activity(
    session: AsyncSession,
) -> None:
    await make_course(session, [3], questions=1)
    user = await make_user(session)
    course = await load_course_map(session)
    result = await complete(session, course, user, 0, at("2026-03-02T10:00Z"))
    assert result.rewards is not None
    assert [a.slug for a in result.rewards.achievements] == ["first-lesson"]
    stats = await stats_of(session, user)
    assert stats.points == 50 + 25 + 10
    assert stats.points == await ledger_sum(session, user)
    earned_rows = await session.scalar(
        sa.select(sa.func.count())
        .select_from(ActivityLog)
        .where(ActivityLog.activity_type == ActivityType.ACHIEVEMENT_EARNED)
    )
    assert earned_rows == 1


async def test_two_concurrent_completions_award_once(
    session_factory: async_sessionmaker[AsyncSession], backend: str
) -> None:
    async with session_factory() as setup:
        await make_course(setup, [2], questions=1)
        user = await make_user(setup)
        # Registration creates the stats row; the race is on completing, not on creating it.
        setup.add(UserStats(user_id=user.id, updated_at=at("2026-03-02T09:00Z")))
        course = await load_course_map(setup)
        for lesson in course.lessons:  # both started, so both may be completed at once
            setup.add(
                UserProgress(user_id=user.id, lesson_id=lesson.id,
                             status=ProgressStatus.IN_PROGRESS, started_at=at("2026-03-02T09:00Z"))
            )  # fmt: skip
        await setup.commit()
        user_id = user.id

    async def finish(index: int) -> None:
        async with session_factory() as session:
            learner = await session.get(User, user_id)
            assert learner is not None
            await complete(session, course, learner, index, at("2026-03-02T10:00Z"))
            await session.commit()

    if backend == "sqlite":  # SQLite serialises writers: run one after the other
        await finish(0)
        await finish(1)
    else:
        outcomes = await asyncio.gather(finish(0), finish(1), return_exceptions=True)
        assert outcomes == [None, None]
    async with session_factory() as check:
        learner = await check.get(User, user_id)
        assert learner is not None
        assert "first-lesson" in await earned_slugs(check, learner)
        stats = await stats_of(check, learner)
        assert stats.lessons_completed == 2
        assert stats.points == await ledger_sum(check, learner)
        firsts = await check.scalar(
            sa.select(sa.func.count())
            .select_from(PointsLedger)
            .where(PointsLedger.reason == PointsReason.ACHIEVEMENT)
            .where(PointsLedger.award_key.like("achievement:%"))
        )
        earned = await check.scalar(
            sa.select(sa.func.count())
            .select_from(UserAchievement)
            .join(Achievement, Achievement.id == UserAchievement.achievement_id)
            .where(Achievement.points > 0)
        )
        assert firsts == earned  # one ledger row per achievement with points, no doubles
