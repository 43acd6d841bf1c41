"""A small school for the dashboard's tests: a course, learners with progress, reviews,
a certificate, points, two cohorts with a mentor each, and the daily aggregates.

`Seeded` holds the Telegram ids to sign initData for, and the ids the URLs need.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.dashboard.daily import fill_days
from bot.rules.dashboard.init_data import demo_init_data
from bot.rules.motivation.leaderboard_refresh import refresh_leaderboard
from db.enums import CohortRole, JourneyStatus, PointsReason, ProgressStatus, ReviewSource
from db.models import (
    Certificate,
    Cohort,
    CohortMember,
    CohortRoleRow,
    Journey,
    Lesson,
    Module,
    PointsLedger,
    QuizQuestion,
    ReviewCard,
    ReviewLog,
    User,
    UserProgress,
    UserStats,
)
from tests.support.factories import make_course, make_user

TOKEN = "42:TEST-DASHBOARD"
XSS_NAME = "<img src=x onerror=alert(1)>"
LEARNER, MENTOR, ADMIN, XSS, OTHER, STRANGER = 7001, 7002, 7003, 7004, 7005, 7006


@dataclass(frozen=True)
class Seeded:
    cohort_id: int  # the mentor's cohort: the learner and XSS are in it
    other_cohort_id: int  # another mentor's: OTHER is in it
    learner_id: int
    other_id: int
    xss_id: int


def init_data(telegram_id: int, at: datetime, token: str = TOKEN) -> str:
    return demo_init_data(token, telegram_id, "Someone", at)


def _progress(user: User, lesson_id: int, at: datetime, done: bool = True) -> UserProgress:
    return UserProgress(
        user_id=user.id,
        lesson_id=lesson_id,
        status=ProgressStatus.COMPLETED if done else ProgressStatus.IN_PROGRESS,
        score=100 if done else None,
        attempts=1,
        started_at=at,
        completed_at=at if done else None,
        created_at=at,
        updated_at=at,
    )


async def seed_school(session: AsyncSession, now: datetime) -> Seeded:
    modules = await make_course(session, [2, 2], title="Git basics")
    lessons = list(
        await session.scalars(select(Lesson).join(Module).order_by(Module.order, Lesson.order))
    )
    course_id = modules[0].course_id
    learner = await make_user(session, LEARNER, first_name="Ada")
    learner.created_at = now - timedelta(days=20)
    mentor = await make_user(session, MENTOR, first_name="Grace")
    admin = await make_user(session, ADMIN, first_name="Root")
    xss = await make_user(session, XSS, first_name=XSS_NAME)
    other = await make_user(session, OTHER, first_name="Bob")
    await make_user(session, STRANGER, first_name="Eve")
    for user in (learner, xss, other):
        user.current_course_id = course_id
        session.add(
            Journey(
                user_id=user.id,
                course_id=course_id,
                status=JourneyStatus.ACTIVE,
                started_at=now - timedelta(days=10),
            )
        )
    days = (9, 3, 2)
    session.add_all(
        _progress(learner, lessons[n].id, now - timedelta(days=d)) for n, d in enumerate(days)
    )
    session.add(_progress(xss, lessons[0].id, now - timedelta(days=1)))
    session.add(
        UserStats(
            user_id=learner.id, points=150, current_streak=2, longest_streak=3, lessons_completed=3
        )
    )
    session.add(UserStats(user_id=xss.id, points=50, lessons_completed=1, usual_hour=18))
    session.add_all(
        PointsLedger(
            user_id=user.id,
            points=points,
            reason=PointsReason.LESSON,
            award_key=f"seed-{user.id}",
            created_at=now - timedelta(hours=2),
        )
        for user, points in ((learner, 150), (xss, 50), (other, 20))
    )
    await session.flush()
    question = await session.scalar(
        select(QuizQuestion).where(QuizQuestion.lesson_id == lessons[0].id).limit(1)
    )
    assert question is not None
    card = ReviewCard(
        user_id=learner.id,
        question_id=question.id,
        state=2,
        step=None,
        stability=10.0,
        difficulty=5.0,
        due=now + timedelta(days=5),
        last_review=now - timedelta(days=2),
        reviews=2,
    )
    session.add(card)
    await session.flush()
    session.add(
        ReviewLog(
            card_id=card.id,
            user_id=learner.id,
            source=ReviewSource.REVIEW,
            rating=3,
            reviewed_at=now - timedelta(days=1, hours=2),
            due=card.due,
            stability=10.0,
            difficulty=5.0,
        )
    )
    session.add(
        Certificate(
            user_id=learner.id,
            course_id=course_id,
            learner_name="Ada",
            course_title="Git basics",
            code="ABCD2345EF",
            issued_at=now - timedelta(days=2),
        )
    )
    mine = Cohort(name="Spring <class>", code="SPRING0001", created_at=now)
    theirs = Cohort(name="Autumn", code="AUTUMN0001", created_at=now)
    session.add_all([mine, theirs])
    await session.flush()
    session.add_all(
        [
            CohortMember(cohort_id=mine.id, user_id=learner.id, joined_at=now - timedelta(days=10)),
            CohortMember(cohort_id=mine.id, user_id=xss.id, joined_at=now - timedelta(days=10)),
            CohortMember(cohort_id=theirs.id, user_id=other.id, joined_at=now - timedelta(days=10)),
            CohortRoleRow(
                cohort_id=mine.id, user_id=mentor.id, role=CohortRole.MENTOR, added_at=now
            ),
            CohortRoleRow(
                cohort_id=theirs.id, user_id=admin.id, role=CohortRole.MENTOR, added_at=now
            ),
        ]
    )
    await session.flush()
    await refresh_leaderboard(session, now)
    await fill_days(session, now)
    return Seeded(mine.id, theirs.id, learner.id, other.id, xss.id)
