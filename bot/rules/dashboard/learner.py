"""What a learner sees of themselves: courses, a 12-week calendar, mastery, certificates.

- courses: each course they started, with lessons done of the published ones, the state
  (current, paused, completed) and the lesson to take next (journeys, progress and
  certificates: three statements);
- calendar: the last CALENDAR_WEEKS weeks of local days (the learner's time zone), each
  marked by what happened that day: lessons completed, review answers, a day a streak
  freeze covered, a day of a pause; lessons and reviews in one statement, the stats row
  (freezes) in another;
- mastery: per module, the mean recall of the learner's review cards now (FSRS
  retrievability: the chance they would answer right today), one statement;
- boards: the tabs of /leaderboard are read by the motivation and cohorts rules.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from fsrs import Card, State
from sqlalchemy import Row, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.course import Catalogue, CourseMap
from bot.rules.learners import local_date
from bot.rules.learning.certificates import CertificateInfo
from bot.rules.learning.journeys import JourneyInfo, learner_journeys
from bot.rules.learning.unlocks import ProgressRow, lesson_statuses, load_progress, next_step
from bot.rules.review.cards import SCHEDULER
from db.enums import JourneyStatus, ProgressStatus, ReviewSource
from db.models import Certificate, Lesson, QuizQuestion, ReviewCard, ReviewLog, User, UserProgress
from db.models import UserStats as Stats

CALENDAR_WEEKS = 12

# ---------------------------------------------------------------- courses and certificates


@dataclass(frozen=True)
class CourseCard:
    course_id: int
    title: str  # raw: the renderer escapes it
    status: str  # current | paused | completed
    done: int
    lessons: int
    next_lesson: str | None  # the title of the lesson to take next; None when finished

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.lessons) if self.lessons else 0


@dataclass(frozen=True)
class CertificateCard:
    code: str
    course_title: str  # raw
    issued_at: datetime


@dataclass(frozen=True)
class MyCourses:
    courses: list[CourseCard]
    certificates: list[CertificateCard]


def _status(journey: JourneyInfo, user: User) -> str:
    if journey.status is JourneyStatus.COMPLETED:
        return "completed"
    return "current" if user.current_course_id == journey.course_id else "paused"


def _card(
    course: CourseMap,
    journey: JourneyInfo,
    user: User,
    progress: dict[int, ProgressRow],
    now: datetime,
) -> CourseCard:
    done = sum(
        1
        for lesson in course.lessons
        if (row := progress.get(lesson.id)) is not None and row.status is ProgressStatus.COMPLETED
    )
    lesson = next_step(lesson_statuses(course, progress, user, now)).lesson
    return CourseCard(
        course.id,
        course.title,
        _status(journey, user),
        done,
        len(course.lessons),
        lesson.title if lesson is not None else None,
    )


async def my_courses(
    session: AsyncSession, catalogue: Catalogue, user: User, now: datetime
) -> MyCourses:
    """Each published course the learner started, current first, then catalogue order; and
    their certificates, newest first (three statements)."""
    journeys = await learner_journeys(session, user.id)
    progress = await load_progress(session, user.id)
    cards = [
        _card(course, journeys[course.id], user, progress, now)
        for course in catalogue.courses
        if course.id in journeys
    ]
    cards.sort(key=lambda card: card.status != "current")
    certificates = await session.execute(
        select(Certificate.code, Certificate.course_title, Certificate.issued_at)
        .where(Certificate.user_id == user.id)
        .order_by(Certificate.issued_at.desc())
    )
    return MyCourses(cards, [CertificateCard(*row) for row in certificates])


async def own_certificate(session: AsyncSession, user: User, code: str) -> CertificateInfo | None:
    """The learner's certificate with this code (None: no such code, or someone else's)."""
    row = await session.scalar(
        select(Certificate).where(Certificate.code == code, Certificate.user_id == user.id)
    )
    if row is None:
        return None
    return CertificateInfo(row.code, row.learner_name, row.course_title, row.issued_at)


# ---------------------------------------------------------------- the calendar


class DayKind(enum.Enum):
    NONE = "none"
    LESSON = "lesson"  # at least one lesson completed (reviews too, maybe)
    REVIEW = "review"  # review answers only
    FROZEN = "frozen"  # a streak freeze covered it
    PAUSED = "paused"  # a day of a pause
    FUTURE = "future"  # after today: the calendar's last week runs to Sunday


@dataclass(frozen=True)
class Day:
    day: date
    kind: DayKind
    lessons: int
    reviews: int


@dataclass(frozen=True)
class Calendar:
    weeks: list[list[Day]]  # Monday first, oldest week first
    active_days: int
    today: date


def _first_monday(today: date) -> date:
    return today - timedelta(days=today.weekday(), weeks=CALENDAR_WEEKS - 1)


def _frozen_days(stats: Stats | None, active: set[date]) -> set[date]:
    """The days the stats row remembers as frozen: `frozen_days` inactive days back from
    the last frozen day (the freezes of the current streak)."""
    if stats is None or stats.last_frozen_date is None or not stats.frozen_days:
        return set()
    frozen: set[date] = set()
    day = stats.last_frozen_date
    while len(frozen) < stats.frozen_days and day > stats.last_frozen_date - timedelta(days=60):
        if day not in active:
            frozen.add(day)
        day -= timedelta(days=1)
    return frozen


def _paused_days(user: User) -> set[date]:
    if user.paused_from is None or user.paused_until is None:
        return set()
    first, end = local_date(user, user.paused_from), local_date(user, user.paused_until)
    return {first + timedelta(days=n) for n in range((end - first).days)}


async def activity_calendar(session: AsyncSession, user: User, now: datetime) -> Calendar:
    """The learner's last CALENDAR_WEEKS weeks, day by day, in their time zone (two
    statements)."""
    today = local_date(user, now)
    first = _first_monday(today)
    since = now - timedelta(days=(today - first).days + 1)  # a day early: zones ahead of UTC
    lessons = select(UserProgress.completed_at.label("at"), literal("L").label("kind")).where(
        UserProgress.user_id == user.id,
        UserProgress.status == ProgressStatus.COMPLETED,
        UserProgress.completed_at >= since,
    )
    reviews = select(ReviewLog.reviewed_at, literal("R")).where(
        ReviewLog.user_id == user.id,
        ReviewLog.source == ReviewSource.REVIEW,
        ReviewLog.reviewed_at >= since,
    )
    counts: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    rows: Sequence[Any] = (await session.execute(union_all(lessons, reviews))).all()
    for at, kind in cast("Sequence[Row[datetime, str]]", rows):
        counts[local_date(user, at)][0 if kind == "L" else 1] += 1
    stats = await session.scalar(select(Stats).where(Stats.user_id == user.id))
    frozen = _frozen_days(stats, set(counts))
    paused = _paused_days(user)
    days = []
    for offset in range(CALENDAR_WEEKS * 7):
        day = first + timedelta(days=offset)
        lessons_done, answers = counts.get(day, (0, 0))
        days.append(
            Day(
                day, _kind(day, today, lessons_done, answers, frozen, paused), lessons_done, answers
            )
        )
    weeks = [days[n : n + 7] for n in range(0, len(days), 7)]
    active = sum(1 for day in days if day.kind in (DayKind.LESSON, DayKind.REVIEW))
    return Calendar(weeks, active, today)


def _kind(
    day: date, today: date, lessons: int, reviews: int, frozen: set[date], paused: set[date]
) -> DayKind:
    if day > today:
        return DayKind.FUTURE
    if lessons:
        return DayKind.LESSON
    if reviews:
        return DayKind.REVIEW
    if day in frozen:
        return DayKind.FROZEN
    if day in paused:
        return DayKind.PAUSED
    return DayKind.NONE


# ---------------------------------------------------------------- mastery


@dataclass(frozen=True)
class Mastery:
    course_title: str  # raw
    module_title: str  # raw
    cards: int
    recall: float  # 0..1: the mean chance of answering right now


async def mastery(
    session: AsyncSession, catalogue: Catalogue, user: User, now: datetime
) -> list[Mastery]:
    """Per module with review cards, in catalogue order: the cards' mean retrievability
    now (a card never reviewed yet counts as its FSRS state gives it). One statement."""
    rows = await session.execute(
        select(
            Lesson.module_id,
            ReviewCard.state,
            ReviewCard.stability,
            ReviewCard.difficulty,
            ReviewCard.due,
            ReviewCard.last_review,
        )
        .join(QuizQuestion, QuizQuestion.id == ReviewCard.question_id)
        .join(Lesson, Lesson.id == QuizQuestion.lesson_id)
        .where(ReviewCard.user_id == user.id, ReviewCard.retired.is_(False))
    )
    recall: dict[int, list[float]] = defaultdict(list)
    for module_id, state, stability, difficulty, due, last_review in rows:
        card = Card(
            card_id=0,
            state=State(state),
            stability=stability,
            difficulty=difficulty,
            due=due,
            last_review=last_review,
        )
        recall[module_id].append(SCHEDULER.get_card_retrievability(card, now))
    found = []
    for course in catalogue.courses:
        for module in course.modules:
            if values := recall.get(module.id):
                found.append(
                    Mastery(course.title, module.title, len(values), sum(values) / len(values))
                )
    return found
