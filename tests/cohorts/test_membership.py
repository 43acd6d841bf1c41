"""The cohort rules against a real database: who reviews a learner's work, a cohort's
audience, and a learner's cohorts in the export and the erasure."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.cohorts.membership import (
    JoinRefusal,
    add_mentor,
    create_cohort,
    join,
    leave,
    remove_mentor,
    reviewers_of,
)
from bot.rules.privacy.erasure import erase_learner
from bot.rules.privacy.export import learner_export
from bot.rules.reach.broadcasts import Audience, BroadcastInvalid, count_audience
from db.enums import UserRole
from db.models import Cohort, CohortMember, CohortRoleRow, User
from tests.support.factories import make_user

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ADMIN_ID = 9001


async def school(session: AsyncSession) -> tuple[User, User, User, Cohort]:
    """An admin by ADMIN_IDS, a mentor and a learner in one cohort."""
    admin = await make_user(session, ADMIN_ID, first_name="Ann")
    mentor = await make_user(session, 602, first_name="Marta")
    learner = await make_user(session, 601, first_name="Bea")
    cohort = await create_cohort(session, admin, "Spring class", NOW)
    await add_mentor(session, admin, cohort.id, mentor.id, NOW)
    await join(session, learner, cohort.id, NOW)
    return admin, mentor, learner, cohort


async def test_reviewers_are_the_learners_mentors(session: AsyncSession) -> None:
    _admin, mentor, learner, _cohort = await school(session)
    assert await reviewers_of(session, learner.id, {ADMIN_ID}) == [mentor]


async def test_reviewers_are_the_admins_when_the_learner_has_no_mentor(
    session: AsyncSession,
) -> None:
    admin, mentor, learner, cohort = await school(session)
    promoted = await make_user(session, 610, first_name="Pat", role=UserRole.ADMIN)
    await remove_mentor(session, admin, cohort.id, mentor.id, NOW)
    assert await reviewers_of(session, learner.id, {ADMIN_ID}) == [admin, promoted]


async def test_a_learner_who_left_has_the_admins_as_reviewers(session: AsyncSession) -> None:
    admin, _mentor, learner, cohort = await school(session)
    assert await leave(session, learner, cohort.id, NOW)
    assert await reviewers_of(session, learner.id, {ADMIN_ID}) == [admin]


async def test_a_mentor_is_never_their_own_reviewer(session: AsyncSession) -> None:
    admin, mentor, _learner, cohort = await school(session)
    await join(session, mentor, cohort.id, NOW)
    assert await reviewers_of(session, mentor.id, {ADMIN_ID}) == [admin]


async def test_joining_a_closed_cohort_is_refused_and_leaving_twice_is_false(
    session: AsyncSession,
) -> None:
    _admin, _mentor, learner, cohort = await school(session)
    other = await make_user(session, 620, first_name="Cy")
    cohort.joining_open = False
    assert await join(session, other, cohort.id, NOW) is JoinRefusal.CLOSED
    assert await leave(session, learner, cohort.id, NOW)
    assert not await leave(session, learner, cohort.id, NOW)
    assert await join(session, learner, cohort.id, NOW) is JoinRefusal.CLOSED


async def test_a_cohorts_audience_is_its_current_members(session: AsyncSession) -> None:
    _admin, _mentor, learner, cohort = await school(session)
    await make_user(session, 630, first_name="Outsider")
    assert await count_audience(session, {"cohort_id": cohort.id}, NOW) == 1
    await leave(session, learner, cohort.id, NOW)
    assert await count_audience(session, {"cohort_id": cohort.id}, NOW) == 0
    with pytest.raises(BroadcastInvalid):
        Audience.parse({"cohort_id": "1"})


async def test_the_export_lists_the_learners_cohorts_and_roles(session: AsyncSession) -> None:
    _admin, mentor, learner, cohort = await school(session)
    await join(session, mentor, cohort.id, NOW)
    document = await learner_export(session, mentor, NOW)
    assert document["cohorts"]["member_of"] == [
        {"cohort": "Spring class", "joined_at": NOW.isoformat(), "left_at": None}
    ]
    assert document["cohorts"]["roles"] == [
        {"cohort": "Spring class", "role": "MENTOR", "since": NOW.isoformat()}
    ]
    assert "cohort_members" not in document["other"]
    assert (await learner_export(session, learner, NOW))["cohorts"]["roles"] == []


async def test_erasure_removes_memberships_and_mentorships_and_keeps_the_cohort(
    session: AsyncSession,
) -> None:
    _admin, mentor, learner, cohort = await school(session)
    await join(session, mentor, cohort.id, NOW)
    await erase_learner(session, mentor)
    await erase_learner(session, learner)
    assert await session.scalar(select(func.count()).select_from(CohortMember)) == 0
    assert await session.scalar(select(func.count()).select_from(CohortRoleRow)) == 0
    assert await session.scalar(select(func.count()).select_from(Cohort)) == 1


def test_every_button_prefix_names_one_kind_of_button() -> None:
    """The cohorts' buttons once shared "co" with the courses' (a Leave opened the catalogue)."""
    from aiogram.filters.callback_data import CallbackData

    from bot.telegram import callbacks

    prefixes = [
        kind.__prefix__
        for kind in vars(callbacks).values()
        if isinstance(kind, type) and issubclass(kind, CallbackData) and kind is not CallbackData
    ]
    assert len(prefixes) == len(set(prefixes)), sorted(prefixes)
