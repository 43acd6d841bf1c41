"""Leaderboards: RANK ties, hidden learners, the weekly boundary, the learner's own rank."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.leaderboard import all_time_board, refresh_leaderboard, week_start, weekly_board
from db.enums import PointsReason
from db.models import LeaderboardCache, PointsLedger, User, UserStats
from tests.support.factories import make_user

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday


async def learners_with_points(
    session: AsyncSession, points: list[int], offset: int = 0, **fields: object
) -> list[User]:
    users = []
    for index, value in enumerate(points):
        user = await make_user(session, 1000 + offset + index, first_name=f"L{index}", **fields)
        session.add(UserStats(user_id=user.id, points=value, level=1, updated_at=NOW))
        users.append(user)
    await session.flush()
    return users


async def award(session: AsyncSession, user: User, points: int, when: datetime, key: str) -> None:
    """A ledger row and the stats row in step, as the rewards service keeps them."""
    session.add(PointsLedger(user_id=user.id, points=points, reason=PointsReason.ADJUSTMENT,
                             award_key=key, created_at=when))  # fmt: skip
    stats = await session.get(UserStats, user.id)
    assert stats is not None
    stats.points += points
    await session.flush()


def test_the_week_starts_on_monday_midnight_utc() -> None:
    assert week_start(NOW) == datetime(2026, 11, 23, tzinfo=UTC)
    assert week_start(datetime(2026, 11, 23, tzinfo=UTC)) == datetime(2026, 11, 23, tzinfo=UTC)
    assert week_start(datetime(2026, 11, 22, 23, 59, 59, tzinfo=UTC)) == datetime(
        2026, 11, 16, tzinfo=UTC
    )


async def test_ties_share_a_rank_and_the_next_rank_skips(session: AsyncSession) -> None:
    users = await learners_with_points(session, [300, 500, 300, 100, 500])
    await refresh_leaderboard(session, NOW)
    board = await all_time_board(session, users[0])
    assert [(e.rank, e.points) for e in board.top] == [
        (1, 500), (1, 500), (3, 300), (3, 300), (5, 100),
    ]  # fmt: skip
    assert board.me is not None
    assert board.me.rank == 3


async def test_hidden_learners_and_learners_without_points_are_left_out(
    session: AsyncSession,
) -> None:
    visible = await learners_with_points(session, [10, 20])
    hidden = await learners_with_points(session, [999], offset=50, show_on_leaderboard=False)
    zero = await learners_with_points(session, [0], offset=60)
    await refresh_leaderboard(session, NOW)
    ranked = set(await session.scalars(sa.select(LeaderboardCache.user_id)))
    assert ranked == {u.id for u in visible}
    board = await all_time_board(session, hidden[0])
    assert board.hidden
    assert board.me is None
    assert (await all_time_board(session, zero[0])).me is None
    await award(session, hidden[0], 999, NOW, "h")
    await refresh_leaderboard(session, NOW)
    week = await weekly_board(session, visible[0], NOW)
    assert all(entry.name != "L0" or entry.points != 999 for entry in week.top)
    assert (await weekly_board(session, hidden[0], NOW)).me is None


async def test_refresh_replaces_the_previous_ranking(session: AsyncSession) -> None:
    users = await learners_with_points(session, [10, 20])
    await refresh_leaderboard(session, NOW)
    stats = await session.get(UserStats, users[0].id)
    assert stats is not None
    stats.points = 30
    await session.flush()
    await refresh_leaderboard(session, NOW)
    board = await all_time_board(session, users[0])
    assert [e.name for e in board.top] == ["L0", "L1"]
    assert await session.scalar(sa.select(sa.func.count()).select_from(LeaderboardCache)) == 2


async def test_own_rank_is_shown_outside_the_top_ten(session: AsyncSession) -> None:
    users = await learners_with_points(session, [1000 - 10 * i for i in range(15)])
    await refresh_leaderboard(session, NOW)
    last = users[-1]
    board = await all_time_board(session, last)
    assert len(board.top) == 10
    assert not any(e.is_me for e in board.top)
    assert board.me is not None
    assert (board.me.rank, board.me.points) == (15, 860)
    for index, user in enumerate(users):
        await award(session, user, 100 - index, NOW, "w")
    await refresh_leaderboard(session, NOW)
    week = await weekly_board(session, last, NOW)
    assert len(week.top) == 10
    assert week.me is not None
    assert (week.me.rank, week.me.points) == (15, 86)


async def test_weekly_board_counts_from_monday_midnight_utc(session: AsyncSession) -> None:
    early, late = await learners_with_points(session, [0, 0])
    await award(session, early, 50, datetime(2026, 11, 22, 23, 59, 59, tzinfo=UTC), "sun")
    await award(session, late, 5, datetime(2026, 11, 23, 0, 0, 0, tzinfo=UTC), "mon")
    await award(session, early, 7, datetime(2026, 11, 24, 8, 0, tzinfo=UTC), "tue")
    await refresh_leaderboard(session, NOW)
    week = await weekly_board(session, early, NOW)
    assert [(e.name, e.points, e.rank) for e in week.top] == [("L0", 7, 1), ("L1", 5, 2)]
    next_monday = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    await refresh_leaderboard(session, next_monday)
    tied = await weekly_board(session, late, next_monday)
    assert tied.top == []
    assert tied.me is None


async def test_weekly_ties_rank_equal(session: AsyncSession) -> None:
    users = await learners_with_points(session, [0, 0, 0])
    for user, points in zip(users, [40, 40, 10], strict=True):
        await award(session, user, points, NOW, "t")
    await refresh_leaderboard(session, NOW)
    week = await weekly_board(session, users[2], NOW)
    assert [e.rank for e in week.top] == [1, 1, 3]
    assert week.me is not None
    assert week.me.rank == 3
