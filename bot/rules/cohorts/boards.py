"""A cohort's boards, its group chat and the weekly post there.

Boards: the cohort's current members ranked among themselves by this week's points or
by all-time points (RANK semantics: equal points share a rank), as of the last leaderboard
refresh; learners hidden from the leaderboard and learners without points are left out.
Nothing but a member's first name and points is ever shown in a group.

Group chat: an admin, or a mentor of that cohort, sends `/link <code>` in a group (never a
private chat or a channel); from then on the group's `/leaderboard` shows the cohort's
weekly board, and each Monday (UTC) the finished week's board is posted there: one
delivery-ledger row per cohort and week (kind COHORT_BOARD, under the person who linked
the group), so it goes out once. A group the bot was removed from (a 403, or the
membership update) is unlinked, never retried.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import String, cast, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.cohorts.membership import record
from bot.rules.learners import is_admin
from bot.rules.motivation.board_periods import week_start
from bot.rules.motivation.leaderboard import TOP, Board, Entry
from db.enums import CohortRole, DeliveryKind, DeliveryStatus
from db.models import (
    Cohort,
    CohortMember,
    CohortRoleRow,
    Delivery,
    LeaderboardCache,
    PointsLedger,
    User,
)
from db.upsert import insert_ignore_from_select

POST_GRACE = timedelta(days=1)  # a claimed Monday post not sent within a day is given up
WEEK = timedelta(days=7)


def ranked(rows: Sequence[tuple[int, str | None, int]], viewer_id: int | None) -> list[Entry]:
    """(user id, first name, points) → entries with RANK semantics, best first."""
    ordered = sorted(rows, key=lambda row: (-row[2], row[0]))
    entries: list[Entry] = []
    for position, (user_id, name, points) in enumerate(ordered, start=1):
        rank = entries[-1].rank if entries and entries[-1].points == points else position
        entries.append(Entry(rank, name, points, user_id == viewer_id))
    return entries


async def cohort_board(
    session: AsyncSession, cohort_id: int, viewer: User | None, *, week: bool, limit: int = TOP
) -> Board:
    """The cohort's board (one statement): its top `limit` and the viewer's own entry."""
    points = LeaderboardCache.week_points if week else LeaderboardCache.total_score
    rows = await session.execute(
        select(User.id, User.first_name, points)
        .join(CohortMember, CohortMember.user_id == User.id)
        .join(LeaderboardCache, LeaderboardCache.user_id == User.id)
        .where(
            CohortMember.cohort_id == cohort_id,
            CohortMember.left_at.is_(None),
            User.show_on_leaderboard.is_(True),
            points > 0,
        )
    )
    viewer_id = viewer.id if viewer is not None else None
    entries = ranked([(int(a), b, int(c)) for a, b, c in rows], viewer_id)
    me = next((entry for entry in entries if entry.is_me), None)
    hidden = viewer is not None and not viewer.show_on_leaderboard
    return Board(entries[:limit], me, hidden=hidden)


async def finished_week_boards(
    session: AsyncSession, cohort_ids: Collection[int], week_began: datetime, limit: int = TOP
) -> dict[int, list[Entry]]:
    """The top of each cohort's board for the week that began at `week_began` (the points
    ledger of that week, summed per member): one statement for all the cohorts."""
    if not cohort_ids:
        return {}
    rows = await session.execute(
        select(CohortMember.cohort_id, User.id, User.first_name, func.sum(PointsLedger.points))
        .join(User, User.id == CohortMember.user_id)
        .join(PointsLedger, PointsLedger.user_id == User.id)
        .where(
            CohortMember.cohort_id.in_(list(cohort_ids)),
            CohortMember.left_at.is_(None),
            User.show_on_leaderboard.is_(True),
            PointsLedger.created_at >= week_began,
            PointsLedger.created_at < week_began + WEEK,
        )
        .group_by(CohortMember.cohort_id, User.id, User.first_name)
    )
    per_cohort: dict[int, list[tuple[int, str | None, int]]] = {id_: [] for id_ in cohort_ids}
    for cohort_id, user_id, name, total in rows:
        if total and total > 0:
            per_cohort[cohort_id].append((int(user_id), name, int(total)))
    return {cohort_id: ranked(members, None)[:limit] for cohort_id, members in per_cohort.items()}


# --------------------------------------------------------------------------- the group


class LinkRefusal(Enum):
    UNKNOWN_CODE = "unknown"  # no cohort has this code
    NOT_ALLOWED = "not_allowed"  # neither an admin nor a mentor of that cohort


@dataclass(frozen=True)
class Linked:
    cohort_id: int
    name: str


async def link_group(
    session: AsyncSession,
    actor: User | None,
    admin_ids: Collection[int],
    code: str,
    chat_id: int,
    now: datetime,
) -> Linked | LinkRefusal:
    """Link the group to the cohort with this invite code. A group shows one cohort (a group
    linked before moves to this one) and a cohort one group (the newer link wins)."""
    cohort = await session.scalar(select(Cohort).where(Cohort.code == code.strip()))
    if cohort is None:
        return LinkRefusal.UNKNOWN_CODE
    if actor is None or not await _may_link(session, actor, admin_ids, cohort.id):
        return LinkRefusal.NOT_ALLOWED
    if cohort.group_chat_id != chat_id:
        await session.execute(
            update(Cohort)
            .where(Cohort.group_chat_id == chat_id)
            .values(group_chat_id=None, group_linked_by=None)
            .execution_options(synchronize_session=False)
        )
        await session.flush()
    cohort.group_chat_id, cohort.group_linked_by = chat_id, actor.id
    await session.flush()
    await record(session, actor, "cohort.group_linked", cohort.id, now, chat=chat_id)
    return Linked(cohort.id, cohort.name)


async def unlink_group(
    session: AsyncSession,
    actor: User | None,
    admin_ids: Collection[int],
    chat_id: int,
    now: datetime,
) -> Linked | LinkRefusal | None:
    """Undo /link; None when the group is linked to no cohort."""
    cohort = await group_cohort(session, chat_id)
    if cohort is None:
        return None
    if actor is None or not await _may_link(session, actor, admin_ids, cohort.id):
        return LinkRefusal.NOT_ALLOWED
    cohort.group_chat_id, cohort.group_linked_by = None, None
    await session.flush()
    await record(session, actor, "cohort.group_unlinked", cohort.id, now, chat=chat_id)
    return Linked(cohort.id, cohort.name)


async def forget_groups(session: AsyncSession, chat_ids: Collection[int]) -> int:
    """Unlink groups the bot can no longer post to (removed from them); how many."""
    if not chat_ids:
        return 0
    result = await session.execute(
        update(Cohort)
        .where(Cohort.group_chat_id.in_(list(chat_ids)))
        .values(group_chat_id=None, group_linked_by=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def group_cohort(session: AsyncSession, chat_id: int) -> Cohort | None:
    return await session.scalar(select(Cohort).where(Cohort.group_chat_id == chat_id))


async def _may_link(
    session: AsyncSession, actor: User, admin_ids: Collection[int], cohort_id: int
) -> bool:
    if is_admin(actor, admin_ids):
        return True
    role = await session.scalar(
        select(CohortRoleRow.role).where(
            CohortRoleRow.cohort_id == cohort_id, CohortRoleRow.user_id == actor.id
        )
    )
    return role is CohortRole.MENTOR


# --------------------------------------------------------------------------- Monday posts


def post_key_prefix(week_began: datetime) -> str:
    return f":{week_began.date().isoformat()}"


async def claim_weekly_posts(session: AsyncSession, now: datetime) -> int:
    """On Mondays (UTC), claim this week's post of every linked cohort in one INSERT …
    SELECT (a post already claimed is skipped); how many rows the statement touched."""
    if now.weekday() != 0:
        return 0
    key = literal("g") + cast(Cohort.id, String) + literal(post_key_prefix(week_start(now)))
    columns = Delivery.__table__.c
    owner = func.coalesce(Cohort.group_linked_by, Cohort.created_by)
    rows = select(
        owner,
        literal(DeliveryKind.COHORT_BOARD, columns.kind.type),
        key,
        literal(DeliveryStatus.PENDING, columns.status.type),
        literal(0, columns.attempts.type),
        literal(now, columns.claimed_at.type),
    ).where(Cohort.group_chat_id.is_not(None), owner.is_not(None))
    names = ["user_id", "kind", "dedup_key", "status", "attempts", "claimed_at"]
    result = await session.execute(
        insert_ignore_from_select(session, Delivery, names, rows, key="dedup_key")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Post:
    delivery_id: int
    cohort_id: int
    name: str
    chat_id: int
    week_began: datetime
    top: list[Entry]


async def pending_posts(session: AsyncSession, now: datetime, limit: int) -> list[Post]:
    """Claimed, unsent Monday posts with the finished week's boards (expired ones, and
    posts of cohorts unlinked meanwhile, are given up)."""
    await session.execute(
        update(Delivery)
        .where(
            Delivery.kind == DeliveryKind.COHORT_BOARD,
            Delivery.status == DeliveryStatus.PENDING,
            Delivery.claimed_at < now - POST_GRACE,
        )
        .values(status=DeliveryStatus.FAILED, error="expired before it could be sent")
    )
    rows = (
        await session.execute(
            select(Delivery.id, Delivery.dedup_key)
            .where(
                Delivery.kind == DeliveryKind.COHORT_BOARD,
                Delivery.status == DeliveryStatus.PENDING,
            )
            .order_by(Delivery.id)
            .limit(limit)
        )
    ).all()
    wanted = {int(key[1:].split(":")[0]): delivery_id for delivery_id, key in rows}
    cohorts = (
        await session.scalars(
            select(Cohort).where(Cohort.id.in_(list(wanted)), Cohort.group_chat_id.is_not(None))
        )
    ).all()
    last_week = week_start(now) - WEEK
    boards = await finished_week_boards(session, [c.id for c in cohorts], last_week)
    posts = [
        Post(wanted[c.id], c.id, c.name, int(c.group_chat_id or 0), last_week, boards[c.id])
        for c in cohorts
    ]
    gone = set(wanted.values()) - {post.delivery_id for post in posts}
    if gone:
        await session.execute(
            update(Delivery)
            .where(Delivery.id.in_(gone))
            .values(status=DeliveryStatus.FAILED, error="the group was unlinked")
        )
    return posts


async def unlink_blocked(session: AsyncSession, posts: Sequence[Post]) -> int:
    """Unlink the groups whose post met a 403 (the bot was removed): never retried."""
    by_delivery = {post.delivery_id: post.chat_id for post in posts}
    if not by_delivery:
        return 0
    blocked = await session.scalars(
        select(Delivery.id).where(
            Delivery.id.in_(list(by_delivery)), Delivery.status == DeliveryStatus.BLOCKED
        )
    )
    return await forget_groups(session, [by_delivery[delivery_id] for delivery_id in blocked])
