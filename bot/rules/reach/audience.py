"""Who may receive a push: the one rule every push (a broadcast, a reminder, a league
result) selects its learners with.

A learner may receive a push when they are active, have not blocked the bot and finished
onboarding. Daily lessons and streak reminders also need reminders switched on.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import User


def may_receive_pushes() -> list[ColumnElement[bool]]:
    """WHERE conditions over `users`: active, not blocked, onboarded."""
    return [
        User.is_active.is_(True),
        User.blocked_at.is_(None),
        User.onboarded_at.is_not(None),
    ]


def wants_reminders() -> list[ColumnElement[bool]]:
    """WHERE conditions over `users` for daily lessons and streak reminders."""
    return [*may_receive_pushes(), User.reminders_enabled.is_(True)]


def still_wants(user: User) -> bool:
    """The same rule for a learner already loaded (a claimed push is re-checked before sending)."""
    return (
        user.is_active
        and user.blocked_at is None
        and user.onboarded_at is not None
        and user.reminders_enabled
    )


async def reminder_zones(session: AsyncSession) -> Sequence[str]:
    """The time zones of learners who want reminders: one slot each per job run."""
    return (
        await session.scalars(select(User.time_zone).where(*wants_reminders()).distinct())
    ).all()
