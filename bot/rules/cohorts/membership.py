"""Cohorts and who is in them: invite codes, joining, leaving, mentors, access.

The rules:
- A cohort has a name (1–100 characters) and an invite code; `t.me/<bot>?start=join-<code>`
  joins it. Rotating the code makes every old link unknown; a closed cohort refuses joins
  (its members stay).
- A learner may be in several cohorts. Joining twice changes nothing; a learner who left
  and joins again is a member again from that moment (the row is reused, `left_at` cleared).
- A mentor holds the MENTOR role in one cohort (`cohort_roles`), given and taken by admins.
  Every mentor view and action goes through `mentored_cohort`, which reads the role from
  the database on each update: a removed mentor's old buttons are refused.
- Every step is an activity-log row: an admin's as an admin action (it shows in /audit),
  a learner's or a mentor's as a cohort action.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules import audit
from db.enums import ActivityType, CohortRole, UserRole
from db.models import Cohort, CohortMember, CohortRoleRow, User
from db.models.cohorts import CODE_LENGTH
from db.upsert import insert_ignore

NAME_LIMIT = 100  # characters (cohorts.name)
JOIN_PREFIX = "join-"  # the deep link's start parameter: join-<code>
CODE_ALPHABET = string.ascii_letters + string.digits


class CohortNameInvalid(ValueError):
    """A cohort name that is empty or longer than NAME_LIMIT."""


def new_code() -> str:
    """A fresh invite code: 10 letters and digits (about 59 bits: not guessable)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def clean_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name or len(name) > NAME_LIMIT:
        raise CohortNameInvalid(name)
    return name


async def record(
    session: AsyncSession,
    actor: User,
    action: str,
    cohort_id: int,
    now: datetime,
    *,
    admin: bool = False,
    **details: Any,
) -> None:
    """The activity-log row of a cohort step (an admin action when `admin`)."""
    activity = ActivityType.ADMIN_ACTION if admin else ActivityType.COHORT_ACTION
    await audit.record(
        session,
        actor,
        action,
        now,
        entity_type="cohort",
        entity_id=cohort_id,
        activity=activity,
        **details,
    )


# --------------------------------------------------------------------------- admins


PAGE = 20  # cohorts per page of /cohorts


@dataclass(frozen=True)
class CohortSummary:
    id: int
    name: str
    members: int
    joining_open: bool


@dataclass(frozen=True)
class CohortPage:
    cohorts: list[CohortSummary]
    page: int
    total: int  # cohorts in all

    @property
    def has_next(self) -> bool:
        return (self.page + 1) * PAGE < self.total


async def cohorts_with_counts(session: AsyncSession, page: int = 0) -> CohortPage:
    """A page of cohorts, newest first, with their current member counts: the page's
    cohorts are picked first (on the primary key), then only their members counted."""
    total = int(await session.scalar(select(func.count()).select_from(Cohort)) or 0)
    page = max(0, min(page, (total - 1) // PAGE)) if total else 0
    shown = (
        select(Cohort.id, Cohort.name, Cohort.joining_open)
        .order_by(Cohort.id.desc())
        .offset(page * PAGE)
        .limit(PAGE)
        .subquery()
    )
    members = func.count(CohortMember.id)
    rows = await session.execute(
        select(shown.c.id, shown.c.name, members, shown.c.joining_open)
        .outerjoin(
            CohortMember,
            and_(CohortMember.cohort_id == shown.c.id, CohortMember.left_at.is_(None)),
        )
        .group_by(shown.c.id, shown.c.name, shown.c.joining_open)
        .order_by(shown.c.id.desc())
    )
    cohorts = [CohortSummary(id_, name, int(n), bool(open_)) for id_, name, n, open_ in rows]
    return CohortPage(cohorts, page, total)


async def create_cohort(session: AsyncSession, admin: User, raw_name: str, now: datetime) -> Cohort:
    """A new cohort, joining open; raises CohortNameInvalid for an empty or long name."""
    cohort = Cohort(name=clean_name(raw_name), code=new_code(), created_by=admin.id, created_at=now)
    session.add(cohort)
    await session.flush()
    await record(session, admin, "cohort.created", cohort.id, now, admin=True, name=cohort.name)
    return cohort


async def rotate_code(
    session: AsyncSession, admin: User, cohort_id: int, now: datetime
) -> Cohort | None:
    """A new invite code: links with the old one stop working. None: no such cohort."""
    cohort = await session.get(Cohort, cohort_id)
    if cohort is None:
        return None
    cohort.code = new_code()
    await session.flush()
    await record(session, admin, "cohort.code_rotated", cohort_id, now, admin=True)
    return cohort


async def set_joining(
    session: AsyncSession, admin: User, cohort_id: int, is_open: bool, now: datetime
) -> Cohort | None:
    cohort = await session.get(Cohort, cohort_id)
    if cohort is None:
        return None
    if cohort.joining_open != is_open:
        cohort.joining_open = is_open
        await session.flush()
        action = "cohort.opened" if is_open else "cohort.closed"
        await record(session, admin, action, cohort_id, now, admin=True)
    return cohort


async def set_course(
    session: AsyncSession, admin: User, cohort_id: int, course_id: int | None, now: datetime
) -> Cohort | None:
    """The course the cohort's members start when they join (None: no course)."""
    cohort = await session.get(Cohort, cohort_id)
    if cohort is None:
        return None
    cohort.course_id = course_id
    await session.flush()
    await record(session, admin, "cohort.course_set", cohort_id, now, admin=True, course=course_id)
    return cohort


@dataclass(frozen=True)
class Person:
    user_id: int
    first_name: str | None


async def mentors_of_cohort(session: AsyncSession, cohort_id: int) -> list[Person]:
    rows = await session.execute(
        select(User.id, User.first_name)
        .join(CohortRoleRow, CohortRoleRow.user_id == User.id)
        .where(CohortRoleRow.cohort_id == cohort_id, CohortRoleRow.role == CohortRole.MENTOR)
        .order_by(User.first_name, User.id)
    )
    return [Person(user_id, name) for user_id, name in rows]


async def add_mentor(
    session: AsyncSession, admin: User, cohort_id: int, user_id: int, now: datetime
) -> bool:
    """Make the learner a mentor of the cohort; False when either does not exist."""
    if await session.get(Cohort, cohort_id) is None or await session.get(User, user_id) is None:
        return False
    row = {"cohort_id": cohort_id, "user_id": user_id, "role": CohortRole.MENTOR, "added_at": now}
    await session.execute(insert_ignore(session, CohortRoleRow, [row], key="role"))
    await record(session, admin, "cohort.mentor_added", cohort_id, now, admin=True, user=user_id)
    return True


async def remove_mentor(
    session: AsyncSession, admin: User, cohort_id: int, user_id: int, now: datetime
) -> bool:
    """Take the MENTOR role away; False when they were not a mentor of that cohort."""
    removed = await session.execute(
        delete(CohortRoleRow).where(
            CohortRoleRow.cohort_id == cohort_id, CohortRoleRow.user_id == user_id
        )
    )
    if not removed.rowcount:  # type: ignore[attr-defined]
        return False
    await record(session, admin, "cohort.mentor_removed", cohort_id, now, admin=True, user=user_id)
    return True


# --------------------------------------------------------------------------- learners


class JoinRefusal(Enum):
    UNKNOWN = "unknown"  # no cohort has this code (a typo, or a rotated code)
    CLOSED = "closed"  # joining is closed
    ALREADY = "already"  # already a member


@dataclass(frozen=True)
class Invite:
    cohort_id: int
    name: str
    course_id: int | None = None  # the course joining starts


async def invite_for(session: AsyncSession, learner: User, code: str) -> Invite | JoinRefusal:
    """What the learner's `join-<code>` link offers, or why it offers nothing."""
    cohort = await session.scalar(select(Cohort).where(Cohort.code == code.strip()))
    if cohort is None:
        return JoinRefusal.UNKNOWN
    if await _is_member(session, learner.id, cohort.id):
        return JoinRefusal.ALREADY
    if not cohort.joining_open:
        return JoinRefusal.CLOSED
    return Invite(cohort.id, cohort.name, cohort.course_id)


async def join(
    session: AsyncSession, learner: User, cohort_id: int, now: datetime
) -> Invite | JoinRefusal:
    """Join (the Join button): checked again, since the code may have changed meanwhile."""
    cohort = await session.get(Cohort, cohort_id)
    if cohort is None:
        return JoinRefusal.UNKNOWN
    row = await session.scalar(
        select(CohortMember).where(
            CohortMember.cohort_id == cohort_id, CohortMember.user_id == learner.id
        )
    )
    if row is not None and row.left_at is None:
        return JoinRefusal.ALREADY
    if not cohort.joining_open:
        return JoinRefusal.CLOSED
    if row is None:
        session.add(CohortMember(cohort_id=cohort_id, user_id=learner.id, joined_at=now))
    else:
        row.joined_at, row.left_at = now, None
    await session.flush()
    await record(session, learner, "cohort.joined", cohort_id, now)
    return Invite(cohort.id, cohort.name, cohort.course_id)


async def leave(session: AsyncSession, learner: User, cohort_id: int, now: datetime) -> bool:
    """Leave the cohort; False when the learner is not in it (nothing changes)."""
    left = await session.execute(
        update(CohortMember)
        .where(
            CohortMember.cohort_id == cohort_id,
            CohortMember.user_id == learner.id,
            CohortMember.left_at.is_(None),
        )
        .values(left_at=now)
        .execution_options(synchronize_session=False)
    )
    if not left.rowcount:  # type: ignore[attr-defined]
        return False
    await record(session, learner, "cohort.left", cohort_id, now)
    return True


async def _is_member(session: AsyncSession, user_id: int, cohort_id: int) -> bool:
    found = await session.scalar(
        select(CohortMember.id).where(
            CohortMember.cohort_id == cohort_id,
            CohortMember.user_id == user_id,
            CohortMember.left_at.is_(None),
        )
    )
    return found is not None


@dataclass(frozen=True)
class MyCohort:
    id: int
    name: str
    mentors: list[str | None]  # first names, raw


async def learner_cohorts(session: AsyncSession, learner: User) -> list[MyCohort]:
    """The learner's cohorts with their mentors' first names (one statement)."""
    mentor = User.__table__.alias("mentor")
    rows = await session.execute(
        select(Cohort.id, Cohort.name, mentor.c.first_name)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .outerjoin(
            CohortRoleRow,
            and_(CohortRoleRow.cohort_id == Cohort.id, CohortRoleRow.role == CohortRole.MENTOR),
        )
        .outerjoin(mentor, mentor.c.id == CohortRoleRow.user_id)
        .where(CohortMember.user_id == learner.id, CohortMember.left_at.is_(None))
        .order_by(Cohort.name, Cohort.id, mentor.c.first_name)
    )
    found: dict[int, MyCohort] = {}
    for cohort_id, name, mentor_name in rows:
        entry = found.setdefault(cohort_id, MyCohort(cohort_id, name, []))
        if mentor_name is not None:
            entry.mentors.append(mentor_name)
    return list(found.values())


async def member_cohort_ids(session: AsyncSession, user_id: int) -> list[int]:
    return [cohort_id for cohort_id, _name in await member_cohorts(session, user_id)]


async def member_cohorts(session: AsyncSession, user_id: int) -> list[tuple[int, str]]:
    """(id, name) of the learner's current cohorts, by name: the board's tabs."""
    rows = await session.execute(
        select(Cohort.id, Cohort.name)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .where(CohortMember.user_id == user_id, CohortMember.left_at.is_(None))
        .order_by(Cohort.name, Cohort.id)
    )
    return [(int(cohort_id), name) for cohort_id, name in rows]


# --------------------------------------------------------------------------- mentors


@dataclass(frozen=True)
class Mentored:
    id: int
    name: str


async def mentored_cohorts(session: AsyncSession, learner: User) -> list[Mentored]:
    rows = await session.execute(
        select(Cohort.id, Cohort.name)
        .join(CohortRoleRow, CohortRoleRow.cohort_id == Cohort.id)
        .where(CohortRoleRow.user_id == learner.id, CohortRoleRow.role == CohortRole.MENTOR)
        .order_by(Cohort.name, Cohort.id)
    )
    return [Mentored(id_, name) for id_, name in rows]


async def mentored_cohort(session: AsyncSession, learner: User, cohort_id: int) -> Cohort | None:
    """The cohort when the learner mentors it right now; None otherwise (refuse, change
    nothing). Every mentor view and action asks this first."""
    return await session.scalar(
        select(Cohort)
        .join(CohortRoleRow, CohortRoleRow.cohort_id == Cohort.id)
        .where(
            Cohort.id == cohort_id,
            CohortRoleRow.user_id == learner.id,
            CohortRoleRow.role == CohortRole.MENTOR,
        )
    )


async def reviewers_of(
    session: AsyncSession, learner_id: int, admin_ids: Collection[int]
) -> list[User]:
    """Who reviews the learner's work: the mentors of every cohort they are in now, or,
    when they have none, the admins (ADMIN_IDS and the promoted). Never the learner
    themselves: a mentor's own work goes to the other mentors, or to the admins."""
    mentors = list(
        await session.scalars(
            select(User)
            .join(CohortRoleRow, CohortRoleRow.user_id == User.id)
            .join(
                CohortMember,
                and_(
                    CohortMember.cohort_id == CohortRoleRow.cohort_id,
                    CohortMember.left_at.is_(None),
                ),
            )
            .where(
                CohortMember.user_id == learner_id,
                CohortRoleRow.role == CohortRole.MENTOR,
                User.id != learner_id,
            )
            .distinct()
            .order_by(User.id)
        )
    )
    if mentors:
        return mentors
    admin_filter = or_(User.role == UserRole.ADMIN, User.telegram_id.in_(list(admin_ids)))
    return list(
        await session.scalars(
            select(User).where(admin_filter, User.id != learner_id).order_by(User.id)
        )
    )
