"""The one way to award: whatever pays points or keeps the streak goes through `award`.

`award` takes what happened (a lesson completed for the first time, a review answered)
and, under the learner's stats row lock, writes everything it earned in one place: the
points ledger, the stats (points, counters, level, streak), the achievements whose
criteria now hold, and the activity rows. Every ledger row's `(user_id, award_key)` is
unique, and `user_stats` changes in the same transaction, so the ledger always sums to
the stats row. The rows go to the caller's `Pending` collector, written once at the end
of the operation; the stats change in one UPDATE.

Streak, in the learner's own time zone: activity on a local day keeps the streak; the
first on the next local day adds one; a missed day uses a freeze or the next activity
starts again at one (the exact rule is in `bot.rules.motivation.streaks`). A completed
lesson keeps it; so does a review session long enough to count as the day's activity.

Lessons tested out by a placement check are done but not taken: they pay nothing, and the
achievements on lessons and modules count taken ones only, except that a finished course
counts whole (its certificate's course-complete achievement is earned however it was
finished). A placement check itself pays nothing and keeps no streak.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.course import CourseMap, LessonInfo
from bot.rules.learners import local_date, zone_of
from bot.rules.motivation.achievements import (
    CourseSize,
    EarnedAchievement,
    Measures,
    earn_achievements,
)
from bot.rules.motivation.levels import FIRST_TRY_BONUS, level_for
from bot.rules.motivation.streaks import apply_activity, usual_hour
from bot.rules.pending import Pending, activity_row
from db.enums import ActivityType, PointsReason
from db.models import ActivityLog, PointsLedger, User, UserAchievement, UserStats
from db.queries.motivation import locked_stats_rows


@dataclass(frozen=True)
class LessonCompleted:
    """A lesson completed for the first time, by the quiz attempt that passed it."""

    lesson: LessonInfo
    completed: frozenset[int]  # every lesson the learner has completed, this one included
    score: int
    attempt: int
    # When each of those lessons was first completed (for the usual learning hour).
    completed_at: tuple[datetime, ...] = ()
    tested_out: frozenset[int] = frozenset()  # those of `completed` a placement check did

    @property
    def first_attempt(self) -> bool:
        return self.attempt == 1


@dataclass(frozen=True)
class ReviewAnswered:
    """A review answer: `points` for a right one (one award per card and review number),
    and the streak kept when it finished a session long enough to count as the day's
    activity."""

    card_id: int
    review_number: int
    points: int
    keeps_streak: bool = False


@dataclass(frozen=True)
class PlacementFinished:
    """A placement check finished: no points, no streak; the course's achievements are
    checked against what is done now (`completed`, `tested_out` among them)."""

    completed: frozenset[int]
    tested_out: frozenset[int]


Happening = LessonCompleted | ReviewAnswered | PlacementFinished


@dataclass(frozen=True)
class Award:
    """One row of the points ledger: why, its key (unique per learner), how many points,
    and the lesson or achievement it is for."""

    reason: PointsReason
    key: str
    points: int
    lesson_id: int | None = None
    achievement_id: int | None = None


@dataclass
class Rewards:
    """Everything one award earned, for the one message the learner gets."""

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
        """Every point this award added: the lesson's, the bonus, the achievements'."""
        return self.points + self.bonus + self.achievement_points


async def award(
    session: AsyncSession,
    pending: Pending,
    course: CourseMap,
    user: User,
    happened: Happening,
    now: datetime,
) -> Rewards:
    """Pay what `happened` earns: ledger rows, stats, streak, level, achievements, activity.

    One locking read takes the stats row with the achievements the learner owns; nothing
    is written before it, so the stats change in one UPDATE at the end, and the rows go to
    `pending` (one INSERT per table when the caller writes it).
    """
    stats, owned = await locked_stats_and_achievements(session, user, now)
    level_before = stats.level
    match happened:
        case LessonCompleted():
            earning = _lesson_completed(happened, course, stats, user, now, pending)
        case ReviewAnswered():
            earning = _review_answered(happened)
        case PlacementFinished():
            modules, lessons = course_counts(course, happened.completed, happened.tested_out)
            earning = Earning(
                [], keeps_streak=False, modules_done=modules, course_lessons_done=lessons
            )
    stats.points += sum(item.points for item in earning.awards)
    grew = keep_streak(stats, user, now) if earning.keeps_streak else False
    if earning.awards or earning.keeps_streak:
        stats.updated_at = now
    measures = Measures(
        stats, earning.modules_done, CourseSize.of(course), earning.course_lessons_done
    )
    earned = earn_achievements(course.achievements, owned, measures)
    stats.level = level_for(stats.points)
    collect_awards(pending, user, earning.awards, earned, now)
    bonus = sum(a.points for a in earning.awards if a.reason is PointsReason.FIRST_TRY_BONUS)
    return Rewards(
        points=sum(a.points for a in earning.awards) - bonus,
        bonus=bonus,
        level_before=level_before,
        level=stats.level,
        streak=stats.current_streak,
        streak_grew=grew,
        achievements=earned,
    )


@dataclass(frozen=True)
class Earning:
    """What one happening pays before achievements: its ledger rows, whether it keeps the
    streak, and the modules done (None: this happening does not count them)."""

    awards: list[Award]
    keeps_streak: bool
    modules_done: int | None = None
    course_lessons_done: int | None = None


def _lesson_completed(
    happened: LessonCompleted,
    course: CourseMap,
    stats: UserStats,
    user: User,
    now: datetime,
    pending: Pending,
) -> Earning:
    """The lesson's points, the first-try bonus, the counters and the usual hour."""
    lesson = happened.lesson
    awards = [Award(PointsReason.LESSON, f"lesson:{lesson.id}", lesson.points, lesson.id)]
    if happened.first_attempt:
        bonus_key = f"bonus:{lesson.id}"
        awards.append(Award(PointsReason.FIRST_TRY_BONUS, bonus_key, FIRST_TRY_BONUS, lesson.id))
    stats.lessons_completed += 1
    stats.perfect_quizzes += int(happened.score == 100)
    stats.usual_hour = usual_hour(happened.completed_at or (now,), user, now)
    modules_done, lessons_done = course_counts(course, happened.completed, happened.tested_out)
    details = json.dumps({"score": happened.score, "attempt": happened.attempt})
    completed = ActivityType.LESSON_COMPLETED
    pending.add(
        ActivityLog, [activity_row(user.id, completed, now, ("lesson", lesson.id), details)]
    )
    return Earning(
        awards,
        keeps_streak=True,
        modules_done=modules_done,
        course_lessons_done=lessons_done,
    )


def course_counts(
    course: CourseMap, completed: frozenset[int], tested_out: frozenset[int]
) -> tuple[int, int]:
    """The course's modules and lessons done, as achievements count them: taken lessons
    only (not tested out), but a finished course counts whole."""
    if all(lesson.id in completed for lesson in course.lessons):
        return len(course.modules), len(course.lessons)
    taken = completed - tested_out
    modules = sum(1 for m in course.modules if all(item.id in taken for item in m.lessons))
    return modules, course.done_in(taken)


def _review_answered(happened: ReviewAnswered) -> Earning:
    """A right answer's points (once per card and review number); the streak at the end of
    a long enough session."""
    key = f"review:{happened.card_id}:{happened.review_number}"
    awards = [Award(PointsReason.REVIEW, key, happened.points)] if happened.points else []
    return Earning(awards, keeps_streak=happened.keeps_streak)


def keep_streak(stats: UserStats, user: User, now: datetime) -> bool:
    """Count activity at `now` into the streak; True when it grew (or started)."""
    grew = apply_activity(stats, zone_of(user), now).grew
    stats.longest_streak = max(stats.longest_streak, stats.current_streak)
    stats.last_active_date = local_date(user, now)
    return grew


def collect_awards(
    pending: Pending,
    user: User,
    awards: list[Award],
    earned: list[EarnedAchievement],
    now: datetime,
) -> None:
    """The ledger rows (the awards', then the achievements' with points), the achievements
    and their activity rows."""
    ledger = awards + [
        Award(PointsReason.ACHIEVEMENT, f"achievement:{a.id}", a.points, achievement_id=a.id)
        for a in earned
        if a.points
    ]
    pending.add(
        PointsLedger,
        (
            {
                "user_id": user.id,
                "points": item.points,
                "reason": item.reason,
                "award_key": item.key,
                "lesson_id": item.lesson_id,
                "achievement_id": item.achievement_id,
                "created_at": now,
            }
            for item in ledger
        ),
    )
    pending.add(
        UserAchievement,
        ({"user_id": user.id, "achievement_id": a.id, "earned_at": now} for a in earned),
    )
    kind = ActivityType.ACHIEVEMENT_EARNED
    pending.add(
        ActivityLog, (activity_row(user.id, kind, now, ("achievement", a.id)) for a in earned)
    )


async def locked_stats(session: AsyncSession, user: User, now: datetime) -> UserStats:
    """The learner's stats row, locked for this transaction (created on first use).

    The lock serialises two awards of one learner, and a locking read sees the latest
    committed row, not this transaction's older snapshot.
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


async def locked_stats_and_achievements(
    session: AsyncSession, user: User, now: datetime
) -> tuple[UserStats, set[int]]:
    """`locked_stats`, with the ids of the achievements the learner owns, in one read.

    At READ COMMITTED the owned achievements read with the lock include every award
    committed by the previous holder: nothing is awarded twice."""
    rows = await locked_stats_rows(session, user.id)
    if not rows:
        return await locked_stats(session, user, now), set()
    return rows[0][0], {earned for _stats, earned in rows if earned is not None}


async def ledger_total(session: AsyncSession, user_id: int) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(PointsLedger.points), 0)).where(
            PointsLedger.user_id == user_id
        )
    )
    return int(total or 0)
