"""Time zones and lesson times offered during onboarding and in /settings.

Onboarding asks "what time is it for you now?": each button shows the current local
time of a zone, so a learner taps the time they see on their clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

# Common zones first, then one zone for every other offset in use (half hours included).
COMMON_ZONES: tuple[tuple[str, str], ...] = (
    ("Europe/London", "London"),
    ("Europe/Berlin", "Berlin"),
    ("Europe/Kyiv", "Kyiv"),
    ("Europe/Moscow", "Moscow"),
    ("Asia/Dubai", "Dubai"),
    ("Asia/Kolkata", "India"),
    ("Asia/Shanghai", "China"),
    ("Asia/Tokyo", "Tokyo"),
    ("Australia/Sydney", "Sydney"),
    ("America/New_York", "New York"),
    ("America/Chicago", "Chicago"),
    ("America/Los_Angeles", "Los Angeles"),
    ("America/Sao_Paulo", "São Paulo"),
    ("UTC", "UTC"),
)
OTHER_ZONES: tuple[tuple[str, str], ...] = (
    ("Pacific/Pago_Pago", "UTC−11"),
    ("Pacific/Honolulu", "Hawaii"),
    ("America/Anchorage", "Alaska"),
    ("America/Denver", "Denver"),
    ("America/Halifax", "Halifax"),
    ("America/St_Johns", "Newfoundland"),
    ("America/Noronha", "UTC−2"),
    ("Atlantic/Azores", "Azores"),
    ("Africa/Lagos", "Lagos"),
    ("Africa/Cairo", "Cairo"),
    ("Asia/Tehran", "Tehran"),
    ("Asia/Kabul", "Kabul"),
    ("Asia/Karachi", "Karachi"),
    ("Asia/Kathmandu", "Nepal"),
    ("Asia/Dhaka", "Dhaka"),
    ("Asia/Yangon", "Yangon"),
    ("Asia/Bangkok", "Bangkok"),
    ("Australia/Adelaide", "Adelaide"),
    ("Pacific/Noumea", "Nouméa"),
    ("Pacific/Auckland", "Auckland"),
    ("Pacific/Tongatapu", "Tonga"),
    ("Pacific/Kiritimati", "Kiritimati"),
)
ZONES: tuple[tuple[str, str], ...] = COMMON_ZONES + OTHER_ZONES

# Guess from the Telegram language: that zone is offered first.
LANGUAGE_ZONES = {
    "ru": "Europe/Moscow",
    "uk": "Europe/Kyiv",
    "de": "Europe/Berlin",
    "fr": "Europe/Berlin",
    "es": "Europe/Berlin",
    "it": "Europe/Berlin",
    "pt-br": "America/Sao_Paulo",
    "hi": "Asia/Kolkata",
    "ja": "Asia/Tokyo",
    "zh": "Asia/Shanghai",
    "en-gb": "Europe/London",
}

LESSON_TIMES = (7 * 60, 8 * 60, 9 * 60, 12 * 60, 18 * 60, 20 * 60)
DEFAULT_LESSON_MINUTE = 9 * 60


@dataclass(frozen=True)
class ZoneChoice:
    index: int
    zone: str
    label: str


def zone_choices(now: datetime, *, other: bool, language: str | None = None) -> list[ZoneChoice]:
    """Buttons for the common zones (or the others), labelled with their local time."""
    indexes = range(len(COMMON_ZONES), len(ZONES)) if other else range(len(COMMON_ZONES))
    choices = [_choice(index, now) for index in indexes]
    guess = LANGUAGE_ZONES.get((language or "").lower()) or LANGUAGE_ZONES.get(
        (language or "")[:2].lower()
    )
    choices.sort(key=lambda choice: (choice.zone != guess, 0))
    return choices


def _choice(index: int, now: datetime) -> ZoneChoice:
    zone, city = ZONES[index]
    local = now.astimezone(ZoneInfo(zone))
    return ZoneChoice(index, zone, f"{local:%H:%M} · {city}")


def zone_by_index(index: int) -> str | None:
    return ZONES[index][0] if 0 <= index < len(ZONES) else None


def format_minute(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
