"""What an admin sees of the whole school, read from the daily aggregates (`daily`):
learners active and new per day over the last 30 closed days, review retention per day,
the funnel per course and the busiest local hours, as of the newest day. One statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.course import Catalogue
from db.models import DashboardDay

from .daily import window


@dataclass(frozen=True)
class DayPoint:
    day: date
    active: int
    new_learners: int
    lessons: int
    retention: float | None  # None: no review answers that day


@dataclass(frozen=True)
class FunnelLesson:
    title: str  # raw
    started: int
    finished: int


@dataclass(frozen=True)
class CourseFunnel:
    title: str  # raw
    lessons: list[FunnelLesson]


@dataclass(frozen=True)
class School:
    days: list[DayPoint]  # the window's days, oldest first; a day not summarised yet is absent
    learners: int | None  # registered by the end of the newest day
    usual_hours: list[int] | None
    funnels: list[CourseFunnel]
    as_of: date | None  # the newest day summarised


def _funnels(catalogue: Catalogue, counts: dict[str, list[int]]) -> list[CourseFunnel]:
    return [
        CourseFunnel(
            course.title,
            [
                FunnelLesson(lesson.title, *counts.get(str(lesson.id), [0, 0]))
                for lesson in course.lessons
            ],
        )
        for course in catalogue.courses
    ]


async def school(session: AsyncSession, catalogue: Catalogue, now: datetime) -> School:
    days = window(now.date())
    rows = list(
        await session.scalars(
            select(DashboardDay)
            .where(DashboardDay.day >= days[0], DashboardDay.day <= days[-1])
            .order_by(DashboardDay.day)
        )
    )
    points = [
        DayPoint(
            row.day,
            row.active,
            row.new_learners,
            row.lessons,
            row.recalled / row.reviews if row.reviews else None,
        )
        for row in rows
    ]
    newest = next((row for row in reversed(rows) if row.funnel is not None), None)
    return School(
        days=points,
        learners=rows[-1].learners if rows else None,
        usual_hours=newest.usual_hours if newest is not None else None,
        funnels=_funnels(catalogue, newest.funnel or {}) if newest is not None else [],
        as_of=rows[-1].day if rows else None,
    )
