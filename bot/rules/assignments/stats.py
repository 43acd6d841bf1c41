"""The admins' figures of assignments for /stats: what waits for review now, the median
time from submit to verdict and the share accepted, over the last STATS_WINDOW (the
latest DECIDED_SAMPLE verdicts at most, so the read stays bounded)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import SubmissionStatus
from db.models import Submission

STATS_WINDOW = timedelta(days=30)
DECIDED_SAMPLE = 10_000


@dataclass(frozen=True)
class AssignmentFigures:
    waiting: int
    decided: int  # verdicts in the window (sampled)
    accepted: int
    median_review: timedelta | None

    @property
    def acceptance(self) -> float | None:
        return self.accepted / self.decided if self.decided else None


async def assignment_figures(session: AsyncSession, now: datetime) -> AssignmentFigures:
    waiting = await session.scalar(
        select(func.count()).where(Submission.status == SubmissionStatus.SUBMITTED)
    )
    decided = (
        await session.execute(
            select(Submission.status, Submission.submitted_at, Submission.decided_at)
            .where(
                Submission.status.in_([SubmissionStatus.ACCEPTED, SubmissionStatus.RETURNED]),
                Submission.submitted_at >= now - STATS_WINDOW,
                Submission.decided_at.is_not(None),
            )
            .order_by(Submission.submitted_at.desc())
            .limit(DECIDED_SAMPLE)
        )
    ).all()
    seconds = [
        (decided_at - submitted_at).total_seconds()
        for _s, submitted_at, decided_at in decided
        if submitted_at is not None and decided_at is not None
    ]
    accepted = sum(1 for status, _a, _b in decided if status is SubmissionStatus.ACCEPTED)
    middle = timedelta(seconds=median(seconds)) if seconds else None
    return AssignmentFigures(int(waiting or 0), len(decided), accepted, middle)
