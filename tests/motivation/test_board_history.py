"""Today's, this week's and this month's boards at their boundaries, and the kept boards:
the top of a week or a month as it ended, taken once, late or not; a learner's placings."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.motivation.board_history import best_placings, last_board, placings
from bot.rules.motivation.leaderboard import Board, period_board
from bot.rules.motivation.leaderboard_refresh import refresh_leaderboard
from bot.rules.privacy.erasure import erase_learner
from bot.rules.privacy.export import learner_export
from db.enums import BoardPeriod
from db.models import LeaderboardSnapshot, User
from tests.support.boards import award, learners_with_points

DAY, WEEK, MONTH = BoardPeriod.DAY, BoardPeriod.WEEK, BoardPeriod.MONTH
WEDNESDAY = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # week 2026-W48
SUNDAY_LAST_SECOND = datetime(2026, 11, 29, 23, 59, 59, tzinfo=UTC)
MONDAY = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # week 2026-W49, still November
W48 = date(2026, 11, 23)


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def points(board: Board) -> list[tuple[str | None, int, int]]:
    return [(entry.name, entry.rank, entry.points) for entry in board.top]


async def kept(session: AsyncSession) -> list[tuple[BoardPeriod, date, str | None, int, int]]:
    rows = await session.execute(
        sa.select(
            LeaderboardSnapshot.period,
            LeaderboardSnapshot.starts_on,
            LeaderboardSnapshot.name,
            LeaderboardSnapshot.rank,
            LeaderboardSnapshot.points,
        ).order_by(
            LeaderboardSnapshot.starts_on, LeaderboardSnapshot.period, LeaderboardSnapshot.rank
        )
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_today_this_week_and_this_month_count_from_their_own_start(
    session: AsyncSession,
) -> None:
    users = await learners_with_points(session, [0, 0, 0])
    await award(session, users[0], 40, at(2026, 11, 2, 9), "early-november")  # an earlier week
    await award(session, users[1], 30, at(2026, 11, 24, 9), "tuesday")
    await award(session, users[2], 5, WEDNESDAY, "today")
    await award(session, users[2], 50, at(2026, 10, 31, 23, 59, 59), "october")
    await refresh_leaderboard(session, WEDNESDAY)
    me = users[2]
    assert points(await period_board(session, me, DAY)) == [("L2", 1, 5)]
    assert points(await period_board(session, me, WEEK)) == [("L1", 1, 30), ("L2", 2, 5)]
    assert points(await period_board(session, me, MONTH)) == [
        ("L0", 1, 40), ("L1", 2, 30), ("L2", 3, 5),
    ]  # fmt: skip
    assert points(await period_board(session, me, BoardPeriod.ALL_TIME))[0] == ("L2", 1, 55)


async def test_sunday_23_59_59_is_last_week_and_monday_00_00_is_this_week(
    session: AsyncSession,
) -> None:
    users = await learners_with_points(session, [0, 0])
    await award(session, users[0], 30, WEDNESDAY, "wed")
    await refresh_leaderboard(session, WEDNESDAY)
    await award(session, users[1], 20, SUNDAY_LAST_SECOND, "sunday")
    await award(session, users[0], 7, MONDAY, "monday")
    await refresh_leaderboard(session, at(2026, 11, 30, 0, 3))
    me = users[1]
    assert points(await period_board(session, me, WEEK)) == [("L0", 1, 7)]
    assert points(await period_board(session, me, DAY)) == [("L0", 1, 7)]
    # Still November: the month holds both weeks.
    assert points(await period_board(session, me, MONTH)) == [("L0", 1, 37), ("L1", 2, 20)]
    last = await last_board(session, me, WEEK, at(2026, 11, 30, 0, 3))
    assert (last.label, [(p.name, p.rank, p.points) for p in last.top]) == (
        "2026-W48", [("L0", 1, 30), ("L1", 2, 20)],
    )  # fmt: skip
    assert last.me is not None
    assert (last.me.rank, last.me.points) == (2, 20)


async def test_a_month_ends_at_its_last_second_and_the_leap_day_belongs_to_february(
    session: AsyncSession,
) -> None:
    users = await learners_with_points(session, [0, 0])
    await award(session, users[0], 10, at(2028, 2, 1), "feb-first")
    await refresh_leaderboard(session, at(2028, 2, 28, 12))
    await award(session, users[1], 15, at(2028, 2, 29, 23, 59, 59), "leap-day")
    await refresh_leaderboard(session, at(2028, 2, 29, 23, 59, 59))
    assert points(await period_board(session, users[0], DAY)) == [("L1", 1, 15)]
    await award(session, users[0], 3, at(2028, 3, 1), "march-first")
    await refresh_leaderboard(session, at(2028, 3, 1, 0, 4))
    assert points(await period_board(session, users[0], MONTH)) == [("L0", 1, 3)]
    assert points(await period_board(session, users[0], DAY)) == [("L0", 1, 3)]
    february = await last_board(session, users[0], MONTH, at(2028, 3, 1, 0, 4))
    assert february.label == "2028-02"
    assert [(p.name, p.rank, p.points) for p in february.top] == [("L1", 1, 15), ("L0", 2, 10)]


async def test_a_week_is_kept_once_however_often_the_job_runs(session: AsyncSession) -> None:
    users = await learners_with_points(session, [0, 0, 0])
    for user, value in zip(users, (30, 30, 10), strict=True):
        await award(session, user, value, WEDNESDAY, f"wed-{user.id}")
    await refresh_leaderboard(session, WEDNESDAY)
    for minute in (1, 1, 6, 11):
        await refresh_leaderboard(session, at(2026, 11, 30, 0, minute))
    assert await kept(session) == [
        (WEEK, W48, "L0", 1, 30), (WEEK, W48, "L1", 1, 30), (WEEK, W48, "L2", 3, 10),
    ]  # fmt: skip


async def test_a_week_closed_late_is_kept_with_its_own_points_and_the_names_as_they_were(
    session: AsyncSession,
) -> None:
    users = await learners_with_points(session, [0, 0])
    await award(session, users[0], 30, WEDNESDAY, "wed")
    await refresh_leaderboard(session, WEDNESDAY)
    # The scheduler is down from Wednesday until the next Wednesday; meanwhile the week
    # and November end, and points are earned on both sides.
    await award(session, users[1], 20, at(2026, 11, 29, 18), "sunday")
    await award(session, users[1], 100, at(2026, 11, 30, 9), "monday")
    await award(session, users[0], 1, at(2026, 12, 1, 9), "december")
    users[0].first_name = "Renamed"
    await refresh_leaderboard(session, at(2026, 12, 2, 12))
    assert await kept(session) == [
        (MONTH, date(2026, 11, 1), "L1", 1, 120),
        (MONTH, date(2026, 11, 1), "Renamed", 2, 30),
        (WEEK, W48, "Renamed", 1, 30),
        (WEEK, W48, "L1", 2, 20),
    ]
    assert points(await period_board(session, users[0], WEEK)) == [
        ("L1", 1, 100), ("Renamed", 2, 1),
    ]  # fmt: skip
    assert points(await period_board(session, users[0], MONTH)) == [("Renamed", 1, 1)]
    users[0].first_name = "Later"
    await session.flush()
    last = await last_board(session, users[0], WEEK, at(2026, 12, 2, 12))
    assert (last.label, [p.name for p in last.top]) == ("2026-W48", ["Renamed", "L1"])


async def test_a_monday_the_first_keeps_the_week_and_the_month(session: AsyncSession) -> None:
    users = await learners_with_points(session, [0])
    await award(session, users[0], 9, at(2027, 2, 26, 9), "friday")
    await refresh_leaderboard(session, at(2027, 2, 26, 10))
    await refresh_leaderboard(session, at(2027, 3, 1, 0, 2))
    assert await kept(session) == [
        (MONTH, date(2027, 2, 1), "L0", 1, 9),
        (WEEK, date(2027, 2, 22), "L0", 1, 9),
    ]


async def test_hidden_learners_are_not_kept_and_nobody_earning_keeps_nothing(
    session: AsyncSession,
) -> None:
    shown = await learners_with_points(session, [0])
    hidden = await learners_with_points(session, [0], offset=50, show_on_leaderboard=False)
    await award(session, shown[0], 5, WEDNESDAY, "wed")
    await award(session, hidden[0], 50, WEDNESDAY, "wed")
    await refresh_leaderboard(session, WEDNESDAY)
    await refresh_leaderboard(session, at(2026, 12, 14, 0, 5))  # two more weeks, idle
    assert [(period, starts) for period, starts, *_ in await kept(session)] == [
        (MONTH, date(2026, 11, 1)), (WEEK, W48),
    ]  # fmt: skip
    idle = await last_board(session, shown[0], WEEK, at(2026, 12, 14, 0, 5))
    assert (idle.top, idle.me) == ([], None)


async def test_best_placings_erasure_and_export(session: AsyncSession) -> None:
    users = await learners_with_points(session, [0, 0, 0])
    await refresh_leaderboard(session, at(2026, 11, 16, 9))
    await award(session, users[0], 10, at(2026, 11, 17, 9), "w47-0")
    await award(session, users[1], 20, at(2026, 11, 17, 9), "w47-1")
    await award(session, users[2], 30, at(2026, 11, 17, 9), "w47-2")
    await refresh_leaderboard(session, at(2026, 11, 23, 0, 1))  # 2026-W47: third
    await award(session, users[0], 50, WEDNESDAY, "w48-0")
    await award(session, users[1], 45, WEDNESDAY, "w48-1")
    await refresh_leaderboard(session, at(2026, 12, 1, 0, 1))  # W48: first; November: second
    mine = await placings(session, users[0].id)
    assert [(p.label, p.rank, p.points) for p in mine] == [
        ("2026-11", 2, 60), ("2026-W47", 3, 10), ("2026-W48", 1, 50),
    ]  # fmt: skip
    best = best_placings(mine)
    assert (best[WEEK].label, best[WEEK].rank) == ("2026-W48", 1)
    assert (best[MONTH].label, best[MONTH].rank) == ("2026-11", 2)
    document = await learner_export(session, users[0], at(2026, 12, 1, 9))
    assert [(p["label"], p["rank"]) for p in document["leaderboard_placings"]] == [
        ("2026-11", 2), ("2026-W47", 3), ("2026-W48", 1),
    ]  # fmt: skip
    assert "leaderboard_snapshots" not in document["other"]
    erased = await session.get(User, users[0].id)
    assert erased is not None
    await erase_learner(session, erased)
    remaining = await session.scalars(sa.select(LeaderboardSnapshot.user_id).distinct())
    assert set(remaining) == {users[1].id, users[2].id}
