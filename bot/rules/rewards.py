"""Points, levels, streaks and achievements: what a completed lesson earns.

Points: a lesson's `points` on its first completion; `FIRST_TRY_BONUS` more when its
quiz was passed at the first attempt; an achievement's own points. Every award is a
row in `points_ledger` whose `(user_id, award_key)` is unique, and `user_stats` is
updated in the same transaction, so the ledger always sums to the stats row.

Level: level n starts at `LEVEL_STEP · n · (n − 1)` points (0, 100, 300, 600, 1000, 1500,
2100, …): each level takes 100 points more than the one before, so early levels come
quickly and later ones mark real work. The bundled course (about 1,300 to 1,700 points
with its achievements) ends at level 5 or 6.

Streak, in the learner's own time zone: completing a lesson on a local day keeps the
streak; the first completion on the next local day adds one; a missed day uses a freeze
or the next completion starts again at one. The exact day rule (a change of zone never
adds a day) and the freezes are in `bot.rules.streaks`.

Achievements are data: `criteria` is a JSON object whose keys must all hold:
`lessons_completed`, `modules_completed`, `streak_days`, `perfect_quizzes`, `points`
(each "at least N"), and the course-relative `lessons_percent`, `modules_percent`,
`points_percent` (at least that share of the course's published lessons, of its modules,
of the most points its lessons give: every lesson at the first try), rounded up to whole
lessons, modules or points. They are checked after every completion and awarded once.

An achievement is reachable on a course when a learner finishing it can meet its criteria:
lessons, modules and perfect quizzes up to the course's own counts, a streak up to one day
per lesson, and points up to the lessons' maximum plus what the other reachable
achievements give (`reachable_rules`). `/achievements` lists only reachable ones.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.course import CourseMap, LessonInfo, LoopLock
from bot.rules.learners import local_date, zone_of
from bot.rules.pushes import usual_hour
from bot.rules.streaks import apply_activity
from db.enums import ActivityType, PointsReason
from db.models import (
    Achievement,
    ActivityLog,
    PointsLedger,
    User,
    UserAchievement,
    UserStats,
)
from db.upsert import insert_all

log = logging.getLogger(__name__)

FIRST_TRY_BONUS = 25
LEVEL_STEP = 50  # level n starts at LEVEL_STEP * n * (n - 1) points
ABSOLUTE_KEYS = frozenset(
    {"lessons_completed", "modules_completed", "streak_days", "perfect_quizzes", "points"}
)
# A course-relative key: the absolute key it sets, and the course total it is a share of.
PERCENT_KEYS = {
    "lessons_percent": ("lessons_completed", "lessons"),
    "modules_percent": ("modules_completed", "modules"),
    "points_percent": ("points", "points"),
}
CRITERIA_KEYS = ABSOLUTE_KEYS | frozenset(PERCENT_KEYS)


def level_threshold(level: int) -> int:
    """The points at which `level` starts."""
    return LEVEL_STEP * level * (level - 1)


def level_for(points: int) -> int:
    """The highest level whose threshold `points` reaches."""
    # n(n-1) <= q  <=>  (2n-1)^2 <= 4q+1, exact in integers.
    return (math.isqrt(4 * (max(points, 0) // LEVEL_STEP) + 1) + 1) // 2


def level_progress(points: int) -> tuple[int, int]:
    """Points gained within the current level, and points the current level takes."""
    level = level_for(points)
    start = level_threshold(level)
    return points - start, level_threshold(level + 1) - start


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
    """The criteria in absolute numbers for this course; empty (never met) when a
    course-relative key has no course to measure against."""
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


def reachable_rules(rules: list[AchievementRule], size: CourseSize) -> list[AchievementRule]:
    """The achievements a learner finishing this course can earn (see the module docstring)."""
    bounds = {
        "lessons_completed": size.lessons,
        "modules_completed": size.modules,
        "streak_days": size.lessons,
        "perfect_quizzes": size.lessons,
    }
    needs = {rule.id: thresholds(rule.criteria, size) for rule in rules}

    def fits(rule: AchievementRule, points_bound: int) -> bool:
        need = needs[rule.id]
        return bool(need) and all(
            value <= (points_bound if key == "points" else bounds[key])
            for key, value in need.items()
        )

    reachable: dict[int, AchievementRule] = {}
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


@dataclass
class Rewards:
    """Everything one completion earned, for the one message the learner gets."""

    points: int = 0
    bonus: int = 0
    level_before: int = 1
    level: int = 1
    streak: int = 0
    streak_grew: bool = False
    achievements: list[EarnedAchievement] = field(default_factory=list)

    @property
    def levelled_up(self) -> bool:
        return self.level > self.level_before

    @property
    def achievement_points(self) -> int:
        return sum(achievement.points for achievement in self.achievements)

    @property
    def total(self) -> int:
        """Every point this completion added: the lesson's, the bonus, the achievements'."""
        return self.points + self.bonus + self.achievement_points


async def locked_stats(session: AsyncSession, user: User, now: datetime) -> UserStats:
    """The learner's stats row, locked for this transaction (created on first use).

    The lock serialises two completions of one learner, and a locking read sees the
    latest committed row, not this transaction's older snapshot.
    """
    stats = await session.scalar(
        select(UserStats)
        .where(UserStats.user_id == user.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if stats is None:
        stats = UserStats(user_id=user.id, updated_at=now)
        session.add(stats)
        await session.flush()
    return stats


@dataclass(frozen=True)
class Completion:
    """A lesson completed for the first time, by the quiz attempt that passed it."""

    lesson: LessonInfo
    completed: frozenset[int]  # every lesson the learner has completed, this one included
    score: int
    attempt: int
    # When each of those lessons was first completed (for the usual learning hour).
    completed_at: tuple[datetime, ...] = ()

    @property
    def first_attempt(self) -> bool:
        return self.attempt == 1


async def on_lesson_completed(
    session: AsyncSession,
    course: CourseMap,
    user: User,
    completion: Completion,
    now: datetime,
    *,
    activity: list[dict[str, Any]] | None = None,
) -> Rewards:
    """Award a first completion: points, bonus, streak, counters, level, achievements.

    One locking read takes the stats row with the achievements the learner owns; the
    stats change in one UPDATE, and the ledger rows (lesson, bonus, achievements), the
    achievements earned and the activity rows (with any `activity` rows the caller still
    has to write) are one INSERT each.
    """
    lesson, completed = completion.lesson, completion.completed
    first_attempt, score, attempt = completion.first_attempt, completion.score, completion.attempt
    await ACHIEVEMENTS.get(session)  # loaded (if stale) before any change: no flush between
    stats, owned = await locked_stats_and_achievements(session, user, now)
    rewards = Rewards(level_before=stats.level)
    rewards.points = lesson.points
    rewards.bonus = FIRST_TRY_BONUS if first_attempt else 0
    stats.points += rewards.points + rewards.bonus
    stats.lessons_completed += 1
    stats.perfect_quizzes += int(score == 100)
    rewards.streak_grew = apply_activity(stats, zone_of(user), now).grew
    stats.usual_hour = usual_hour(completion.completed_at or (now,), user, now)
    stats.longest_streak = max(stats.longest_streak, stats.current_streak)
    stats.last_active_date = local_date(user, now)
    stats.updated_at = now
    modules_done = sum(
        1 for module in course.modules if all(item.id in completed for item in module.lessons)
    )
    awards: list[Award] = [
        (PointsReason.LESSON, f"lesson:{lesson.id}", lesson.points, lesson.id, None)
    ]
    if first_attempt:
        awards.append(
            (PointsReason.FIRST_TRY_BONUS, f"bonus:{lesson.id}", FIRST_TRY_BONUS, lesson.id, None)
        )
    size = CourseSize.of(course)
    rewards.achievements = await award_achievements(
        session, user, stats, modules_done, now, size=size, owned=owned, awards=awards
    )
    rewards.level, rewards.streak = stats.level, stats.current_streak
    await session.execute(
        insert_all(ActivityLog),
        [
            *(activity or []),
            {
                "user_id": user.id,
                "activity_type": ActivityType.LESSON_COMPLETED,
                "entity_id": lesson.id,
                "entity_type": "lesson",
                "created_at": now,
                "details": json.dumps({"score": score, "attempt": attempt}),
            },
            *(
                {
                    "user_id": user.id,
                    "activity_type": ActivityType.ACHIEVEMENT_EARNED,
                    "entity_id": earned.id,
                    "entity_type": "achievement",
                    "created_at": now,
                    "details": None,
                }
                for earned in rewards.achievements
            ),
        ],
    )
    return rewards


LOCKED_STATS_AND_ACHIEVEMENTS = (
    select(UserStats, UserAchievement.achievement_id)
    .outerjoin(UserAchievement, UserAchievement.user_id == UserStats.user_id)
    .where(UserStats.user_id == bindparam("user_id"))
    .with_for_update()
    .execution_options(populate_existing=True)
)


async def locked_stats_and_achievements(
    session: AsyncSession, user: User, now: datetime
) -> tuple[UserStats, set[int]]:
    """`locked_stats`, with the ids of the achievements the learner owns, in one read."""
    rows = (await session.execute(LOCKED_STATS_AND_ACHIEVEMENTS, {"user_id": user.id})).all()
    if not rows:
        return await locked_stats(session, user, now), set()
    return rows[0][0], {earned for _stats, earned in rows if earned is not None}


# An award: its reason, its key (unique per learner), its points, and its lesson or achievement.
Award = tuple[PointsReason, str, int, int | None, int | None]


async def write_awards(
    session: AsyncSession,
    user: User,
    awards: Sequence[Award],
    earned: list[EarnedAchievement],
    now: datetime,
) -> None:
    """The ledger rows of `awards` and of the achievements earned (those with points), in
    one INSERT, and the achievements themselves in another."""
    rows = [*awards] + [
        (PointsReason.ACHIEVEMENT, f"achievement:{a.id}", a.points, None, a.id)
        for a in earned
        if a.points
    ]
    if rows:
        await session.execute(
            insert_all(PointsLedger),
            [
                {
                    "user_id": user.id,
                    "points": points,
                    "reason": reason,
                    "award_key": key,
                    "lesson_id": lesson_id,
                    "achievement_id": achievement_id,
                    "created_at": now,
                }
                for reason, key, points, lesson_id, achievement_id in rows
            ],
        )
    if earned:
        await session.execute(
            insert(UserAchievement),
            [{"user_id": user.id, "achievement_id": a.id, "earned_at": now} for a in earned],
        )


@dataclass(frozen=True)
class AchievementRule:
    id: int
    slug: str
    title: str
    icon: str | None
    points: int
    criteria: dict[str, int]


class AchievementCache:
    """The achievements (data that changes with deploys and imports), kept for `ttl`
    seconds per database, so checking them costs no query on most completions."""

    def __init__(self, ttl: float = 60.0) -> None:
        self._ttl = ttl
        self._rules: dict[int, tuple[float, list[AchievementRule]]] = {}
        self._loading = LoopLock()  # one load at a time; the others wait for it

    async def get(self, session: AsyncSession) -> list[AchievementRule]:
        key = id(session.get_bind())
        cached = self._fresh(key)
        if cached is not None:
            return cached
        async with self._loading():
            cached = self._fresh(key)
            if cached is not None:
                return cached
            rows = (await session.scalars(select(Achievement).order_by(Achievement.id))).all()
            rules = [
                AchievementRule(a.id, a.slug, a.title, a.icon, a.points, parse_criteria(a.criteria))
                for a in rows
            ]
            self._rules[key] = (time.monotonic(), rules)
            return rules

    def _fresh(self, key: int) -> list[AchievementRule] | None:
        cached = self._rules.get(key)
        if cached is not None and time.monotonic() - cached[0] <= self._ttl:
            return cached[1]
        return None

    def invalidate(self) -> None:
        self._rules.clear()


ACHIEVEMENTS = AchievementCache()


@dataclass(frozen=True)
class Measures:
    """What achievement criteria are checked against: the stats row (its points grow as
    achievements are earned), the modules done and the course's size."""

    stats: UserStats
    modules_done: int
    size: CourseSize | None


def earn_achievements(
    candidates: list[AchievementRule], owned: set[int], measures: Measures
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
            "modules_completed": measures.modules_done,
            "streak_days": stats.current_streak,
            "perfect_quizzes": stats.perfect_quizzes,
            "points": stats.points,
        }
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


async def award_achievements(
    session: AsyncSession,
    user: User,
    stats: UserStats,
    modules_done: int,
    now: datetime,
    rules: AchievementCache = ACHIEVEMENTS,
    *,
    size: CourseSize | None = None,
    owned: set[int] | None = None,
    awards: Sequence[Award] = (),
) -> list[EarnedAchievement]:
    """Award every achievement whose criteria now hold and that the learner lacks, and set
    the level the points (achievements' included) reach.

    The caller holds the learner's stats row lock, and at READ COMMITTED the read of
    owned achievements (`owned`, when the caller read them with that lock) sees every
    award committed by the previous holder: nothing is awarded twice. The ledger rows of
    `awards` (a lesson's, say) go out in the same INSERT as the achievements'.
    """
    candidates = await rules.get(session)
    if owned is None:
        owned = set(
            await session.scalars(
                select(UserAchievement.achievement_id).where(UserAchievement.user_id == user.id)
            )
        )
    earned = earn_achievements(candidates, owned, Measures(stats, modules_done, size))
    stats.level = level_for(stats.points)
    await write_awards(session, user, awards, earned, now)
    return earned


def parse_criteria(raw: str | None) -> dict[str, int]:
    """The criteria of an achievement; unknown or malformed criteria never match."""
    try:
        value = json.loads(raw or "")
    except json.JSONDecodeError:
        return {}
    if not isinstance(value, dict) or not value or not set(value) <= CRITERIA_KEYS:
        return {}
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in value.values()):
        return {}
    return value


def criteria_hold(criteria: dict[str, int], measures: dict[str, int]) -> bool:
    return bool(criteria) and all(measures[key] >= need for key, need in criteria.items())


async def ledger_total(session: AsyncSession, user_id: int) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(PointsLedger.points), 0)).where(
            PointsLedger.user_id == user_id
        )
    )
    return int(total or 0)
