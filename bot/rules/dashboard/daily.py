"""The daily aggregates behind the admin's charts (`dashboard_days`).

A day is a UTC day, summarised once it has closed:
- learners: registered by its end; new learners: registered during it;
- active: learners who completed a lesson or answered a review question that day;
- lessons: lessons completed; reviews: review-session answers; recalled: those not
  rated "again" (retention = recalled / reviews);
- yesterday's row also keeps two snapshots: learners by their usual local hour (the
  hour most of their last 14 days' lessons were done, kept in their stats) and the
  lesson funnel (started and finished per lesson).

The `dashboard-days` job fills the closed days of the last WINDOW_DAYS that have no row
yet, newest first, a day per transaction: on most runs it reads one statement and writes
nothing. Each day is read from the
(created_at), (completed_at) and (reviewed_at) indexes, so a night's row costs the
day's rows, not the school's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from fsrs import Rating
from sqlalchemy import case, func, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.admin.stats import counts_statement
from db.enums import ProgressStatus, ReviewSource
from db.models import DashboardDay, ReviewLog, User, UserProgress, UserStats
from db.upsert import insert_ignore

WINDOW_DAYS = 30


def _bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), tzinfo=UTC)
    return start, start + timedelta(days=1)


def window(today: date) -> list[date]:
    """The closed days the charts show: the WINDOW_DAYS before today (UTC)."""
    return [today - timedelta(days=n) for n in range(WINDOW_DAYS, 0, -1)]


async def missing_days(session: AsyncSession, now: datetime) -> list[date]:
    days = window(now.astimezone(UTC).date())
    held = set(await session.scalars(select(DashboardDay.day).where(DashboardDay.day >= days[0])))
    return [day for day in days if day not in held]


@dataclass(frozen=True)
class DayFigures:
    day: date
    learners: int
    new_learners: int
    active: int
    lessons: int
    reviews: int
    recalled: int


async def day_figures(session: AsyncSession, day: date) -> DayFigures:
    """One closed day's figures, in four statements over day-sized index ranges."""
    start, end = _bounds(day)
    learners, new = (
        await session.execute(
            select(func.count(), func.count(case((User.created_at >= start, 1)))).where(
                User.created_at < end
            )
        )
    ).one()
    completed = (UserProgress.completed_at >= start) & (UserProgress.completed_at < end)
    answered = (ReviewLog.reviewed_at >= start) & (ReviewLog.reviewed_at < end)
    lessons = await session.scalar(
        select(func.count()).where(completed, UserProgress.status == ProgressStatus.COMPLETED)
    )
    reviews, recalled = (
        await session.execute(
            select(
                func.count(), func.count(case((ReviewLog.rating != int(Rating.Again), 1)))
            ).where(answered, ReviewLog.source == ReviewSource.REVIEW)
        )
    ).one()
    people = union(
        select(UserProgress.user_id).where(completed),
        select(ReviewLog.user_id).where(answered),
    ).subquery()
    active = await session.scalar(select(func.count()).select_from(people))
    return DayFigures(
        day,
        int(learners),
        int(new),
        int(active or 0),
        int(lessons or 0),
        int(reviews),
        int(recalled),
    )


async def usual_hours(session: AsyncSession) -> list[int]:
    """Learners by their usual local hour, 0 to 23 (one GROUP BY over the stats)."""
    hours = [0] * 24
    rows = await session.execute(
        select(UserStats.usual_hour, func.count())
        .where(UserStats.usual_hour.is_not(None))
        .group_by(UserStats.usual_hour)
    )
    for hour, count in rows:
        if hour is not None and 0 <= hour < 24:
            hours[hour] = int(count)
    return hours


async def funnel_snapshot(session: AsyncSession) -> dict[str, list[int]]:
    """Started and finished per lesson id (one GROUP BY over the (lesson_id, status) index)."""
    rows = await session.execute(counts_statement())
    return {str(lesson_id): [int(started), int(done)] for lesson_id, started, done in rows}


async def fill_days(session: AsyncSession, now: datetime, limit: int | None = None) -> list[date]:
    """Summarise the closed days of the window that have no row yet, newest first (at most
    `limit` of them); yesterday's row also gets the snapshots. Returns the days written."""
    missing = sorted(await missing_days(session, now), reverse=True)[:limit]
    yesterday = window(now.astimezone(UTC).date())[-1]
    rows = []
    for day in missing:
        figures = await day_figures(session, day)
        row = {**figures.__dict__, "usual_hours": None, "funnel": None, "computed_at": now}
        if day == yesterday:
            row["usual_hours"] = await usual_hours(session)
            row["funnel"] = await funnel_snapshot(session)
        rows.append(row)
    if rows:
        # Two job runs racing write the same figures: the second one's rows are skipped.
        await session.execute(insert_ignore(session, DashboardDay, rows, key="day"))
    return missing
