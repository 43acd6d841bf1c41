"""Who is asking, and what they may see.

- a learner sees their own courses, calendar, mastery, certificates and boards;
- a mentor sees, besides, the cohorts they mentor and those cohorts' current members
  (never another cohort's, never a member who left);
- an admin (ADMIN_IDS, or promoted with the ADMIN role) sees everything: the whole
  school's charts and every cohort.

Each check is one statement; a refusal is a value, which the web app turns into 403.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import CohortRole, UserRole
from db.models import Cohort, CohortMember, CohortRoleRow, User


class Refusal(Enum):
    UNKNOWN_LEARNER = "unknown_learner"  # the Telegram user never started the bot
    NOT_YOURS = "not_yours"  # a cohort or member the viewer may not see


@dataclass(frozen=True)
class Viewer:
    user: User
    is_admin: bool


async def viewer_for(
    session: AsyncSession, telegram_id: int, admin_ids: Collection[int]
) -> Viewer | Refusal:
    """The learner behind a checked initData (one statement)."""
    user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
    if user is None:
        return Refusal.UNKNOWN_LEARNER
    return Viewer(user, user.role is UserRole.ADMIN or telegram_id in admin_ids)


async def visible_cohort(session: AsyncSession, viewer: Viewer, cohort_id: int) -> Cohort | Refusal:
    """The cohort when the viewer mentors it (or is an admin); one statement."""
    query = select(Cohort).where(Cohort.id == cohort_id)
    if not viewer.is_admin:
        query = query.join(CohortRoleRow, CohortRoleRow.cohort_id == Cohort.id).where(
            CohortRoleRow.user_id == viewer.user.id, CohortRoleRow.role == CohortRole.MENTOR
        )
    cohort = await session.scalar(query)
    return cohort if cohort is not None else Refusal.NOT_YOURS


async def visible_member(
    session: AsyncSession, viewer: Viewer, cohort_id: int, user_id: int
) -> User | Refusal:
    """A current member of a cohort the viewer mentors (or any cohort, for an admin);
    one statement."""
    query = (
        select(User)
        .join(CohortMember, CohortMember.user_id == User.id)
        .where(
            CohortMember.cohort_id == cohort_id,
            CohortMember.user_id == user_id,
            CohortMember.left_at.is_(None),
        )
    )
    if not viewer.is_admin:
        query = query.join(
            CohortRoleRow,
            (CohortRoleRow.cohort_id == CohortMember.cohort_id)
            & (CohortRoleRow.user_id == viewer.user.id)
            & (CohortRoleRow.role == CohortRole.MENTOR),
        )
    member = await session.scalar(query)
    return member if member is not None else Refusal.NOT_YOURS
