"""Past leaderboards: the top 100 of every week and month that ended, kept as it was.

- When the leaderboard refresh first passes the end of a week or a month, it brings the
  boards to the last second of that period and keeps everyone ranked 100 or better (ties
  at 100 included), with their points and their name as it was. A period is kept once: a
  refresh that finds it kept already, or a second run, adds nothing.
- "Last week" and "last month" show the kept top 10 and the learner's own place in it.
- A learner's best placings (their best rank in any kept week and month, the latest of
  equals) appear in /progress; all their placings are in their data export; /deleteme
  takes them out of every snapshot (the rows belong to them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.motivation.board_periods import (
    LAST_SECOND,
    label,
    period_start,
    points_column,
    previous_start,
)
from db.enums import BoardPeriod
from db.models import LeaderboardCache, LeaderboardSnapshot, User

KEPT_RANKS = 100
SHOWN = 10


@dataclass(frozen=True)
class Placing:
    """A learner's place on a kept board."""

    period: BoardPeriod
    starts_on: date
    rank: int
    points: int
    name: str | None = None  # the name as it was, raw: the renderer escapes it
    is_me: bool = False

    @property
    def label(self) -> str:
        return label(self.period, self.starts_on)


@dataclass(frozen=True)
class PastBoard:
    period: BoardPeriod
    starts_on: date
    top: list[Placing]  # empty: nobody earned points, or the period is not kept yet
    me: Placing | None  # None: not in the kept top 100

    @property
    def label(self) -> str:
        return label(self.period, self.starts_on)


async def take_snapshots(
    session: AsyncSession, periods: Sequence[BoardPeriod], end: datetime
) -> int:
    """Keep the top of each period that ends at `end`, from the cache as it stands (brought
    to the period's last second by the caller); returns the rows written."""
    written = 0
    for period in periods:
        starts_on = period_start(period, end - LAST_SECOND).date()
        kept = exists().where(
            LeaderboardSnapshot.period == period, LeaderboardSnapshot.starts_on == starts_on
        )
        if await session.scalar(select(kept)):
            continue
        rows = await _top(session, period)
        if rows:
            await session.execute(
                insert(LeaderboardSnapshot),
                [{"period": period, "starts_on": starts_on, **row} for row in rows],
            )
        written += len(rows)
    return written


async def _top(session: AsyncSession, period: BoardPeriod) -> list[dict[str, object]]:
    """Everyone ranked KEPT_RANKS or better, with RANK semantics: the points of the
    KEPT_RANKS-th learner are the bar, read off the points index."""
    points = points_column(period)
    bar = await session.scalar(
        select(points).where(points > 0).order_by(points.desc()).offset(KEPT_RANKS - 1).limit(1)
    )
    rows = await session.execute(
        select(LeaderboardCache.user_id, points, User.first_name)
        .join(User, User.id == LeaderboardCache.user_id)
        .where(points >= max(bar or 1, 1))
        .order_by(points.desc(), LeaderboardCache.user_id)
    )
    top: list[dict[str, object]] = []
    for place, (user_id, value, name) in enumerate(rows, start=1):
        rank = top[-1]["rank"] if top and top[-1]["points"] == value else place
        top.append({"user_id": user_id, "rank": rank, "points": value, "name": name})
    return top


async def last_board(
    session: AsyncSession, user: User, period: BoardPeriod, now: datetime
) -> PastBoard:
    """The kept top of the period before the one that contains `now`, and the learner's
    own place in it (one statement)."""
    starts_on = previous_start(period, now).date()
    rows = await session.scalars(
        select(LeaderboardSnapshot)
        .where(
            LeaderboardSnapshot.period == period,
            LeaderboardSnapshot.starts_on == starts_on,
            or_(LeaderboardSnapshot.rank <= SHOWN, LeaderboardSnapshot.user_id == user.id),
        )
        .order_by(LeaderboardSnapshot.rank, LeaderboardSnapshot.user_id)
    )
    placings = [_placing(row, user.id) for row in rows]
    mine = next((placing for placing in placings if placing.is_me), None)
    # Ties at 10th place may run past ten lines; the learner's own line is added below.
    top = [placing for placing in placings if placing.rank <= SHOWN]
    return PastBoard(period, starts_on, top, mine)


async def placings(session: AsyncSession, user_id: int) -> list[Placing]:
    """Every kept placing of the learner, oldest first."""
    rows = await session.scalars(
        select(LeaderboardSnapshot)
        .where(LeaderboardSnapshot.user_id == user_id)
        .order_by(LeaderboardSnapshot.starts_on, LeaderboardSnapshot.period)
    )
    return [_placing(row, user_id) for row in rows]


def best_placings(all_placings: Sequence[Placing]) -> dict[BoardPeriod, Placing]:
    """The learner's best rank of each kept period (the latest of equal ranks), from their
    placings oldest first."""
    best: dict[BoardPeriod, Placing] = {}
    for placing in all_placings:
        known = best.get(placing.period)
        if known is None or placing.rank <= known.rank:
            best[placing.period] = placing
    return best


def _placing(row: LeaderboardSnapshot, user_id: int) -> Placing:
    return Placing(
        row.period, row.starts_on, row.rank, row.points, row.name, row.user_id == user_id
    )
