"""What a mentor sees of their cohorts (an admin, of every cohort).

The roster, a member and the funnel are the cohorts domain's own (`roster`); here they
are sorted for the table and completed with the submissions waiting for review.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.cohorts.membership import Mentored, mentored_cohorts
from bot.rules.cohorts.roster import NEVER, MemberRow
from bot.rules.cohorts.roster import waiting_submissions as roster_waiting
from bot.rules.course import Catalogue
from db.models import Cohort

from .access import Viewer


class SortKey(Enum):
    PROGRESS = "progress"
    LAST_ACTIVE = "last_active"
    STREAK = "streak"
    WAITING = "waiting"


# Each key sorts the one who most needs a look first: least progress, longest away,
# shortest streak, most waiting.
_SORTS: dict[SortKey, Callable[[MemberRow], Any]] = {
    SortKey.PROGRESS: lambda row: (row.lessons_done, row.user_id),
    SortKey.LAST_ACTIVE: lambda row: (row.last_active or NEVER, row.user_id),
    SortKey.STREAK: lambda row: (row.streak, row.user_id),
    SortKey.WAITING: lambda row: (-row.waiting_submissions, row.user_id),
}


def sort_key(raw: str | None) -> SortKey | None:
    """The column asked for (None: the roster's own order, who needs attention first)."""
    try:
        return SortKey(raw) if raw else None
    except ValueError:
        return None


def sorted_roster(rows: list[MemberRow], key: SortKey | None) -> list[MemberRow]:
    return rows if key is None else sorted(rows, key=_SORTS[key])


ADMIN_COHORTS_SHOWN = 200  # a school may have thousands: the list is a way in, not a report


async def viewer_cohorts(session: AsyncSession, viewer: Viewer) -> list[Mentored]:
    """The cohorts the viewer mentors; for an admin, every cohort (the first
    ADMIN_COHORTS_SHOWN by name). One statement."""
    if viewer.is_admin:
        rows = await session.execute(
            select(Cohort.id, Cohort.name)
            .order_by(Cohort.name, Cohort.id)
            .limit(ADMIN_COHORTS_SHOWN)
        )
        return [Mentored(id_, name) for id_, name in rows]
    return await mentored_cohorts(session, viewer.user)


@dataclass(frozen=True)
class WaitingSubmission:
    """A submission waiting for its review, oldest first."""

    submission_id: int
    user_id: int
    first_name: str | None  # raw
    lesson_title: str  # raw
    version: int
    submitted_at: datetime


async def waiting_submissions(
    session: AsyncSession, catalogue: Catalogue, cohort_id: int
) -> list[WaitingSubmission]:
    """The cohort's submissions waiting for a mentor, oldest first (the roster's one
    statement); the page links each into the chat's review."""
    return [
        WaitingSubmission(
            item.submission_id,
            item.learner_id,
            item.first_name,
            item.lesson.title if item.lesson is not None else "—",
            item.version,
            item.waiting_since,
        )
        for item in await roster_waiting(session, catalogue, cohort_id)
    ]
