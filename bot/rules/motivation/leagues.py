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

from sqlalchemy import CursorResult, Select, and_, case, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.motivation.board_periods import week_start
from bot.rules.reach.audience import may_receive_pushes
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
