"""Leaderboards: RANK ties, hidden learners, the weekly boundary, the learner's own rank,
and the incremental refresh that rewrites only the learners who changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.motivation.board_periods import week_start
from bot.rules.motivation.leaderboard import (
    Board,
    all_time_board,
    standing,
    weekly_board,
)
from bot.rules.motivation.leaderboard_refresh import refresh_leaderboard
from db.models import LeaderboardCache, LeaderboardRefresh, User
from tests.support.boards import award, learners_with_points

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday


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
    await award(session, users[0], 20, NOW, "more")
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


# ---------------------------------------------------------------- the incremental refresh

LATER = NOW + timedelta(hours=1)  # past the refresh's overlap with the previous one


def ranks(board: Board) -> list[tuple[str | None, int, int]]:
    return [(e.name, e.rank, e.points) for e in board.top]


async def test_a_refresh_with_nothing_new_rewrites_no_one(session: AsyncSession) -> None:
    users = await learners_with_points(session, [300, 200, 100])
    assert await refresh_leaderboard(session, NOW) == 3
    assert await refresh_leaderboard(session, LATER) == 0
    board = await all_time_board(session, users[0])
    assert ranks(board) == [("L0", 1, 300), ("L1", 2, 200), ("L2", 3, 100)]


async def test_a_learner_who_earns_points_moves_and_only_they_are_rewritten(
    session: AsyncSession,
) -> None:
    users = await learners_with_points(session, [300, 200, 100, 50])
    await refresh_leaderboard(session, NOW)
    await award(session, users[2], 150, LATER, "climb")  # 100 -> 250: passes L1
    assert await refresh_leaderboard(session, LATER) == 1
    board = await all_time_board(session, users[3])
    assert ranks(board) == [("L0", 1, 300), ("L2", 2, 250), ("L1", 3, 200), ("L3", 4, 50)]
    assert board.me is not None
    assert board.me.rank == 4
    week = await weekly_board(session, users[2], LATER)
    assert ranks(week) == [("L2", 1, 150)]


async def test_a_learner_who_catches_up_ties_and_the_next_rank_skips(
    session: AsyncSession,
) -> None:
    users = await learners_with_points(session, [300, 200, 100])
    await refresh_leaderboard(session, NOW)
    await award(session, users[2], 100, LATER, "tie")
    await refresh_leaderboard(session, LATER)
    board = await all_time_board(session, users[0])
    assert ranks(board) == [("L0", 1, 300), ("L1", 2, 200), ("L2", 2, 200)]
    await award(session, users[0], -150, LATER, "fall")  # 300 -> 150: the tie is now on top
    await refresh_leaderboard(session, LATER)
    board = await all_time_board(session, users[0])
    assert ranks(board) == [("L1", 1, 200), ("L2", 1, 200), ("L0", 3, 150)]


async def test_hiding_leaves_the_board_and_unhiding_comes_back_with_the_week(
    session: AsyncSession,
) -> None:
    users = await learners_with_points(session, [300, 200, 100])
    await award(session, users[0], 40, NOW, "week")
    await refresh_leaderboard(session, NOW)
    users[0].show_on_leaderboard = False
    await session.flush()
    await refresh_leaderboard(session, LATER)
    board = await all_time_board(session, users[0])
    assert ranks(board) == [("L1", 1, 200), ("L2", 2, 100)]
    assert (board.hidden, board.me) == (True, None)
    assert (await weekly_board(session, users[1], LATER)).top == []
    users[0].show_on_leaderboard = True
    await session.flush()
    await refresh_leaderboard(session, LATER + timedelta(hours=1))
    board = await all_time_board(session, users[1])
    assert ranks(board) == [("L0", 1, 340), ("L1", 2, 200), ("L2", 3, 100)]
    week = await weekly_board(session, users[0], LATER)
    assert ranks(week) == [("L0", 1, 40)]


async def test_the_week_turns_over_on_monday_midnight_utc(session: AsyncSession) -> None:
    users = await learners_with_points(session, [0, 0])
    await award(session, users[0], 30, NOW, "wed")
    await award(session, users[1], 20, NOW, "wed")
    await refresh_leaderboard(session, NOW)
    sunday_night = datetime(2026, 11, 29, 23, 59, 59, tzinfo=UTC)
    await refresh_leaderboard(session, sunday_night)
    assert ranks(await weekly_board(session, users[0], sunday_night)) == [
        ("L0", 1, 30), ("L1", 2, 20),
    ]  # fmt: skip
    monday = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
    await refresh_leaderboard(session, monday)
    assert (await weekly_board(session, users[0], monday)).top == []
    mine = await standing(session, users[0].id)
    assert mine is not None
    assert (mine.rank, mine.points, mine.week_rank, mine.week_points) == (1, 30, None, 0)
    await award(session, users[1], 5, monday + timedelta(hours=2), "mon")
    await refresh_leaderboard(session, monday + timedelta(hours=3))
    assert ranks(await weekly_board(session, users[0], monday)) == [("L1", 1, 5)]
    assert ranks(await all_time_board(session, users[0])) == [("L0", 1, 30), ("L1", 2, 25)]


async def test_a_deleted_learner_leaves_the_board_and_those_below_move_up(
    session: AsyncSession,
) -> None:
    users = await learners_with_points(session, [300, 200, 100])
    await refresh_leaderboard(session, NOW)
    await session.execute(sa.delete(User).where(User.id == users[0].id))
    await refresh_leaderboard(session, LATER)
    board = await all_time_board(session, users[2])
    assert ranks(board) == [("L1", 1, 200), ("L2", 2, 100)]
    assert board.me is not None
    assert board.me.rank == 2


async def test_an_award_committed_after_a_refresh_that_saw_a_later_one_still_counts(
    session: AsyncSession,
) -> None:
    """Two transactions: the one that took the lower ledger id commits second."""
    users = await learners_with_points(session, [0, 0])
    await award(session, users[0], 10, NOW, "a", ledger_id=20)
    await refresh_leaderboard(session, NOW + timedelta(seconds=1))
    await award(session, users[1], 50, NOW, "b", ledger_id=19)
    await refresh_leaderboard(session, NOW + timedelta(minutes=5))
    assert ranks(await all_time_board(session, users[0])) == [("L1", 1, 50), ("L0", 2, 10)]


async def test_the_incremental_refresh_agrees_with_a_rebuild(session: AsyncSession) -> None:
    users = await learners_with_points(session, [(37 * i) % 200 for i in range(40)])
    await refresh_leaderboard(session, NOW)
    for index, user in enumerate(users[::3]):
        await award(session, user, (index * 53) % 90 - 20, LATER, f"mix{index}")
    for user in users[1::7]:
        user.show_on_leaderboard = False
    await session.flush()
    await refresh_leaderboard(session, LATER)
    incremental = [await all_time_board(session, u, limit=50) for u in users[:5]]
    incremental_week = await weekly_board(session, users[0], LATER, limit=50)
    state = await session.get(LeaderboardRefresh, 1)
    await session.delete(state)
    await session.flush()
    assert await refresh_leaderboard(session, LATER) == len(incremental[0].top)
    assert [await all_time_board(session, u, limit=50) for u in users[:5]] == incremental
    assert await weekly_board(session, users[0], LATER, limit=50) == incremental_week
