"""Time zones and lesson times offered during onboarding and in /settings.

Onboarding asks "what time is it for you now?": each button shows the current local
time of a zone, labelled by a city, so a learner taps the time they see on their clock.
The curated list holds a representative city for every UTC offset in use anywhere
(half and three-quarter hours included, in both halves of the daylight-saving year);
the buttons are computed for the current instant, so they follow daylight saving.
A learner may also type a city or an IANA zone name.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

# Positions are callback data (`tz:<index>`) in learners' chats: append, never reorder.
# The common zones come first; the others after them.
COMMON_ZONES: tuple[tuple[str, str], ...] = (
    ("Europe/London", "London"),
    ("Europe/Berlin", "Berlin"),
    ("Europe/Kyiv", "Kyiv"),
    ("Europe/Moscow", "Moscow"),
    ("Asia/Dubai", "Dubai"),
    ("Asia/Kolkata", "Kolkata"),
    ("Asia/Shanghai", "Shanghai"),
    ("Asia/Tokyo", "Tokyo"),
    ("Australia/Sydney", "Sydney"),
    ("America/New_York", "New York"),
    ("America/Chicago", "Chicago"),
    ("America/Los_Angeles", "Los Angeles"),
    ("America/Sao_Paulo", "São Paulo"),
    ("UTC", "UTC"),
)
OTHER_ZONES: tuple[tuple[str, str], ...] = (
    ("Pacific/Pago_Pago", "Pago Pago"),
    ("Pacific/Honolulu", "Honolulu"),
    ("America/Anchorage", "Anchorage"),
    ("America/Denver", "Denver"),
    ("America/Halifax", "Halifax"),
    ("America/St_Johns", "St John's"),
    ("America/Noronha", "Fernando de Noronha"),
    ("Atlantic/Azores", "Ponta Delgada"),
    ("Africa/Lagos", "Lagos"),
    ("Africa/Cairo", "Cairo"),
    ("Asia/Tehran", "Tehran"),
    ("Asia/Kabul", "Kabul"),
    ("Asia/Karachi", "Karachi"),
    ("Asia/Kathmandu", "Kathmandu"),
    ("Asia/Dhaka", "Dhaka"),
    ("Asia/Yangon", "Yangon"),
    ("Asia/Bangkok", "Bangkok"),
    ("Australia/Adelaide", "Adelaide"),
    ("Pacific/Noumea", "Nouméa"),
    ("Pacific/Auckland", "Auckland"),
    ("Pacific/Tongatapu", "Nukuʻalofa"),
    ("Pacific/Kiritimati", "Kiritimati"),
    ("Pacific/Marquesas", "Taiohae"),
    ("America/Adak", "Adak"),
    ("America/Phoenix", "Phoenix"),
    ("America/Mexico_City", "Mexico City"),
    ("America/Bogota", "Bogotá"),
    ("America/Caracas", "Caracas"),
    ("America/Santiago", "Santiago"),
    ("America/Argentina/Buenos_Aires", "Buenos Aires"),
    ("America/Nuuk", "Nuuk"),
    ("Atlantic/Cape_Verde", "Praia"),
    ("Atlantic/Reykjavik", "Reykjavík"),
    ("Africa/Johannesburg", "Johannesburg"),
    ("Europe/Istanbul", "Istanbul"),
    ("Africa/Nairobi", "Nairobi"),
    ("Asia/Tashkent", "Tashkent"),
    ("Asia/Novosibirsk", "Novosibirsk"),
    ("Asia/Jakarta", "Jakarta"),
    ("Asia/Singapore", "Singapore"),
    ("Australia/Perth", "Perth"),
    ("Australia/Eucla", "Eucla"),
    ("Asia/Seoul", "Seoul"),
    ("Australia/Darwin", "Darwin"),
    ("Australia/Brisbane", "Brisbane"),
    ("Asia/Vladivostok", "Vladivostok"),
    ("Australia/Lord_Howe", "Lord Howe Island"),
    ("Asia/Magadan", "Magadan"),
    ("Pacific/Fiji", "Suva"),
    ("Asia/Kamchatka", "Petropavlovsk-Kamchatsky"),
    ("Pacific/Chatham", "Waitangi"),
    ("Pacific/Apia", "Apia"),
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

# Daily lesson times offered: every half hour from 06:00 to 23:30.
FIRST_LESSON_MINUTE = 6 * 60
LESSON_TIME_STEP = 30
LESSON_TIMES = tuple(range(FIRST_LESSON_MINUTE, 24 * 60, LESSON_TIME_STEP))
DEFAULT_LESSON_MINUTE = 9 * 60


@dataclass(frozen=True)
class ZoneChoice:
    index: int
    zone: str
    label: str
    offset: float  # seconds east of UTC at the instant the choice was made


def zone_choices(now: datetime, *, other: bool, language: str | None = None) -> list[ZoneChoice]:
    """Buttons for the common zones (the learner's likely zone first), or for the others
    (from the westernmost offset to the easternmost), labelled with their local time."""
    if other:
        return _by_offset([_choice(index, now) for index in range(len(COMMON_ZONES), len(ZONES))])
    choices = [_choice(index, now) for index in range(len(COMMON_ZONES))]
    guess = LANGUAGE_ZONES.get((language or "").lower()) or LANGUAGE_ZONES.get(
        (language or "")[:2].lower()
    )
    choices.sort(key=lambda choice: choice.zone != guess)
    return choices


def all_zone_choices(now: datetime) -> list[ZoneChoice]:
    """Every zone of the list, from the westernmost offset to the easternmost."""
    return _by_offset([_choice(index, now) for index in range(len(ZONES))])


def _by_offset(choices: list[ZoneChoice]) -> list[ZoneChoice]:
    return sorted(choices, key=lambda choice: (choice.offset, choice.index))


def _choice(index: int, now: datetime) -> ZoneChoice:
    zone, city = ZONES[index]
    local = now.astimezone(ZoneInfo(zone))
    offset = local.utcoffset()
    assert offset is not None  # an aware datetime always has one
    return ZoneChoice(index, zone, f"{local:%H:%M} · {city}", offset.total_seconds())


def zone_by_index(index: int) -> str | None:
    return ZONES[index][0] if 0 <= index < len(ZONES) else None


def city_of(zone: str) -> str:
    """The label a zone is shown with: its city from the list, else the IANA name."""
    return next((city for name, city in ZONES if name == zone), zone)


def resolve_zone(typed: str) -> str | None:
    """The IANA zone a learner means by what they typed: a zone name in any case
    (`australia/brisbane`) or a city (`Brisbane`, `sao paulo`); None when unknown."""
    key = _normalise(typed)
    if not key:
        return None
    return _zone_names().get(key)


def _normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    for separator in "_-'ʻ’.":
        plain = plain.replace(separator, " ")
    return " ".join(plain.split())


@cache
def _zone_names() -> dict[str, str]:
    """Normalised names → IANA zone: every zone's full name and its last part (its
    city), then the cities of the list, which win over the database's own names."""
    names: dict[str, str] = {}
    for zone in sorted(available_timezones()):
        names.setdefault(_normalise(zone), zone)
        if "/" in zone and not zone.startswith("Etc/"):
            names.setdefault(_normalise(zone.rsplit("/", 1)[1]), zone)
    for zone, city in ZONES:
        names[_normalise(city)] = zone
        names[_normalise(zone)] = zone
    return names


def format_minute(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
