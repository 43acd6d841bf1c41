"""Achievements: criteria, what a course makes reachable, and what a learner earns now.

Achievements are data (loaded with the course map, `AchievementInfo`): `criteria` is a
JSON object whose keys must all hold: `lessons_completed`, `modules_completed`,
`streak_days`, `perfect_quizzes`, `points` (each "at least N"), and the course-relative
`lessons_percent`, `modules_percent`, `points_percent` (at least that share of the
course's published lessons, of its modules, of the most points its lessons give: every
lesson at the first try), rounded up to whole lessons, modules or points. They are
checked after everything that pays points or keeps the streak, and awarded once.
Modules are counted when a lesson completes; other awards (a review) cannot meet a
criterion on modules. `lessons_percent` counts the lessons done of the course of the lesson
just completed: lessons of the learner's other courses do not finish this one.

An achievement is reachable on a course when a learner finishing it can meet its criteria:
lessons, modules and perfect quizzes up to the course's own counts, a streak up to one day
per lesson, and points up to the lessons' maximum plus what the other reachable
achievements give (`reachable_rules`). `/achievements` lists only reachable ones.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bot.rules.course import AchievementInfo, CourseMap
from bot.rules.motivation.levels import FIRST_TRY_BONUS
from db.models import UserStats

ABSOLUTE_KEYS = frozenset(
    {"lessons_completed", "modules_completed", "streak_days", "perfect_quizzes", "points"}
)
# A course-relative key: the absolute key it sets, and the course total it is a share of.
PERCENT_KEYS = {
    # Lessons of this course, not of every course the learner took.
    "lessons_percent": ("course_lessons_completed", "lessons"),
    "modules_percent": ("modules_completed", "modules"),
    "points_percent": ("points", "points"),
}
CRITERIA_KEYS = ABSOLUTE_KEYS | frozenset(PERCENT_KEYS)


@dataclass(frozen=True)
class CourseSize:
    """What a course offers: published lessons and modules, the most points its lessons give."""

    lessons: int
    modules: int
    points: int

    @classmethod
    def of(cls, course: CourseMap) -> CourseSize:
        points = sum(lesson.points + FIRST_TRY_BONUS for lesson in course.lessons)
        return cls(len(course.lessons), len(course.modules), points)


def thresholds(criteria: dict[str, int], size: CourseSize | None) -> dict[str, int]:
    """The criteria in absolute numbers for this course; empty (never met) when a key is
    unknown, or a course-relative key has no course to measure against."""
    if not set(criteria) <= CRITERIA_KEYS:
        return {}
    absolute = {key: need for key, need in criteria.items() if key in ABSOLUTE_KEYS}
    for key, percent in criteria.items():
        if key not in PERCENT_KEYS:
            continue
        target, total_name = PERCENT_KEYS[key]
        total = getattr(size, total_name, 0) if size is not None else 0
        if not total or not 0 < percent <= 100:
            return {}
        absolute[target] = max(absolute.get(target, 0), math.ceil(percent * total / 100))
    return absolute


def reachable_rules(rules: Sequence[AchievementInfo], size: CourseSize) -> list[AchievementInfo]:
    """The achievements a learner finishing this course can earn (see the module docstring)."""
    bounds = {
        "lessons_completed": size.lessons,
        "course_lessons_completed": size.lessons,
        "modules_completed": size.modules,
        "streak_days": size.lessons,
        "perfect_quizzes": size.lessons,
    }
    needs = {rule.id: thresholds(rule.criteria, size) for rule in rules}

    def fits(rule: AchievementInfo, points_bound: int) -> bool:
        need = needs[rule.id]
        return bool(need) and all(
            value <= (points_bound if key == "points" else bounds[key])
            for key, value in need.items()
        )

    reachable: dict[int, AchievementInfo] = {}
    while True:
        bonus = sum(rule.points for rule in reachable.values())
        new = [
            rule for rule in rules if rule.id not in reachable and fits(rule, size.points + bonus)
        ]
        if not new:
            return [rule for rule in rules if rule.id in reachable]
        reachable.update((rule.id, rule) for rule in new)


@dataclass(frozen=True)
class EarnedAchievement:
    id: int
    slug: str
    title: str
    icon: str | None
    points: int


@dataclass(frozen=True)
class Measures:
    """What achievement criteria are checked against: the stats row (its points grow as
    achievements are earned), the modules done (None: not counted by this award) and the
    course's size."""

    stats: UserStats
    modules_done: int | None
    size: CourseSize | None
    course_lessons_done: int | None = None  # lessons of the course done (None: not counted)


def earn_achievements(
    candidates: Sequence[AchievementInfo], owned: set[int], measures: Measures
) -> list[EarnedAchievement]:
    """Every achievement whose criteria now hold and that the learner lacks; each adds its
    points to the stats row. Achievement points can reach a points milestone, so checking
    repeats until nothing new is earned."""
    stats = measures.stats
    owned = set(owned)
    earned: list[EarnedAchievement] = []
    while True:
        values = {
            "lessons_completed": stats.lessons_completed,
            "streak_days": stats.current_streak,
            "perfect_quizzes": stats.perfect_quizzes,
            "points": stats.points,
        }
        if measures.modules_done is not None:
            values["modules_completed"] = measures.modules_done
        if measures.course_lessons_done is not None:
            values["course_lessons_completed"] = measures.course_lessons_done
        new = [
            r
            for r in candidates
            if r.id not in owned and criteria_hold(thresholds(r.criteria, measures.size), values)
        ]
        if not new:
            return earned
        for rule in new:
            owned.add(rule.id)
            stats.points += rule.points
            earned.append(EarnedAchievement(rule.id, rule.slug, rule.title, rule.icon, rule.points))


def criteria_hold(criteria: dict[str, int], measures: dict[str, int]) -> bool:
    """All criteria hold; a criterion on something not measured never does."""
    return bool(criteria) and all(
        key in measures and measures[key] >= need for key, need in criteria.items()
    )
