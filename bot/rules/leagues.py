"""Weekly leagues: groups of at most 30 learners of one tier, promotion and demotion.

A league week runs from Monday 00:00 UTC to the next. A learner who earns points in a
week joins a group of their tier: first come, first placed (by their first award of the
week), each tier's groups filled in turn up to `GROUP_SIZE`. Standings are the points
each member earned that week, from the points ledger; equal points share a place (1, 2,
2, 4). When the week is over it is closed exactly once: the top `PROMOTED` places move up
a tier (none above Diamond), the last `DEMOTED` places move down (none below Bronze;
groups under `DEMOTE_FROM` learners demote nobody; when a small group's lines would
cross, moving up wins), and every member gets one message with their place and result.
Learners who hide from the leaderboard compete, but others do not see them.

Placement runs once a minute, and also when a learner with points this week who is not
placed yet opens /league (unless last week still waits to be closed: its promotions come
first). Leagues begin with the first week placed; a later week placement never saw (the
scheduler down all week) is placed and closed like any other.

Everything here is set-based: placing a week's newcomers, and closing a week, are a few
statements whatever the number of learners.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Row, Select, and_, case, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import ScalarSelect

from bot.rules.leaderboard_periods import week_start
from bot.rules.pushes import may_receive_pushes
from db.base import UTCDateTime
from db.enums import DeliveryKind, DeliveryStatus, LeagueTier
from db.models import Delivery, LeagueMember, LeagueWeek, PointsLedger, User, UserStats
from db.upsert import insert_ignore, insert_ignore_from_select

GROUP_SIZE = 30
PROMOTED = 7
DEMOTED = 5
DEMOTE_FROM = 10
WEEK = timedelta(days=7)
# Placement re-reads this much of the ledger before its last run: an award written just
# before a run but committed after it is still placed (placing twice is a no-op).
PLACEMENT_OVERLAP = timedelta(minutes=10)
TOP_TIER = max(LeagueTier)
BOTTOM_TIER = min(LeagueTier)


def week_of(now: datetime) -> date:
    return week_start(now).date()


async def place_newcomers(session: AsyncSession, now: datetime) -> None:
    """Put this week's new earners into groups of their tier, in order of their first award.

    Each tier's newcomers are numbered after the members it already has, so the last
    group is filled before a new one opens.
    """
    week = week_of(now)
    start = week_start(now)
    # Written first, the week's row serializes placements (the job's, and a learner's
    # /league): MySQL locks a duplicate row exclusively, SQLite has one writer at a time.
    await session.execute(insert_ignore(session, LeagueWeek, [{"week": week}], key="week"))
    placed_through = await session.scalar(
        select(LeagueWeek.placed_through).where(LeagueWeek.week == week)
    )
    scan_from = start if placed_through is None else max(start, placed_through - PLACEMENT_OVERLAP)
    fresh = (
        select(PointsLedger.user_id)
        .where(PointsLedger.created_at >= scan_from, PointsLedger.created_at < start + WEEK)
        .distinct()
        .subquery()
    )
    earned = (
        select(
            PointsLedger.user_id.label("user_id"),
            func.min(PointsLedger.created_at).label("first_at"),
        )
        .where(
            PointsLedger.user_id.in_(select(fresh.c.user_id)),
            PointsLedger.created_at >= start,
            PointsLedger.created_at < start + WEEK,
        )
        .group_by(PointsLedger.user_id)
        .having(func.sum(PointsLedger.points) > 0)
        .subquery()
    )
    tier = func.coalesce(UserStats.league_tier, 0)
    newcomers = (
        select(
            earned.c.user_id,
            tier.label("tier"),
            func.row_number()
            .over(partition_by=tier, order_by=(earned.c.first_at, earned.c.user_id))
            .label("arrival"),
        )
        .outerjoin(UserStats, UserStats.user_id == earned.c.user_id)
        .where(
            ~select(LeagueMember.id)
            .where(LeagueMember.user_id == earned.c.user_id, LeagueMember.week == week)
            .exists()
        )
        .subquery()
    )
    members = (
        select(LeagueMember.tier, func.count().label("placed"))
        .where(LeagueMember.week == week)
        .group_by(LeagueMember.tier)
        .subquery()
    )
    position = func.coalesce(members.c.placed, 0) + newcomers.c.arrival - 1
    rows = select(
        newcomers.c.user_id,
        literal(week),
        newcomers.c.tier,
        position // GROUP_SIZE,
        literal(now, UTCDateTime()),
    ).outerjoin(members, members.c.tier == newcomers.c.tier)
    names = ["user_id", "week", "tier", "group_no", "joined_at"]
    await session.execute(
        insert_ignore_from_select(session, LeagueMember, names, rows, key="user_id")
    )
    await session.execute(
        update(LeagueWeek).where(LeagueWeek.week == week).values(placed_through=now)
    )


async def weeks_to_close(session: AsyncSession, now: datetime) -> list[date]:
    """Weeks that are over and not closed yet (usually none, or last week), oldest first:
    the weeks placement saw, and those since the first it never saw (the scheduler was
    down all week), which the caller places before closing them like any other."""
    this_week = week_of(now)
    past = LeagueWeek.week < this_week
    first, known = (
        await session.execute(select(func.min(LeagueWeek.week), func.count()).where(past))
    ).one()
    if first is None:
        return []
    unclosed = select(LeagueWeek.week).where(past, LeagueWeek.closed_at.is_(None))
    weeks = set(await session.scalars(unclosed))
    span = (this_week - first) // WEEK
    if known < span:  # a gap: some week had no placement at all
        seen = set(await session.scalars(select(LeagueWeek.week).where(past)))
        weeks |= {first + n * WEEK for n in range(span)} - seen
    return sorted(weeks)


async def close_week(session: AsyncSession, week: date, now: datetime) -> bool:
    """Close a finished week once: final standings, new tiers, one result message per
    member claimed in the delivery ledger. False when it was already closed."""
    claimed = await session.execute(
        update(LeagueWeek)
        .where(LeagueWeek.week == week, LeagueWeek.closed_at.is_(None))
        .values(closed_at=now)
    )
    if cast(CursorResult[Any], claimed).rowcount != 1:
        return False
    start = week_start_of(week)
    earned = (
        select(PointsLedger.user_id, func.sum(PointsLedger.points).label("points"))
        .where(PointsLedger.created_at >= start, PointsLedger.created_at < start + WEEK)
        .group_by(PointsLedger.user_id)
        .subquery()
    )
    points = func.coalesce(earned.c.points, 0)
    group = (LeagueMember.tier, LeagueMember.group_no)
    place = func.rank().over(partition_by=group, order_by=points.desc())
    size = func.count().over(partition_by=group)
    tier = LeagueMember.tier
    standings = (
        select(
            LeagueMember.id.label("id"),
            points.label("points"),
            place.label("place"),
            size.label("size"),
            case(
                (and_(place <= PROMOTED, tier < TOP_TIER), tier + 1),
                (
                    and_(
                        size >= DEMOTE_FROM,
                        place > size - DEMOTED,
                        place > PROMOTED,
                        tier > BOTTOM_TIER,
                    ),
                    tier - 1,
                ),
                else_=tier,
            ).label("new_tier"),
        )
        .outerjoin(earned, earned.c.user_id == LeagueMember.user_id)
        .where(LeagueMember.week == week)
        .subquery()
    )
    await session.execute(
        update(LeagueMember)
        .where(LeagueMember.id == standings.c.id)
        .values(
            points=standings.c.points,
            place=standings.c.place,
            group_size=standings.c.size,
            new_tier=standings.c.new_tier,
        )
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(UserStats)
        .where(
            UserStats.user_id == LeagueMember.user_id,
            LeagueMember.week == week,
            LeagueMember.new_tier != LeagueMember.tier,
        )
        .values(league_tier=LeagueMember.new_tier)
        .execution_options(synchronize_session=False)
    )
    messages = (
        select(
            LeagueMember.user_id,
            literal(DeliveryKind.LEAGUE_RESULT.name),
            literal(week.isoformat()),
            literal(DeliveryStatus.PENDING.name),
            literal(0),
            literal(now, UTCDateTime()),
        )
        .join(User, User.id == LeagueMember.user_id)
        .where(LeagueMember.week == week, *may_receive_pushes())
    )
    names = ["user_id", "kind", "dedup_key", "status", "attempts", "claimed_at"]
    await session.execute(
        insert_ignore_from_select(
            session, Delivery, names, cast("Select[Any]", messages), key="dedup_key"
        )
    )
    return True


def week_start_of(week: date) -> datetime:
    """Monday 00:00 UTC of a league week."""
    return datetime.combine(week, time(0), tzinfo=UTC)


@dataclass(frozen=True)
class Result:
    """A member's result of a closed week, for their message."""

    delivery_id: int
    user: User
    place: int
    tier: LeagueTier
    new_tier: LeagueTier


async def pending_results(session: AsyncSession, limit: int) -> list[Result]:
    """Claimed, unsent league result messages (oldest first), with what each must say."""
    keys = await session.scalars(
        select(Delivery.dedup_key)
        .where(
            Delivery.kind == DeliveryKind.LEAGUE_RESULT,
            Delivery.status == DeliveryStatus.PENDING,
        )
        .distinct()
    )
    results: list[Result] = []
    for key in sorted(keys):
        rows = await session.execute(
            select(Delivery.id, User, LeagueMember.place, LeagueMember.tier, LeagueMember.new_tier)
            .join(User, User.id == Delivery.user_id)
            .join(
                LeagueMember,
                and_(
                    LeagueMember.user_id == Delivery.user_id,
                    LeagueMember.week == date.fromisoformat(key),
                ),
            )
            .where(
                Delivery.kind == DeliveryKind.LEAGUE_RESULT,
                Delivery.status == DeliveryStatus.PENDING,
                Delivery.dedup_key == key,
            )
            .order_by(Delivery.id)
            .limit(limit - len(results))
        )
        results += [
            Result(
                id_, user, place or 0, LeagueTier(tier), LeagueTier(tier if new is None else new)
            )
            for id_, user, place, tier, new in rows
        ]
        if len(results) >= limit:
            break
    return results


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
