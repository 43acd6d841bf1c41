"""Achievements: each criterion, malformed criteria, points that reach a points
achievement, and which achievements a course can give, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.course import load_catalogue, load_course_map
from bot.rules.learning.progress import achievements_view
from bot.rules.motivation.achievements import (
    CourseSize,
    EarnedAchievement,
    Measures,
    earn_achievements,
    reachable_rules,
)
from bot.rules.motivation.awards import collect_awards, locked_stats
from bot.rules.pending import Pending
from db.models import Achievement, User, UserAchievement, UserStats
from tests.support.factories import (
    T0,
    earned_slugs,
    import_bundled_course,
    make_course,
    make_user,
)
from tests.support.flows import right_answers, take_quiz

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


async def award_achievements(
    session: AsyncSession, user: User, stats: UserStats, modules_done: int, now: datetime
) -> list[EarnedAchievement]:
    """What `award` does about achievements, for stats set by hand: earn what now holds
    (measured without a course) and write it."""
    course = await load_course_map(session)
    owned = set(
        await session.scalars(
            sa.select(UserAchievement.achievement_id).where(UserAchievement.user_id == user.id)
        )
    )
    earned = earn_achievements(course.achievements, owned, Measures(stats, modules_done, None))
    pending = Pending()
    collect_awards(pending, user, [], earned, now)
    await pending.write(session)
    return earned


@pytest.mark.parametrize(
    ("measures", "modules_done", "expected"),
    [
        ({"lessons_completed": 1}, 0, {"first-lesson"}),
        ({"lessons_completed": 10}, 0, {"first-lesson", "lessons-10"}),
        ({"lessons_completed": 50}, 0, {"first-lesson", "lessons-10"}),
        ({}, 1, {"first-module"}),
        ({"current_streak": 3}, 0, {"streak-3"}),
        ({"current_streak": 7}, 0, {"streak-3", "streak-7"}),
        ({"current_streak": 30}, 0, {"streak-3", "streak-7", "streak-14"}),
        ({"perfect_quizzes": 9}, 0, set()),
        ({"perfect_quizzes": 10}, 0, {"perfect-10"}),
        ({"points": 499}, 0, set()),
        ({"points": 500}, 0, {"points-500"}),
        ({"points": 2000}, 0, {"points-500"}),  # points-top needs a course to measure
    ],
)
async def test_each_achievement_criterion(
    session: AsyncSession, measures: dict[str, int], modules_done: int, expected: set[str]
) -> None:
    user = await make_user(session)
    stats = await locked_stats(session, user, at("2026-03-02T10:00Z"))
    for name, value in measures.items():
        setattr(stats, name, value)
    earned = await award_achievements(session, user, stats, modules_done, at("2026-03-02T10:00Z"))
    assert {a.slug for a in earned} == expected
    assert await earned_slugs(session, user) == expected
    again = await award_achievements(session, user, stats, modules_done, at("2026-03-03T10:00Z"))
    assert again == []


async def test_achievement_points_can_reach_a_points_milestone(session: AsyncSession) -> None:
    session.add(
        Achievement(
            slug="big", type="MILESTONE", title="Big", points=10, criteria='{"points": 490}'
        )
    )
    user = await make_user(session)
    stats = await locked_stats(session, user, at("2026-03-02T10:00Z"))
    stats.points = 490
    earned = await award_achievements(session, user, stats, 0, at("2026-03-02T10:00Z"))
    assert [a.slug for a in earned] == ["big", "points-500"]
    assert stats.points == 500


async def test_malformed_criteria_never_match(session: AsyncSession) -> None:
    for slug, criteria in [("bad1", "not json"), ("bad2", '{"dance": 1}'), ("bad3", "[]"),
                           ("bad4", '{"points": "many"}'), ("bad5", None)]:  # fmt: skip
        session.add(Achievement(slug=slug, type="MILESTONE", title=slug, criteria=criteria))
    user = await make_user(session)
    stats = await locked_stats(session, user, at("2026-03-02T10:00Z"))
    stats.points = 10**6
    earned = await award_achievements(session, user, stats, 0, at("2026-03-02T10:00Z"))
    assert not {a.slug for a in earned} & {"bad1", "bad2", "bad3", "bad4", "bad5"}


async def test_every_default_achievement_is_reachable_on_the_bundled_course(
    session: AsyncSession,
) -> None:
    await import_bundled_course(session)
    course = await load_course_map(session)
    rules = list(course.achievements)
    assert len(rules) == 11
    assert reachable_rules(rules, CourseSize.of(course)) == rules


async def test_a_learner_taking_the_bundled_course_a_lesson_a_day_earns_every_achievement(
    session: AsyncSession,
) -> None:
    await import_bundled_course(session)
    user = await make_user(session)
    course = await load_course_map(session)
    for day, lesson in enumerate(course.lessons):
        when = NOW + timedelta(days=day)
        await take_quiz(session, course, user, lesson.id, when, right_answers(lesson))
    earned = set(
        await session.scalars(
            sa.select(Achievement.slug).join(
                UserAchievement, UserAchievement.achievement_id == Achievement.id
            )
        )
    )
    assert earned == set(await session.scalars(sa.select(Achievement.slug)))


async def test_achievements_that_a_course_cannot_give_are_not_listed(
    session: AsyncSession,
) -> None:
    await make_course(session, [2], questions=1)
    user = await make_user(session)
    course = await load_course_map(session)
    slugs = {view.slug for view in await achievements_view(session, course, user)}
    assert slugs == {"first-lesson", "first-module", "course-half", "course-complete", "points-top"}


async def test_lessons_of_another_course_do_not_finish_this_one(session: AsyncSession) -> None:
    """`lessons_percent: 100` (Graduate) counts the lessons of the course just completed."""
    await make_course(session, [3], questions=1, slug="git", title="Git")
    await make_course(session, [2], questions=1, slug="goals", title="Goals")
    user = await make_user(session)
    git, goals = (await load_catalogue(session)).courses
    for lesson in git.lessons[:2]:
        await take_quiz(session, git, user, lesson.id, T0, [0])
    await take_quiz(session, goals, user, goals.lessons[0].id, T0, [0])
    # Three lessons done in all, more than Goals has; but Goals is 1 of 2, Git 2 of 3.
    assert "course-complete" not in await earned_slugs(session, user)
    await take_quiz(session, goals, user, goals.lessons[1].id, T0, [0])
    assert "course-complete" in await earned_slugs(session, user)
