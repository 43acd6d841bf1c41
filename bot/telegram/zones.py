"""Time zones and lesson times offered during onboarding and in /settings.

Onboarding asks "what time is it for you now?": each button shows the current local
time of a zone, labelled by a city, so a learner taps the time they see on their clock.
The curated list holds a representative city for every UTC offset in use anywhere
(half and three-quarter hours included, in both halves of the daylight-saving year);
the buttons are computed for the current instant, so they follow daylight saving.
A learner may also type a city, an IANA zone name or a UTC offset (`UTC+3`, `GMT-3`,
`+05:30`); a near miss (`Berln`) is answered with the zone it most likely means.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
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


# The tz database's zones named after a place (`Area/City`), unlike `US/Eastern` or `Etc/…`.
GEOGRAPHIC_AREAS = (
    "Africa/",
    "America/",
    "Antarctica/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
)
# A fixed offset `UTC+3` is the tz database's `Etc/GMT-3`: POSIX signs, west positive.
FIXED_OFFSET_ZONE = re.compile(r"Etc/GMT([+-]\d{1,2})")
# What a learner types for an offset: `UTC+3`, `GMT-3`, `+03:00`, `utc +0530`, `+5:45`.
TYPED_OFFSET = re.compile(r"(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?")
WESTMOST, EASTMOST = timedelta(hours=-12), timedelta(hours=14)
HALF_A_YEAR = timedelta(days=182)
# How alike a typed place and a known city must be to be offered (difflib's ratio).
SUGGESTION_CUTOFF = 0.8


def city_of(zone: str) -> str:
    """The label a zone is shown with: its city from the list, `UTC+3` for a fixed offset,
    the city of any other place's zone (`Europe/Vienna`: Vienna), else the IANA name."""
    listed = next((city for name, city in ZONES if name == zone), None)
    if listed is not None:
        return listed
    if zone.startswith(GEOGRAPHIC_AREAS):
        return zone.rsplit("/", 1)[1].replace("_", " ")
    return zone_name(zone)


def zone_name(zone: str) -> str:
    """A zone's name as settings show it: the IANA name, but `UTC+3` for `Etc/GMT-3`,
    whose sign reads the wrong way round to anyone but POSIX."""
    fixed = FIXED_OFFSET_ZONE.fullmatch(zone)
    if fixed is None:
        return zone
    hours = -int(fixed.group(1))
    return f"UTC{hours:+d}" if hours else "UTC"


def resolve_zone(typed: str, now: datetime) -> str | None:
    """The IANA zone a learner means by what they typed: a zone name in any case
    (`australia/brisbane`), a city (`Brisbane`, `sao paulo`) or a UTC offset (`UTC+3`,
    `GMT-3`, `+05:30`, at `now` for one of a fraction of an hour); None when unknown."""
    offset = typed_offset(typed)
    if offset is not None:
        return offset_zone(offset, now)
    key = _normalise(typed)
    if not key:
        return None
    return _zone_names().get(key)


def typed_offset(typed: str) -> timedelta | None:
    """The UTC offset typed as `UTC+3`, `GMT-3` or `+03:00`; None for anything else."""
    text = typed.strip().casefold().replace("\u2212", "-").replace("\u2013", "-")
    found = TYPED_OFFSET.fullmatch(text)
    if found is None:
        return None
    sign, hours, minutes = found.groups()
    if int(minutes or 0) >= 60:
        return None
    offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
    offset = -offset if sign == "-" else offset
    return offset if WESTMOST <= offset <= EASTMOST else None


def offset_zone(offset: timedelta, now: datetime) -> str | None:
    """The zone of a fixed offset: `Etc/GMT-3` for UTC+3 (the tz database has them in
    whole hours), else a city of the list at that offset now, one without daylight
    saving first (`+05:30`: Kolkata); None when no place has it."""
    if offset % timedelta(hours=1) == timedelta(0):
        hours = offset // timedelta(hours=1)
        return f"Etc/GMT{-hours:+d}" if hours else "UTC"
    at_offset = [zone for zone, _city in ZONES if _offset_at(zone, now) == offset]
    at_offset.sort(key=lambda zone: _offset_at(zone, now + HALF_A_YEAR) != offset)
    return at_offset[0] if at_offset else None


def _offset_at(zone: str, at: datetime) -> timedelta | None:
    return at.astimezone(ZoneInfo(zone)).utcoffset()


def suggest_zone(typed: str) -> str | None:
    """The zone of the city most like a mistyped place (`Berln`: Europe/Berlin), if any
    is alike enough; a typed `Area/City` is compared by its city."""
    key = _normalise(typed).rsplit("/", 1)[-1]
    cities = _city_names()
    found = difflib.get_close_matches(key, cities, n=1, cutoff=SUGGESTION_CUTOFF)
    return cities[found[0]] if found else None


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


@cache
def _city_names() -> dict[str, str]:
    """Normalised city → IANA zone, for suggestions: the places of the tz database, then
    the cities of the list, which win."""
    cities = {
        _normalise(zone.rsplit("/", 1)[1]): zone
        for zone in sorted(available_timezones())
        if zone.startswith(GEOGRAPHIC_AREAS)
    }
    for zone, city in ZONES:
        cities[_normalise(city)] = zone
    return cities


def format_minute(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
