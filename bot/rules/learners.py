"""Learners: registration from a Telegram user, refresh, settings and activity."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.pending import Entity, activity_row
from db.enums import ActivityType, UserRole
from db.models import ActivityLog, User, UserStats
from db.queries.learners import learner_by_telegram_id
from db.upsert import insert_all

# A learner counts as seen again (and gets a LOGIN row) after this much silence;
# below it, `last_seen_at` is not rewritten, so ordinary updates cost no UPDATE.
SEEN_RESOLUTION = timedelta(minutes=30)
MAX_NAME = 100


@dataclass(frozen=True)
class TelegramProfile:
    """What Telegram tells us about a user, without aiogram types."""

    telegram_id: int
    username: str | None
    first_name: str | None
    last_name: str | None
    language_code: str | None


def is_admin(user: User, admin_ids: Collection[int]) -> bool:
    """An admin: a Telegram id in ADMIN_IDS, or a learner promoted to the ADMIN role."""
    return user.role is UserRole.ADMIN or user.telegram_id in admin_ids


async def get_learner(session: AsyncSession, telegram_id: int) -> User | None:
    return await learner_by_telegram_id(session, telegram_id)


async def register_or_refresh(
    session: AsyncSession, profile: TelegramProfile, now: datetime
) -> tuple[User, bool]:
    """Find the learner by Telegram id (creating them if new) and refresh their profile.

    Returns the learner and whether they are new. A learner seen again after
    `SEEN_RESOLUTION` gets a LOGIN activity row.
    """
    user = await get_learner(session, profile.telegram_id)
    is_new = user is None
    if user is None:
        user = User(telegram_id=profile.telegram_id, created_at=now, updated_at=now)
        session.add(user)
        user.stats = UserStats(updated_at=now)
    _copy_profile(user, profile, now)
    if user.last_seen_at is None or now - user.last_seen_at >= SEEN_RESOLUTION:
        user.last_seen_at = now
        if not user.is_active:
            user.is_active = True
        await session.flush()
        await log_activity(session, user.id, ActivityType.LOGIN, now)
    return user, is_new


def _copy_profile(user: User, profile: TelegramProfile, now: datetime) -> None:
    fields = {
        "username": _clip(profile.username),
        "first_name": _clip(profile.first_name),
        "last_name": _clip(profile.last_name),
        "language_code": (profile.language_code or None) and profile.language_code[:10],
    }
    changed = False
    for name, value in fields.items():
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed = True
    if changed:
        user.updated_at = now


def _clip(value: str | None) -> str | None:
    return value[:MAX_NAME] if value else None


async def log_activity(
    session: AsyncSession,
    user_id: int,
    kind: ActivityType,
    now: datetime,
    entity: Entity | None = None,
    details: str | None = None,
) -> None:
    """Write one row of the activity log now (rows of a larger operation: `Pending`)."""
    await session.execute(
        insert_all(ActivityLog), activity_row(user_id, kind, now, entity, details)
    )


def zone_of(user: User) -> ZoneInfo:
    """The learner's IANA zone; an unknown name falls back to UTC."""
    try:
        return ZoneInfo(user.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_date(user: User, at: datetime) -> date:
    return at.astimezone(zone_of(user)).date()


def is_valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def set_time_zone(user: User, zone: str, now: datetime) -> None:
    if not is_valid_zone(zone):
        raise ValueError(f"unknown time zone {zone!r}")
    user.time_zone = zone
    user.updated_at = now


def set_lesson_time(user: User, minute: int, now: datetime) -> None:
    """Daily lesson time as minutes after local midnight."""
    if not 0 <= minute < 24 * 60:
        raise ValueError("lesson time must be within the day")
    user.lesson_minute = minute
    user.updated_at = now


def finish_onboarding(user: User, now: datetime) -> None:
    if user.onboarded_at is None:
        user.onboarded_at = now
        user.updated_at = now


def unblock(user: User, now: datetime) -> None:
    """A learner who writes to the bot again has unblocked it."""
    if user.blocked_at is not None:
        user.blocked_at = None
        user.updated_at = now


SUPPORTED_LANGUAGES = ("en", "ru")


def set_reminders(user: User, enabled: bool, now: datetime) -> None:
    user.reminders_enabled = enabled
    user.updated_at = now


def set_leaderboard_visibility(user: User, visible: bool, now: datetime) -> None:
    user.show_on_leaderboard = visible
    user.updated_at = now


def set_language(user: User, language: str, now: datetime) -> None:
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    user.language = language
    user.updated_at = now


def block(user: User, now: datetime) -> None:
    """The learner blocked the bot: no pushes until they come back."""
    if user.blocked_at is None:
        user.blocked_at = now
        user.updated_at = now


def learner_locale(
    candidates: Iterable[str | None], available: Collection[str], default: str
) -> str:
    """The learner's language: the first candidate (their chosen language, then Telegram's
    language code) whose two-letter prefix we have a catalogue for, else the default."""
    for candidate in candidates:
        if candidate and candidate[:2].lower() in available:
            return candidate[:2].lower()
    return default
