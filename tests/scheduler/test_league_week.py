"""Weekly leagues: placement, a week closed exactly once, promotions and demotions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.entry.offline import OfflineSession
from bot.rules.clock import FixedClock
from bot.rules.leagues import lines_for, ranked
from db.enums import DeliveryKind, LeagueTier, PointsReason
from db.models import Delivery, LeagueMember, LeagueWeek, PointsLedger, User, UserStats
from scheduler.jobs import Jobs
from tests.support.factories import T0, make_user
from tests.support.scheduling import offline_jobs, sent_texts

MONDAY = datetime(2026, 6, 1, tzinfo=UTC)
WEEK = date(2026, 6, 1)


@pytest.fixture
def jobs(session_factory: async_sessionmaker[AsyncSession], bot: Bot, clock: FixedClock) -> Jobs:
    return offline_jobs(session_factory, bot, clock)


async def earners(
    session: AsyncSession, first_id: int, count: int, tier: LeagueTier, start: datetime
) -> list[User]:
    """`count` learners of `tier`; the n-th earns 10·n points at `start` + n minutes."""
    users = []
    for n in range(1, count + 1):
        user = await make_user(session, first_id + n, first_name=f"L{first_id + n}")
        session.add(UserStats(user_id=user.id, league_tier=tier, updated_at=T0))
        session.add(
            PointsLedger(
                user_id=user.id,
                points=10 * n,
                reason=PointsReason.ADJUSTMENT,
                award_key=f"test:{start:%F}",
                created_at=start + timedelta(minutes=n),
            )
        )
        users.append(user)
    await session.commit()
    return users


async def tiers(session: AsyncSession, users: list[User]) -> list[int]:
    rows = dict(
        (
            await session.execute(
                sa.select(UserStats.user_id, UserStats.league_tier).execution_options(
                    populate_existing=True
                )
            )
        ).all()
    )
    return [rows[user.id] for user in users]


async def test_a_week_closes_once_with_promotions_and_demotions_for_groups_of_30_12_and_6(
    session: AsyncSession, jobs: Jobs, clock: FixedClock, offline_session: OfflineSession
) -> None:
    silver = await earners(session, 1000, 30, LeagueTier.SILVER, MONDAY + timedelta(hours=1))
    diamond = await earners(session, 2000, 12, LeagueTier.DIAMOND, MONDAY + timedelta(hours=2))
    bronze = await earners(session, 3000, 6, LeagueTier.BRONZE, MONDAY + timedelta(hours=3))
    clock.set(MONDAY + timedelta(days=3))
    await jobs.league_week()  # places everyone
    for _ in range(3):  # the week ends; the job runs again and again
        clock.set(MONDAY + timedelta(days=7, minutes=5))
        await jobs.league_week()
    # Points are 10·n: the last learner of each group is first.
    assert await tiers(session, silver) == [0] * 5 + [1] * 18 + [2] * 7
    assert await tiers(session, diamond) == [3] * 5 + [4] * 7
    assert await tiers(session, bronze) == [1] * 6  # top 7 of 6; under 10: nobody goes down
    results = sent_texts(offline_session)
    assert len(results) == 48
    first_silver = sent_texts(offline_session, silver[-1].telegram_id)
    assert first_silver == [
        "🏁 League week over: you finished #1 in the Silver league.\n⬆️ You move up to Gold!"
    ]
    assert "You stay in Diamond." in sent_texts(offline_session, diamond[-1].telegram_id)[0]
    assert "move down to Bronze" in sent_texts(offline_session, silver[0].telegram_id)[0]
    claimed = await session.scalar(
        sa.select(sa.func.count()).where(Delivery.kind == DeliveryKind.LEAGUE_RESULT)
    )
    assert claimed == 48


async def test_learners_are_placed_first_come_first_placed_in_groups_of_30(
    session: AsyncSession, jobs: Jobs, clock: FixedClock
) -> None:
    first = await earners(session, 1000, 32, LeagueTier.BRONZE, MONDAY)
    clock.set(MONDAY + timedelta(hours=2))
    await jobs.league_week()
    later = await earners(session, 2000, 3, LeagueTier.BRONZE, MONDAY + timedelta(hours=3))
    clock.set(MONDAY + timedelta(hours=4))
    await jobs.league_week()
    await jobs.league_week()
    groups = dict(
        (await session.execute(sa.select(LeagueMember.user_id, LeagueMember.group_no))).all()
    )
    assert [groups[user.id] for user in first] == [0] * 30 + [1] * 2
    assert [groups[user.id] for user in later] == [1] * 3
    assert len(groups) == 35


async def test_a_learner_without_points_this_week_is_not_placed(
    session: AsyncSession, jobs: Jobs, clock: FixedClock
) -> None:
    await earners(session, 1000, 2, LeagueTier.BRONZE, MONDAY - timedelta(days=2))  # last week
    clock.set(MONDAY + timedelta(hours=1))
    await jobs.league_week()
    members = await session.scalar(
        sa.select(sa.func.count()).select_from(LeagueMember).where(LeagueMember.week == WEEK)
    )
    assert members == 0


def test_ties_share_a_place() -> None:
    assert ranked([(1, 50), (2, 80), (3, 50), (4, 10)]) == {2: 1, 1: 2, 3: 2, 4: 4}


@pytest.mark.parametrize(
    ("tier", "size", "lines"),
    [
        (LeagueTier.SILVER, 30, (7, 25)),
        (LeagueTier.SILVER, 12, (7, 7)),
        (LeagueTier.SILVER, 9, (7, None)),  # under 10: nobody goes down
        (LeagueTier.BRONZE, 30, (7, None)),  # none below Bronze
        (LeagueTier.DIAMOND, 30, (None, 25)),  # none above Diamond
    ],
)
def test_the_promotion_and_demotion_lines(
    tier: LeagueTier, size: int, lines: tuple[int | None, int | None]
) -> None:
    assert lines_for(tier, size) == lines


async def test_earners_of_the_last_minutes_are_placed_before_the_week_closes(
    session: AsyncSession, jobs: Jobs, clock: FixedClock, offline_session: OfflineSession
) -> None:
    await earners(session, 1000, 2, LeagueTier.BRONZE, MONDAY)
    clock.set(MONDAY + timedelta(hours=1))
    await jobs.league_week()
    late = await earners(session, 2000, 1, LeagueTier.BRONZE, MONDAY + timedelta(days=6, hours=23))
    clock.set(MONDAY + timedelta(days=7, minutes=1))  # the job did not run in between
    await jobs.league_week()
    assert await tiers(session, late) == [LeagueTier.SILVER]
    assert len(sent_texts(offline_session)) == 3


async def test_a_week_the_job_never_saw_is_placed_and_closed_like_any_other(
    session: AsyncSession, jobs: Jobs, clock: FixedClock, offline_session: OfflineSession
) -> None:
    first = await earners(session, 1000, 2, LeagueTier.BRONZE, MONDAY)
    clock.set(MONDAY + timedelta(hours=1))
    await jobs.league_week()  # the first week is known; then the scheduler is down
    unseen = await earners(session, 2000, 3, LeagueTier.SILVER, MONDAY + timedelta(days=8))
    clock.set(MONDAY + timedelta(days=14, minutes=5))  # back in the third week
    await jobs.league_week()
    await jobs.league_week()
    assert await tiers(session, first) == [LeagueTier.SILVER] * 2
    assert await tiers(session, unseen) == [LeagueTier.GOLD] * 3
    assert sent_texts(offline_session, unseen[0].telegram_id) == [
        "🏁 League week over: you finished #3 in the Silver league.\n⬆️ You move up to Gold!"
    ]
    assert len(sent_texts(offline_session)) == 5
    # Weeks nobody earned in, missed too, are closed once with nobody to tell.
    clock.set(MONDAY + timedelta(days=35, minutes=5))
    await jobs.league_week()
    weeks = dict((await session.execute(sa.select(LeagueWeek.week, LeagueWeek.closed_at))).all())
    assert sorted(weeks) == [WEEK + timedelta(days=7 * n) for n in range(6)]
    assert [weeks[WEEK + timedelta(days=7 * n)] is not None for n in range(6)] == [True] * 5 + [
        False
    ]
    assert len(sent_texts(offline_session)) == 5


async def test_a_week_before_the_first_the_job_saw_is_left_alone(
    session: AsyncSession, jobs: Jobs, clock: FixedClock, offline_session: OfflineSession
) -> None:
    await earners(session, 1000, 2, LeagueTier.BRONZE, MONDAY - timedelta(days=3))
    clock.set(MONDAY + timedelta(hours=1))  # leagues begin with the first week placed
    await jobs.league_week()
    assert sent_texts(offline_session) == []
