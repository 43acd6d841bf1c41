"""Data taken out: a learner's own data as a document.

A learner's export holds every row about them (the tables `bot.rules.privacy.erasure`
finds), written for a person: ISO-8601 dates (UTC), names of lessons, modules and achievements
rather than ids.
Tables without a section of their own (added later) still appear, column by column, under
"other", so nothing about the learner is ever left out. (The admins' CSV of every learner is
bot.rules.privacy.learners_csv.)
"""

from __future__ import annotations

import enum
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.assignments.export import assignments_export
from bot.rules.motivation.board_history import placings
from bot.rules.motivation.leaderboard import standing
from bot.rules.placement.stats import learner_checks
from bot.rules.privacy.erasure import LearnerRows
from db.models import (
    Achievement,
    ActivityLog,
    Cohort,
    CohortMember,
    CohortRoleRow,
    Course,
    Delivery,
    FieldOutput,
    Journey,
    LeaderboardCache,
    LeaderboardSnapshot,
    Lesson,
    Module,
    PlacementAnswer,
    PlacementCheck,
    PointsLedger,
    QuizPoll,
    QuizQuestion,
    Submission,
    SubmissionReview,
    User,
    UserAchievement,
    UserProgress,
    UserStats,
)

EXPORT_FORMAT = 1  # bump when the document's shape changes

# Tables the export renders in a section of its own; any other table about the learner is
# listed under "other" as it is stored.
SECTIONED = frozenset(
    model.__tablename__
    for model in (
        User,
        UserStats,
        UserProgress,
        Journey,
        QuizPoll,
        PointsLedger,
        UserAchievement,
        LeaderboardCache,
        LeaderboardSnapshot,
        ActivityLog,
        Delivery,
        CohortMember,
        CohortRoleRow,
        Submission,
        SubmissionReview,
        FieldOutput,
        PlacementCheck,
        PlacementAnswer,
    )
)


def plain(value: Any) -> Any:
    """A database value as JSON a person can read: ISO dates, enum names."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.name
    return value


async def learner_export(session: AsyncSession, user: User, now: datetime) -> dict[str, Any]:
    """Everything stored about the learner, as a JSON-ready document."""
    return {
        "format": EXPORT_FORMAT,
        "exported_at": plain(now),
        "profile": _profile(user),
        "stats": await _stats(session, user.id),
        "courses": await _courses(session, user.id),
        "progress": await _progress(session, user.id),
        "quiz_answers": await _quiz_answers(session, user.id),
        "placement_checks": await learner_checks(session, user.id),
        "points": await _points(session, user.id),
        "achievements": await _achievements(session, user.id),
        "leaderboard": await _leaderboard(session, user.id),
        "leaderboard_placings": await _placings(session, user.id),
        "activity": await _activity(session, user.id),
        "cohorts": await _cohorts(session, user.id),
        "assignments": await assignments_export(session, user.id),
        "deliveries": await _deliveries(session, user.id),
        "other": await _other(session, user.id),
    }


def export_json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2, default=plain).encode()


def _profile(user: User) -> dict[str, Any]:
    return {
        "telegram_id": user.telegram_id,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "telegram_language": user.language_code,
        "chosen_language": user.language,
        "time_zone": user.time_zone,
        "daily_lesson_time": f"{user.lesson_minute // 60:02d}:{user.lesson_minute % 60:02d}",
        "reminders": user.reminders_enabled,
        "on_leaderboard": user.show_on_leaderboard,
        "role": user.role.name,
        "registered_at": plain(user.created_at),
        "onboarded_at": plain(user.onboarded_at),
        "last_seen_at": plain(user.last_seen_at),
        "blocked_bot_at": plain(user.blocked_at),
        "current_course_id": user.current_course_id,
        "paused_from": plain(user.paused_from),
        "paused_until": plain(user.paused_until),
    }


async def _courses(session: AsyncSession, user_id: int) -> list[dict[str, Any]]:
    """The learner's journeys: each course started, its state and dates."""
    rows = await session.execute(
        select(Course.title, Journey)
        .join(Course, Course.id == Journey.course_id)
        .where(Journey.user_id == user_id)
        .order_by(Journey.started_at, Journey.id)
    )
    return [
        {
            "course": title,
            "status": plain(journey.status),
            "started_at": plain(journey.started_at),
            "completed_at": plain(journey.completed_at),
        }
        for title, journey in rows
    ]


async def _stats(session: AsyncSession, user_id: int) -> dict[str, Any] | None:
    stats = await session.get(UserStats, user_id)
    if stats is None:
        return None
    return {
        "points": stats.points,
        "level": stats.level,
        "current_streak": stats.current_streak,
        "longest_streak": stats.longest_streak,
        "last_active_day": plain(stats.last_active_date),
        "lessons_completed": stats.lessons_completed,
        "perfect_quizzes": stats.perfect_quizzes,
    }


async def _progress(session: AsyncSession, user_id: int) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(Module.title, Lesson.title, UserProgress)
        .join(Lesson, Lesson.id == UserProgress.lesson_id)
        .join(Module, Module.id == Lesson.module_id)
        .where(UserProgress.user_id == user_id)
        .order_by(Module.order, Lesson.order)
    )
    return [
        {
            "module": module,
            "lesson": lesson,
            "status": plain(row.status),
            "best_score_percent": row.score,
            "quiz_attempts": row.attempts,
            "started_at": plain(row.started_at),
            "completed_at": plain(row.completed_at),
            "tested_out": row.tested_out,
        }
        for module, lesson, row in rows
    ]


async def _quiz_answers(session: AsyncSession, user_id: int) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(Lesson.title, QuizQuestion.question, QuizQuestion.options, QuizPoll)
        .join(Lesson, Lesson.id == QuizPoll.lesson_id)
        .join(QuizQuestion, QuizQuestion.id == QuizPoll.question_id)
        .where(QuizPoll.user_id == user_id)
        .order_by(QuizPoll.id)
    )
    return [
        {
            "lesson": lesson,
            "question": question,
            "attempt": poll.attempt,
            "answer": [options[i] for i in poll.option_ids or () if 0 <= i < len(options)],
            "correct": poll.is_correct,
            "asked_at": plain(poll.created_at),
            "answered_at": plain(poll.answered_at),
        }
        for lesson, question, options, poll in rows
    ]


async def _points(session: AsyncSession, user_id: int) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(PointsLedger, Lesson.title, Achievement.title)
        .outerjoin(Lesson, Lesson.id == PointsLedger.lesson_id)
        .outerjoin(Achievement, Achievement.id == PointsLedger.achievement_id)
        .where(PointsLedger.user_id == user_id)
        .order_by(PointsLedger.created_at, PointsLedger.id)
    )
    return [
        {
            "points": award.points,
            "reason": plain(award.reason),
            "for": lesson or achievement or award.award_key,
            "at": plain(award.created_at),
        }
        for award, lesson, achievement in rows
    ]


async def _achievements(session: AsyncSession, user_id: int) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(Achievement.title, Achievement.points, UserAchievement.earned_at)
        .join(Achievement, Achievement.id == UserAchievement.achievement_id)
        .where(UserAchievement.user_id == user_id)
        .order_by(UserAchievement.earned_at)
    )
    return [
        {"achievement": title, "points": points, "earned_at": plain(at)}
        for title, points, at in rows
    ]


async def _leaderboard(session: AsyncSession, user_id: int) -> dict[str, Any] | None:
    row = await standing(session, user_id)
    if row is None:
        return None
    return {
        "rank": row.rank,
        "points": row.points,
        "week_points": row.week_points,
        "week_rank": row.week_rank,
        "updated_at": plain(row.updated_at),
    }


async def _placings(session: AsyncSession, user_id: int) -> list[dict[str, Any]]:
    """The learner's places on the kept boards of past weeks and months."""
    return [
        {
            "period": plain(placing.period),
            "label": placing.label,
            "starts_on": plain(placing.starts_on),
            "rank": placing.rank,
            "points": placing.points,
            "name_then": placing.name,
        }
        for placing in await placings(session, user_id)
    ]


# What an activity row's entity is called, by its entity_type.
ENTITY_NAMES: dict[str, Any] = {
    "lesson": (Lesson.id, Lesson.title),
    "module": (Module.id, Module.title),
    "achievement": (Achievement.id, Achievement.title),
    "question": (QuizQuestion.id, QuizQuestion.question),
}


async def _activity(session: AsyncSession, user_id: int) -> list[dict[str, Any]]:
    rows = (
        await session.scalars(
            select(ActivityLog)
            .where(ActivityLog.user_id == user_id)
            .order_by(ActivityLog.created_at, ActivityLog.id)
        )
    ).all()
    names = await _entity_names(session, rows)
    return [
        {
            "what": plain(row.activity_type),
            "about": names.get((row.entity_type, row.entity_id)),
            "details": _details(row.details),
            "at": plain(row.created_at),
        }
        for row in rows
    ]


async def _cohorts(session: AsyncSession, user_id: int) -> dict[str, list[dict[str, Any]]]:
    """The cohorts the learner is or was in, and those they mentor (by name)."""
    memberships = await session.execute(
        select(Cohort.name, CohortMember.joined_at, CohortMember.left_at)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .where(CohortMember.user_id == user_id)
        .order_by(CohortMember.joined_at)
    )
    mentored = await session.execute(
        select(Cohort.name, CohortRoleRow.role, CohortRoleRow.added_at)
        .join(CohortRoleRow, CohortRoleRow.cohort_id == Cohort.id)
        .where(CohortRoleRow.user_id == user_id)
        .order_by(CohortRoleRow.added_at)
    )
    return {
        "member_of": [
            {"cohort": name, "joined_at": plain(joined), "left_at": plain(left)}
            for name, joined, left in memberships
        ],
        "roles": [
            {"cohort": name, "role": plain(role), "since": plain(added)}
            for name, role, added in mentored
        ],
    }


async def _entity_names(
    session: AsyncSession, rows: Any
) -> dict[tuple[str | None, int | None], str]:
    """One query per kind of entity the rows mention, never one per row."""
    wanted: dict[str, set[int]] = {}
    for row in rows:
        if row.entity_type in ENTITY_NAMES and row.entity_id is not None:
            wanted.setdefault(row.entity_type, set()).add(row.entity_id)
    names: dict[tuple[str | None, int | None], str] = {}
    for kind, ids in wanted.items():
        id_column, name_column = ENTITY_NAMES[kind]
        for entity_id, name in await session.execute(
            select(id_column, name_column).where(id_column.in_(ids))
        ):
            names[(kind, entity_id)] = name
    return names


def _details(raw: str | None) -> Any:
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


async def _deliveries(session: AsyncSession, user_id: int) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(Delivery).where(Delivery.user_id == user_id).order_by(Delivery.id)
    )
    return [
        {
            "kind": plain(row.kind),
            "for": row.dedup_key,
            "status": plain(row.status),
            "claimed_at": plain(row.claimed_at),
            "sent_at": plain(row.sent_at),
        }
        for row in rows
    ]


async def _other(session: AsyncSession, user_id: int) -> dict[str, list[dict[str, Any]]]:
    """Rows of every other table about the learner, column by column."""
    rows = LearnerRows.of(user_id)
    other: dict[str, list[dict[str, Any]]] = {}
    for ownership in rows.tables:
        table = ownership.table
        if table.name in SECTIONED:
            continue
        found = (await session.execute(select(table).where(rows.about(table)))).mappings()
        listed = [{key: plain(value) for key, value in row.items()} for row in found]
        if listed:
            other[table.name] = listed
    return other
