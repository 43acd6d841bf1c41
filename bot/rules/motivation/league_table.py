"""/league as data: the learner's group this week, its standings and lines.

Standings are the points each member earned this week, from the points ledger; equal
points share a place (1, 2, 2, 4). Learners who hide from the leaderboard compete, but
others do not see them. The rules of the week are in `bot.rules.motivation.leagues`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import ScalarSelect

from bot.rules.motivation.board_periods import week_start
from bot.rules.motivation.leagues import (
    BOTTOM_TIER,
    DEMOTE_FROM,
    DEMOTED,
    PROMOTED,
    TOP_TIER,
    WEEK,
    place_newcomers,
    week_of,
    weeks_to_close,
)
from db.enums import LeagueTier
from db.models import LeagueMember, PointsLedger, User, UserStats


@dataclass(frozen=True)
class Standing:
    place: int
    name: str | None  # first name, raw: the renderer escapes it
    points: int
    is_me: bool


@dataclass(frozen=True)
class LeagueView:
    tier: LeagueTier
    joined: bool  # False: no points this week yet, or placed within a minute (`placing`)
    standings: list[Standing]  # hidden learners left out, the learner always in
    me: Standing | None
    promote_through: int | None  # places up to this one move up (None: top tier)
    demote_after: int | None  # places after this one move down (None: nobody)
    size: int = 0  # members of the group, hidden ones included
    placing: bool = False  # points this week, placed once last week is closed


def lines_for(tier: LeagueTier, size: int) -> tuple[int | None, int | None]:
    """The promotion and demotion lines of a group of `size` in `tier`."""
    promote = PROMOTED if tier < TOP_TIER else None
    demote = None
    if tier > BOTTOM_TIER and size >= DEMOTE_FROM:
        demote = max(size - DEMOTED, PROMOTED)
    return promote, demote


def ranked(points: list[tuple[int, int]]) -> dict[int, int]:
    """Places by points (user id, points) with RANK semantics: ties share a place."""
    places: dict[int, int] = {}
    previous: int | None = None
    place = 0
    for index, (user_id, value) in enumerate(sorted(points, key=lambda row: (-row[1], row[0]))):
        if value != previous:
            place, previous = index + 1, value
        places[user_id] = place
    return places


async def league_view(session: AsyncSession, user: User, now: datetime) -> LeagueView:
    """The learner's group this week: standings from the ledger, their place, the lines.

    A learner with points this week who is not placed yet (placement runs once a minute)
    is placed now, with everyone else waiting, in their order; unless last week is still
    to be closed, whose promotions decide the tier they join with.
    """
    rows = await _group_rows(session, user, now)
    if not rows:
        earned, tier = await _earned_and_tier(session, user, now)
        if earned <= 0:
            return LeagueView(tier, False, [], None, None, None)
        if await weeks_to_close(session, now):
            return LeagueView(tier, False, [], None, None, None, placing=True)
        await place_newcomers(session, now)
        rows = await _group_rows(session, user, now)
        if not rows:  # points placement cannot see (an award dated before its last run)
            return LeagueView(tier, False, [], None, None, None)
    tier = LeagueTier(rows[0][4])
    places = ranked([(row[0], int(row[3] or 0)) for row in rows])
    standings = sorted(
        (
            Standing(places[user_id], name, int(points or 0), user_id == user.id)
            for user_id, name, visible, points, _tier in rows
            if visible or user_id == user.id
        ),
        key=lambda standing: (standing.place, not standing.is_me),
    )
    me = next((standing for standing in standings if standing.is_me), None)
    promote, demote = lines_for(tier, len(rows))
    return LeagueView(tier, True, standings, me, promote, demote, len(rows))


MemberRow = Row[int, str | None, bool, int | None, int]


async def _group_rows(session: AsyncSession, user: User, now: datetime) -> list[MemberRow]:
    """(user id, first name, visible, points this week, tier) of each member of the
    learner's group this week; none when they are not placed."""
    mine, other = aliased(LeagueMember), aliased(LeagueMember)
    earned = _points_this_week(other.user_id, now)
    rows = await session.execute(
        select(User.id, User.first_name, User.show_on_leaderboard, earned, mine.tier)
        .select_from(mine)
        .join(
            other,
            and_(
                other.week == mine.week,
                other.tier == mine.tier,
                other.group_no == mine.group_no,
            ),
        )
        .join(User, User.id == other.user_id)
        .where(mine.user_id == user.id, mine.week == week_of(now))
    )
    return list(rows.all())


async def _earned_and_tier(
    session: AsyncSession, user: User, now: datetime
) -> tuple[int, LeagueTier]:
    """The learner's points this week, and their tier."""
    tier = select(UserStats.league_tier).where(UserStats.user_id == user.id).scalar_subquery()
    points, league_tier = (
        await session.execute(select(_points_this_week(user.id, now), tier))
    ).one()
    return int(points or 0), LeagueTier(league_tier or 0)


def _points_this_week(user_id: Any, now: datetime) -> ScalarSelect[Any]:
    """A learner's points this week, by a lookup on the ledger's (user_id, …) index: a few
    rows per learner, never a scan of the whole week's ledger."""
    start = week_start(now)
    return (
        select(func.sum(PointsLedger.points))
        .where(
            PointsLedger.user_id == user_id,
            PointsLedger.created_at >= start,
            PointsLedger.created_at < start + WEEK,
        )
        .scalar_subquery()
    )
