"""The audit trail: every admin action is an `activity_log` row (who, what, when)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.learners import log_activity
from db.enums import ActivityType
from db.models import ActivityLog, User


async def record(
    session: AsyncSession,
    admin: User,
    action: str,
    now: datetime,
    *,
    entity_type: str | None = None,
    entity_id: int | None = None,
    activity: ActivityType = ActivityType.ADMIN_ACTION,
    **details: Any,
) -> None:
    """Write one admin action (or, with `activity`, a learner's or a mentor's action in a
    cohort); `action` is a short verb such as "broadcast.sent"."""
    entity = (entity_type, entity_id) if entity_type and entity_id is not None else None
    text = json.dumps({"action": action, **details}, ensure_ascii=False, default=str)
    await log_activity(session, admin.id, activity, now, entity, text)


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    admin_name: str | None
    admin_telegram_id: int
    action: str
    details: dict[str, Any]


async def latest(session: AsyncSession, limit: int = 20) -> list[AuditEntry]:
    rows = await session.execute(
        select(ActivityLog.created_at, User.first_name, User.telegram_id, ActivityLog.details)
        .join(User, User.id == ActivityLog.user_id)
        .where(ActivityLog.activity_type == ActivityType.ADMIN_ACTION)
        .order_by(ActivityLog.created_at.desc(), ActivityLog.id.desc())
        .limit(limit)
    )
    entries = []
    for at, name, telegram_id, raw in rows:
        details = json.loads(raw or "{}")
        action = str(details.pop("action", "?"))
        entries.append(AuditEntry(at, name, telegram_id, action, details))
    return entries
