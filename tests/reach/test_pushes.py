"""Who may receive a push and who is due now: the rules the scheduler's jobs call."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.learners import learner_locale
from bot.rules.motivation.streaks import due_for_streak_reminder
from bot.rules.reach.audience import reminder_zones
from bot.rules.reach.pushes import (
    DAILY_LESSON_GRACE,
    STREAK_REMINDER_GRACE,
    due_for_daily_lesson,
    slot,
    streak_reminder_minute,
)
from db.enums import DeliveryKind, DeliveryStatus
from db.models import Delivery, UserStats
from db.upsert import insert_ignore
from tests.support.factories import T0, make_user

NINE_IN_BERLIN = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)  # 09:00 CEST
EVENING_IN_BERLIN = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)  # 20:00 CEST


def stats(user_id: int, last_active: date | None, streak: int = 1) -> UserStats:
    return UserStats(
        user_id=user_id, last_active_date=last_active, current_streak=streak, updated_at=T0
    )


async def test_the_daily_lesson_is_due_at_the_lesson_time_unless_learned_today(
    session: AsyncSession,
) -> None:
    berlin = dict(zone="Europe/Berlin", lesson_minute=9 * 60)
    due = await make_user(session, 1, **berlin)
    learned_today = await make_user(session, 2, **berlin)
    later = await make_user(session, 3, zone="Europe/Berlin", lesson_minute=18 * 60)
    session.add(stats(learned_today.id, date(2026, 6, 1)))
    await session.flush()
    window = slot("Europe/Berlin", NINE_IN_BERLIN, DAILY_LESSON_GRACE)
    chosen = await due_for_daily_lesson(session, window)
    assert [u.id for u in chosen] == [due.id]
    assert later.id not in {u.id for u in chosen}


async def test_nobody_off_blocked_inactive_or_still_onboarding_is_due(
    session: AsyncSession,
) -> None:
    berlin = dict(zone="Europe/Berlin", lesson_minute=9 * 60)
    await make_user(session, 1, reminders_enabled=False, **berlin)
    await make_user(session, 2, blocked_at=T0, **berlin)
    await make_user(session, 3, is_active=False, **berlin)
    onboarding = await make_user(session, 4, **berlin)
    onboarding.onboarded_at = None
    await session.flush()
    window = slot("Europe/Berlin", NINE_IN_BERLIN, DAILY_LESSON_GRACE)
    assert await due_for_daily_lesson(session, window) == []
    assert await reminder_zones(session) == []


async def test_a_streak_reminder_never_goes_to_a_learner_still_onboarding(
    session: AsyncSession,
) -> None:
    at_risk = await make_user(session, 1, zone="Europe/Berlin")
    onboarding = await make_user(session, 2, zone="Europe/Berlin")
    onboarding.onboarded_at = None
    session.add_all([stats(at_risk.id, date(2026, 5, 31)), stats(onboarding.id, date(2026, 5, 31))])
    await session.flush()
    window = slot("Europe/Berlin", EVENING_IN_BERLIN, STREAK_REMINDER_GRACE)
    assert [u.id for u in await due_for_streak_reminder(session, window)] == [at_risk.id]


async def test_a_claimed_push_is_not_due_again_the_same_local_day(session: AsyncSession) -> None:
    learner = await make_user(session, 1, zone="Europe/Berlin", lesson_minute=9 * 60)
    window = slot("Europe/Berlin", NINE_IN_BERLIN, DAILY_LESSON_GRACE)
    claim = {
        "user_id": learner.id,
        "kind": DeliveryKind.DAILY_LESSON,
        "dedup_key": window.dedup_key,
        "status": DeliveryStatus.PENDING,
        "attempts": 0,
        "claimed_at": NINE_IN_BERLIN,
    }
    for _ in range(2):  # a second claim of the same key is ignored, not an error
        await session.execute(insert_ignore(session, Delivery, [claim], key="dedup_key"))
    assert await session.scalar(select(func.count()).select_from(Delivery)) == 1
    assert await due_for_daily_lesson(session, window) == []


def test_the_learners_locale_is_their_choice_then_telegrams_then_the_default() -> None:
    available = ("en", "ru")
    assert learner_locale(("ru", "en-GB"), available, "en") == "ru"
    assert learner_locale((None, "ru-RU"), available, "en") == "ru"
    assert learner_locale(("de", "fr"), available, "en") == "en"


@pytest.mark.parametrize(
    ("usual", "lesson", "expected"),
    [
        (None, 9 * 60, 20 * 60),  # no habit yet: 20:00
        (7, 9 * 60, 11 * 60),  # 2 hours after the lesson push at least
        (21, 9 * 60, 21 * 60),
        (23, 9 * 60, 22 * 60),  # never after 22:00
        (None, 19 * 60 + 30, 21 * 60 + 30),
        (None, 21 * 60, None),  # no room between the lesson push and 22:00
    ],
)
def test_the_streak_reminder_minute(usual: int | None, lesson: int, expected: int | None) -> None:
    assert streak_reminder_minute(usual, lesson) == expected
