"""Broadcasts: who the audience is, and a broadcast's life (draft → sending → done/cancelled).

A broadcast is Telegram-HTML text (or a photo with that text as its caption), kept as the
admin wrote it. Its audience is the active, onboarded learners who have not blocked the bot,
optionally narrowed by language, by inactivity or to one cohort's members (a mentor's
broadcast). The scheduler's `broadcasts` job does the delivery (scheduler/broadcasts.py):
one ledger row per learner, so nobody gets two copies.

Status changes are conditional updates (``WHERE status = …``), so a double tap, a stale
button or a race with the job changes nothing twice. Every admin step is audited.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules import audit
from bot.rules.formats.telegram_html import TELEGRAM_TEXT_LIMIT, validate_telegram_html
from bot.rules.reach.audience import may_receive_pushes
from db.enums import BroadcastStatus, DeliveryStatus
from db.models import Broadcast, CohortMember, Delivery, User

CAPTION_LIMIT = 1024  # Telegram's limit for a photo caption (visible characters)
MAX_INACTIVE_DAYS = 3650
_LANGUAGE_RE = re.compile(r"[a-z]{2,3}")


class BroadcastInvalid(ValueError):
    """The message or the audience cannot be broadcast; `problems` says why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


# --------------------------------------------------------------------------- audience


@dataclass(frozen=True)
class Audience:
    """Who gets a broadcast, as stored in `broadcasts.audience` (JSON).

    ``language``: the learner's chosen language, else their Telegram language (a prefix
    match: "ru" takes "ru" and "ru-RU"). ``inactive_days``: not seen for that many days
    (or never seen).
    """

    language: str | None = None
    inactive_days: int | None = None
    cohort_id: int | None = None  # the cohort's current members only (a mentor's broadcast)

    @classmethod
    def parse(cls, raw: Mapping[str, Any] | None) -> Audience:
        raw = raw or {}
        problems = [
            f"unknown audience filter {key!r}"
            for key in raw
            if key not in {"language", "inactive_days", "cohort_id"}
        ]
        language = raw.get("language")
        if language is not None and not (
            isinstance(language, str) and _LANGUAGE_RE.fullmatch(language)
        ):
            problems.append(f"language must be a two- or three-letter code, not {language!r}")
        days = raw.get("inactive_days")
        if days is not None and not (
            isinstance(days, int) and not isinstance(days, bool) and 1 <= days <= MAX_INACTIVE_DAYS
        ):
            problems.append(f"inactive_days must be 1 to {MAX_INACTIVE_DAYS}, not {days!r}")
        cohort = raw.get("cohort_id")
        if cohort is not None and not (isinstance(cohort, int) and not isinstance(cohort, bool)):
            problems.append(f"cohort_id must be a cohort's id, not {cohort!r}")
        if problems:
            raise BroadcastInvalid(problems)
        return cls(language=language, inactive_days=days, cohort_id=cohort)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.language is not None:
            data["language"] = self.language
        if self.inactive_days is not None:
            data["inactive_days"] = self.inactive_days
        if self.cohort_id is not None:
            data["cohort_id"] = self.cohort_id
        return data

    def conditions(self, now: datetime) -> list[ColumnElement[bool]]:
        """The WHERE clause over `users` (used to count and to claim, set-based)."""
        conditions = may_receive_pushes()
        if self.language is not None:
            spoken = func.lower(func.coalesce(User.language, User.language_code))
            conditions.append(or_(spoken == self.language, spoken.like(f"{self.language}-%")))
        if self.inactive_days is not None:
            since = now - timedelta(days=self.inactive_days)
            conditions.append(or_(User.last_seen_at.is_(None), User.last_seen_at < since))
        if self.cohort_id is not None:
            member = exists().where(
                CohortMember.user_id == User.id,
                CohortMember.cohort_id == self.cohort_id,
                CohortMember.left_at.is_(None),
            )
            conditions.append(member)
        return conditions


async def count_audience(
    session: AsyncSession, audience: Mapping[str, Any] | Audience, now: datetime
) -> int:
    """How many learners a broadcast to `audience` would reach right now."""
    parsed = audience if isinstance(audience, Audience) else Audience.parse(audience)
    count = await session.scalar(
        select(func.count()).select_from(User).where(*parsed.conditions(now))
    )
    return int(count or 0)


# --------------------------------------------------------------------------- life cycle


def message_problems(text: str, photo_file_id: str | None) -> list[str]:
    """Why `text` cannot go out as a message (or as the caption of a photo); [] if it can."""
    if photo_file_id is not None:
        if not text.strip():
            return []  # a photo alone is fine
        return validate_telegram_html(text, max_length=CAPTION_LIMIT)
    return validate_telegram_html(text, max_length=TELEGRAM_TEXT_LIMIT)


async def create(
    session: AsyncSession,
    admin: User,
    text: str,
    photo_file_id: str | None,
    audience: Mapping[str, Any],
    now: datetime,
) -> Broadcast:
    """A DRAFT broadcast; raises BroadcastInvalid when the HTML or the audience is wrong."""
    problems = message_problems(text, photo_file_id)
    if problems:
        raise BroadcastInvalid(problems)
    broadcast = Broadcast(
        created_by=admin.id,
        text=text,
        photo_file_id=photo_file_id,
        audience=Audience.parse(audience).as_json(),
        status=BroadcastStatus.DRAFT,
        created_at=now,
    )
    session.add(broadcast)
    await session.flush()
    await audit.record(
        session,
        admin,
        "broadcast.created",
        now,
        entity_type="broadcast",
        entity_id=broadcast.id,
        photo=photo_file_id is not None,
    )
    return broadcast


async def choose_audience(
    session: AsyncSession, broadcast_id: int, audience: Mapping[str, Any]
) -> Broadcast | None:
    """Set a draft's audience; None when the broadcast is no longer a draft."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None or broadcast.status is not BroadcastStatus.DRAFT:
        return None
    broadcast.audience = Audience.parse(audience).as_json()
    await session.flush()
    return broadcast


async def start(
    session: AsyncSession,
    broadcast_id: int,
    progress_chat_id: int,
    progress_message_id: int,
    now: datetime,
    *,
    admin: User | None = None,
) -> Broadcast | None:
    """DRAFT → SENDING, with the audience counted now; None if it was not a draft.

    The scheduler's job delivers it from then on and keeps the progress message
    (`progress_chat_id`, `progress_message_id`) up to date.
    """
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None:
        return None
    total = await count_audience(session, broadcast.audience, now)
    changed = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status == BroadcastStatus.DRAFT)
        .values(
            status=BroadcastStatus.SENDING,
            total=total,
            started_at=now,
            progress_chat_id=progress_chat_id,
            progress_message_id=progress_message_id,
        )
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    await session.refresh(broadcast)
    await _audit(
        session, broadcast, admin, "broadcast.sent", now, audience=broadcast.audience, total=total
    )
    return broadcast


async def _end(
    session: AsyncSession,
    broadcast_id: int,
    current: tuple[BroadcastStatus, ...],
    final: BroadcastStatus,
    now: datetime,
) -> Broadcast | None:
    """Move the broadcast from one of the `current` states to `final`, in one conditional
    UPDATE; None when it was in none of them (another process moved it first)."""
    changed = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status.in_(current))
        .values(status=final, finished_at=now)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return await session.get(Broadcast, broadcast_id, populate_existing=True)


async def cancel(
    session: AsyncSession, broadcast_id: int, now: datetime, *, admin: User | None = None
) -> Broadcast | None:
    """A draft or a broadcast being sent → CANCELLED; None if it had already ended.

    Messages already sent stay sent; the job stops at its next check.
    """
    ended = (BroadcastStatus.DRAFT, BroadcastStatus.SENDING)
    broadcast = await _end(session, broadcast_id, ended, BroadcastStatus.CANCELLED, now)
    if broadcast is None:
        return None
    counts = await tally(session, broadcast)
    await _audit(
        session, broadcast, admin, "broadcast.cancelled", now, sent=counts.sent, left=counts.left
    )
    return broadcast


async def finish(session: AsyncSession, broadcast_id: int, now: datetime) -> Broadcast | None:
    """SENDING → DONE once nothing is left; None if it was cancelled (or done) meanwhile."""
    sending = (BroadcastStatus.SENDING,)
    broadcast = await _end(session, broadcast_id, sending, BroadcastStatus.DONE, now)
    if broadcast is None:
        return None
    outcome = {"sent": broadcast.sent, "blocked": broadcast.blocked, "failed": broadcast.failed}
    await _audit(
        session, broadcast, None, "broadcast.finished", now, total=broadcast.total, **outcome
    )
    return broadcast


async def _audit(
    session: AsyncSession,
    broadcast: Broadcast,
    admin: User | None,
    action: str,
    now: datetime,
    **details: Any,
) -> None:
    """Audit as `admin`, or as the broadcast's author when the job acts (if they still exist)."""
    if admin is None and broadcast.created_by is not None:
        admin = await session.get(User, broadcast.created_by)
    if admin is not None:
        await audit.record(
            session, admin, action, now, entity_type="broadcast", entity_id=broadcast.id, **details
        )


# --------------------------------------------------------------------------- progress


@dataclass(frozen=True)
class Tally:
    """Where a broadcast stands, from the delivery ledger."""

    total: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0

    @property
    def done(self) -> int:
        return self.sent + self.blocked + self.failed

    @property
    def left(self) -> int:
        return max(0, self.total - self.done)


async def tally(session: AsyncSession, broadcast: Broadcast) -> Tally:
    """Outcomes per status (one GROUP BY); before any row is claimed, the counted total."""
    rows = await session.execute(
        select(Delivery.status, func.count())
        .where(Delivery.broadcast_id == broadcast.id)
        .group_by(Delivery.status)
    )
    counts: dict[DeliveryStatus, int] = {status: int(count) for status, count in rows.all()}
    claimed = sum(counts.values())
    return Tally(
        total=claimed if claimed else broadcast.total,
        sent=counts.get(DeliveryStatus.SENT, 0),
        blocked=counts.get(DeliveryStatus.BLOCKED, 0),
        failed=counts.get(DeliveryStatus.FAILED, 0),
    )


async def store_tally(session: AsyncSession, broadcast_id: int, counts: Tally) -> None:
    """Copy the ledger's counts onto the broadcast row (what /admin screens read)."""
    await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id)
        .values(total=counts.total, sent=counts.sent, blocked=counts.blocked, failed=counts.failed)
        .execution_options(synchronize_session=False)
    )
