"""/league and the reminder lines of /settings, through the dispatcher."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.clock import FixedClock
from bot.rules.leagues import place_newcomers
from db.enums import LeagueTier, PointsReason
from db.models import LeagueMember, PointsLedger, User, UserStats
from tests.support.chat import Chat
from tests.support.factories import T0, make_user

MONDAY = datetime(2026, 6, 1, tzinfo=UTC)


def award(user: User, points: int, at: datetime) -> PointsLedger:
    return PointsLedger(
        user_id=user.id,
        points=points,
        reason=PointsReason.ADJUSTMENT,
        award_key="test",
        created_at=at,
    )


async def group_of(session: AsyncSession, points: list[int], tier: LeagueTier) -> list[User]:
    users = []
    for n, earned in enumerate(points, start=1):
        user = await make_user(session, 600 + n, first_name=f"<L{n}>")
        session.add(UserStats(user_id=user.id, league_tier=tier, updated_at=T0))
        session.add(award(user, earned, MONDAY + timedelta(minutes=n)))
        users.append(user)
    await session.flush()
    await place_newcomers(session, MONDAY + timedelta(hours=1))
    await session.commit()
    return users


async def test_league_shows_the_group_the_place_and_the_lines(
    session: AsyncSession, clock: FixedClock, make_chat: Callable[..., Chat]
) -> None:
    points = [100 - n for n in range(12)]  # L1 first … L12 last
    points[8] = points[7]  # L8 and L9 tie
    users = await group_of(session, points, LeagueTier.SILVER)
    users[2].show_on_leaderboard = False  # L3 hides
    await session.commit()
    clock.set(MONDAY + timedelta(days=2))
    chat = make_chat(608, first_name="<L8>")  # tied with L9
    text = chat.texts(await chat.send("/league"))[0]
    lines = text.splitlines()
    assert lines[0] == "<b>🥈 Silver league</b> · this week"
    assert "&lt;L3&gt;" not in text  # hidden from the others
    assert "1. &lt;L1&gt; — 100" in lines
    assert "<b>8. &lt;L8&gt; — 93</b>" in lines
    assert "8. &lt;L9&gt; — 93" in lines
    # A group of 12: places 1-7 move up, the last 5 (places 8-12) move down.
    promotion = lines.index("⬆️ promotion line")
    assert lines[promotion - 1] == "7. &lt;L7&gt; — 94"
    assert lines[promotion + 1 : promotion + 3] == ["⬇️ demotion line", "<b>8. &lt;L8&gt; — 93</b>"]
    assert lines[-3:] == [
        "Your place: 8 with 93 points",
        "⬆️ Places 1–7 move up to Gold on Monday.",
        "⬇️ Places 8–12 move down to Bronze.",
    ]


@pytest.mark.parametrize(
    ("tier", "size", "rules"),
    [
        (
            LeagueTier.BRONZE,
            2,
            [
                "⬆️ The top 7 move up to Silver on Monday: so far, everyone in this group.",
                "Nobody moves down from Bronze.",
            ],
        ),
        (
            LeagueTier.GOLD,
            9,
            [
                "⬆️ Places 1–7 move up to Sapphire on Monday.",
                "Nobody moves down while the group has fewer than 10 learners.",
            ],
        ),
        (
            LeagueTier.DIAMOND,
            3,
            [
                "Nobody moves up from Diamond, the top league.",
                "Nobody moves down while the group has fewer than 10 learners.",
            ],
        ),
    ],
)
async def test_league_says_what_moves_up_and_down_in_a_group_of_any_size(
    session: AsyncSession,
    clock: FixedClock,
    make_chat: Callable[..., Chat],
    tier: LeagueTier,
    size: int,
    rules: list[str],
) -> None:
    await group_of(session, [50 - n for n in range(size)], tier)
    clock.set(MONDAY + timedelta(days=1))
    chat = make_chat(601)
    text = chat.texts(await chat.send("/league"))[0]
    assert text.splitlines()[-2:] == rules


async def test_league_right_after_the_first_points_places_the_learner_at_once(
    session: AsyncSession, clock: FixedClock, make_chat: Callable[..., Chat]
) -> None:
    await group_of(session, [40, 30], LeagueTier.BRONZE)  # placed by the job an hour in
    late = await make_user(session, 650, first_name="Late")
    early = await make_user(session, 651, first_name="Early")
    for user, minutes in ((early, 100), (late, 110)):  # earned after the job's last run
        session.add(award(user, 25, MONDAY + timedelta(minutes=minutes)))
    await session.commit()
    clock.set(MONDAY + timedelta(minutes=111))  # before the job runs again
    chat = make_chat(650, first_name="Late")
    text = chat.texts(await chat.send("/league"))[0]
    lines = text.splitlines()
    assert "Earn points" not in text
    assert "<b>3. Late — 25</b>" in lines
    assert "3. Early — 25" in lines  # everyone waiting was placed, not only who asked
    assert lines[-3] == "Your place: 3 with 25 points"
    members = await session.scalar(sa.select(sa.func.count()).select_from(LeagueMember))
    assert members == 4


async def test_league_before_last_week_is_closed_says_the_learner_joins_within_a_minute(
    session: AsyncSession, clock: FixedClock, make_chat: Callable[..., Chat]
) -> None:
    await group_of(session, [40, 30], LeagueTier.BRONZE)  # last week, not closed yet
    user = await make_user(session, 650)
    next_monday = MONDAY + timedelta(days=7)
    session.add(award(user, 25, next_monday))
    await session.commit()
    clock.set(next_monday + timedelta(seconds=20))
    chat = make_chat(650)
    text = chat.texts(await chat.send("/league"))[0]
    assert "You earned points this week: you join a group within a minute" in text
    placed = await session.scalar(sa.select(sa.func.count()).where(LeagueMember.user_id == user.id))
    assert placed == 0  # with last week's tier, before its promotions: never


async def test_league_before_any_points_this_week_explains_how_to_join(
    session: AsyncSession, clock: FixedClock, make_chat: Callable[..., Chat]
) -> None:
    await make_user(session, 701)
    await session.commit()
    clock.set(MONDAY)
    chat = make_chat(701)
    text = chat.texts(await chat.send("/league"))[0]
    assert "Bronze league" in text
    assert "Earn points this week" in text


async def test_settings_show_the_reminders_in_force(
    session: AsyncSession, clock: FixedClock, make_chat: Callable[..., Chat]
) -> None:
    user = await make_user(session, 801, zone="Europe/Berlin", lesson_minute=10 * 60)
    session.add(UserStats(user_id=user.id, usual_hour=21, updated_at=T0))
    await session.commit()
    clock.set(MONDAY)
    chat = make_chat(801)
    text = chat.texts(await chat.send("/settings"))[0]
    assert "🔥 Streak reminder: 21:00 (your usual learning hour)" in text
    assert "📬 Pushes: daily; every other day after 3 unanswered" in text
