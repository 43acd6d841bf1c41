"""Onboarding that cannot be skipped, the time-zone picker, lesson times and the honest
reminders switch, through the real dispatcher."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.clock import FixedClock
from bot.telegram import zones
from bot.telegram.callbacks import CALLBACK_DATA_LIMIT, SettingsZoneNameCb, ZoneCb, ZoneNameCb
from bot.telegram.zones import resolve_zone
from db.models import User
from tests.support.chat import Chat
from tests.support.factories import make_course
from tests.support.flows import onboard

MakeChat = Callable[..., Chat]
HALF_HOURS = [f"{hour:02d}:{minute:02d}" for hour in range(6, 24) for minute in (0, 30)]


async def learner_row(session: AsyncSession) -> User:
    user = await session.scalar(sa.select(User).execution_options(populate_existing=True))
    assert user is not None
    return user


def labels(chat: Chat) -> list[str]:
    return [label for label, _ in chat.buttons()]


# ------------------------------------------------------------------ onboarding resumes


async def test_typing_or_learn_during_onboarding_asks_the_pending_step_again(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    await make_course(session, [2])
    await session.commit()
    chat = make_chat()
    await chat.send("/start")
    for message in ("/learn", "/modules", "👍"):
        sent = await chat.send(message)
        assert "What time is it for you now?" in chat.texts(sent)[0], message
        assert "🌐 Other time" in labels(chat)
    sent = await chat.send("hello")
    assert "I don't know a time zone called «hello»" in chat.texts(sent)[0]
    await chat.press_button("Berlin")
    for message in ("/learn", "anything"):
        sent = await chat.send(message)
        assert "when would you like your daily lesson?" in chat.texts(sent)[0], message
        assert labels(chat) == HALF_HOURS
    assert (await learner_row(session)).onboarded_at is None
    await chat.press_button("07:30")
    user = await learner_row(session)
    assert (user.time_zone, user.lesson_minute) == ("Europe/Berlin", 450)
    assert user.onboarded_at is not None
    sent = await chat.send("/learn")
    assert "Lesson 1.1" in chat.texts(sent)[0]


@pytest.mark.parametrize("command", ["/help", "/privacy", "/deleteme"])
async def test_help_and_privacy_stay_available_during_onboarding(
    make_chat: MakeChat, command: str
) -> None:
    chat = make_chat()
    await chat.send("/start")
    sent = await chat.send(command)
    assert "What time is it for you now?" not in chat.texts(sent)[0]


# ------------------------------------------------------------------ the time-zone picker


def offsets_in_use(at: datetime) -> set[timedelta]:
    """Every UTC offset some place on Earth has at `at` (the tz database's geographic zones)."""
    places = [z for z in available_timezones() if "/" in z and not z.startswith("Etc/")]
    offsets = {at.astimezone(ZoneInfo(z)).utcoffset() for z in places}
    return {offset for offset in offsets if offset is not None}


def offered_offsets(chat: Chat, at: datetime) -> set[timedelta]:
    offsets = set()
    for _label, data in chat.buttons():
        if data.startswith("tz:"):
            zone = zones.ZONES[ZoneCb.unpack(data).index][0]
            offset = at.astimezone(ZoneInfo(zone)).utcoffset()
            assert offset is not None
            offsets.add(offset)
    return offsets


@pytest.mark.parametrize(
    "at",
    [
        datetime(2026, 12, 15, 3, 0, tzinfo=UTC),  # southern summer: Adelaide +10:30
        datetime(2026, 7, 1, 18, 45, tzinfo=UTC),  # northern summer: St John's −2:30
    ],
)
async def test_every_offset_in_use_at_that_instant_is_offered_by_city(
    session: AsyncSession, make_chat: MakeChat, clock: FixedClock, at: datetime
) -> None:
    clock.set(at)
    chat = make_chat()
    await chat.send("/start")
    offered = offered_offsets(chat, at)
    common = labels(chat)
    await chat.press_button("Other time")
    offered |= offered_offsets(chat, at)
    assert offsets_in_use(at) <= offered
    hours = [10, 12, 9.5, 5.75, 14, -9.5]  # Brisbane, Suva, Darwin, Kathmandu, Kiritimati…
    assert {timedelta(hours=h) for h in hours} <= offered
    other = labels(chat)
    assert other[-1] == "◀️ Back"
    local = at.astimezone(ZoneInfo("Australia/Brisbane"))
    assert f"{local:%H:%M} · Brisbane" in other
    assert not {"India", "China", "Nepal", "Hawaii", "Alaska"} & {
        label.split(" · ")[-1] for label in common + other
    }
    await chat.press_button("Back")
    assert labels(chat) == common


async def test_the_other_zones_run_from_west_to_east(make_chat: MakeChat) -> None:
    chat = make_chat()
    await chat.send("/start")
    await chat.press_button("Other time")
    cities = [label.split(" · ")[1] for label in labels(chat)[:-1]]
    assert cities[0] == "Pago Pago"
    assert cities[-1] == "Kiritimati"


def test_zone_buttons_fit_telegrams_callback_data() -> None:
    assert len(ZoneCb(index=len(zones.ZONES) - 1).pack().encode()) < CALLBACK_DATA_LIMIT
    longest = max(available_timezones(), key=len)  # a suggestion names its zone
    for named in (ZoneNameCb(zone=longest), SettingsZoneNameCb(zone=longest)):
        assert len(named.pack().encode()) < CALLBACK_DATA_LIMIT


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Australia/Brisbane", "Australia/Brisbane"),
        ("australia/brisbane", "Australia/Brisbane"),
        ("Brisbane", "Australia/Brisbane"),
        ("sao paulo", "America/Sao_Paulo"),
        ("St John's", "America/St_Johns"),
        ("Suva", "Pacific/Fiji"),
        ("Hobart", "Australia/Hobart"),  # a city of the tz database, not of the list
        ("Atlantis", None),
        ("", None),
        # Offsets: the tz database's fixed zones count west as positive (Etc/GMT-3 is UTC+3).
        ("UTC+3", "Etc/GMT-3"),
        ("GMT-3", "Etc/GMT+3"),
        ("+03:00", "Etc/GMT-3"),
        ("utc −0500", "Etc/GMT+5"),
        ("UTC+0", "UTC"),
        ("+14", "Etc/GMT-14"),
        ("+15", None),
        ("+05:30", "Asia/Kolkata"),  # no whole-hour zone: a city at that offset now
        ("+09:30", "Australia/Darwin"),  # Adelaide is +10:30 in November: Darwin has no DST
        ("+04:17", None),
    ],
)
def test_a_typed_zone_name_city_or_offset_is_understood(typed: str, zone: str | None) -> None:
    assert resolve_zone(typed, datetime(2026, 11, 25, 12, tzinfo=UTC)) == zone


@pytest.mark.parametrize(
    ("zone", "city", "name"),
    [
        ("Europe/Berlin", "Berlin", "Europe/Berlin"),
        ("Europe/Vienna", "Vienna", "Europe/Vienna"),
        ("America/North_Dakota/New_Salem", "New Salem", "America/North_Dakota/New_Salem"),
        ("Etc/GMT-3", "UTC+3", "UTC+3"),
        ("Etc/GMT+3", "UTC-3", "UTC-3"),
        ("US/Eastern", "US/Eastern", "US/Eastern"),
    ],
)
def test_a_zone_is_shown_by_its_city_and_a_fixed_offset_with_the_sign_people_use(
    zone: str, city: str, name: str
) -> None:
    assert (zones.city_of(zone), zones.zone_name(zone)) == (city, name)


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Berln", "Europe/Berlin"),
        ("Europe/Berln", "Europe/Berlin"),
        ("Viena", "Europe/Vienna"),
        ("new yrok", "America/New_York"),
        ("Atlantis", None),
        ("hello", None),
    ],
)
def test_a_near_miss_suggests_the_zone_it_most_likely_means(typed: str, zone: str | None) -> None:
    assert zones.suggest_zone(typed) == zone


async def test_onboarding_takes_an_offset_and_shows_it_with_the_sign_typed(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    chat = make_chat()
    await chat.send("/start")
    sent = await chat.send("UTC+3")
    assert "Got it: <b>UTC+3</b>" in chat.texts(sent)[0]
    await chat.press_button("09:00")
    assert (await learner_row(session)).time_zone == "Etc/GMT-3"
    sent = await chat.send("/settings")
    assert "🌍 Time zone: UTC+3" in chat.texts(sent)[0]
    await chat.press_button("Time zone")
    sent = await chat.send("GMT-3")
    assert "Saved ✅ UTC-3" in chat.texts(sent)[0]
    assert "🌍 Time zone: UTC-3" in chat.texts(sent)[0]
    assert (await learner_row(session)).time_zone == "Etc/GMT+3"


async def test_onboarding_offers_the_city_a_typo_means_and_confirms_a_city_by_its_name(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    chat = make_chat()
    await chat.send("/start")
    sent = await chat.send("Berln")
    assert "I don't know a time zone called «Berln». Did you mean Berlin?" in chat.texts(sent)[0]
    assert labels(chat)[0] == "✅ Berlin"
    sent = await chat.press_button("✅ Berlin")
    assert "Got it: <b>Berlin</b>" in chat.texts(sent)[0]
    assert (await learner_row(session)).time_zone == "Europe/Berlin"
    other = make_chat(502)
    await other.send("/start")
    sent = await other.send("vienna")
    assert "Got it: <b>Vienna</b>" in other.texts(sent)[0]  # as the picker says "Berlin"


async def test_settings_offer_the_city_a_typo_means(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    chat = make_chat()
    await onboard(chat)
    await chat.send("/settings")
    await chat.press_button("Time zone")
    sent = await chat.send("Viena")
    assert "Did you mean Vienna?" in chat.texts(sent)[0]
    assert labels(chat) == ["✅ Vienna"]
    sent = await chat.press_button("Vienna")
    assert "Saved ✅ Vienna" in chat.alerts(sent)
    assert (await learner_row(session)).time_zone == "Europe/Vienna"


async def test_onboarding_takes_a_typed_iana_name(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    chat = make_chat()
    await chat.send("/start")
    sent = await chat.send("Australia/Brisbane")
    assert "Got it: <b>Brisbane</b>" in chat.texts(sent)[0]
    assert labels(chat) == HALF_HOURS
    await chat.press_button("21:30")
    user = await learner_row(session)
    assert (user.time_zone, user.lesson_minute) == ("Australia/Brisbane", 21 * 60 + 30)


async def test_settings_take_a_typed_city_and_refuse_an_unknown_one(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    chat = make_chat()
    await onboard(chat)
    await chat.send("/settings")
    sent = await chat.press_button("Time zone")
    assert "type your city" in chat.texts(sent)[0]
    await chat.press_button("Other time")
    assert labels(chat)[-1] == "◀️ Back"
    sent = await chat.send("Atlantis")
    assert "I don't know a time zone called «Atlantis»" in chat.texts(sent)[0]
    sent = await chat.send("Kathmandu")
    assert "Saved ✅ Kathmandu" in chat.texts(sent)[0]
    assert "Time zone: Asia/Kathmandu" in chat.texts(sent)[0]
    assert (await learner_row(session)).time_zone == "Asia/Kathmandu"
    await chat.send("Brisbane")  # the picker is closed: plain text is just text
    assert (await learner_row(session)).time_zone == "Asia/Kathmandu"


# ------------------------------------------------------------------ lesson times, reminders


async def test_lesson_times_come_every_half_hour_in_settings(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    chat = make_chat()
    await onboard(chat)
    await chat.send("/settings")
    await chat.press_button("Lesson time")
    assert labels(chat) == [*HALF_HOURS, "◀️ Back"]
    sent = await chat.press_button("22:30")
    assert "Lesson time: 22:30" in chat.texts(sent)[0]
    assert (await learner_row(session)).lesson_minute == 22 * 60 + 30


async def test_the_reminders_switch_says_it_pauses_the_daily_lesson_too(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    chat = make_chat()
    await onboard(chat, time="22:00")
    [text] = chat.texts(await chat.send("/settings"))
    assert "🔔 Daily lesson and reminders: on" in text
    assert "🔕 Turn off daily lesson and reminders" in labels(chat)
    sent = await chat.press_button("Turn off daily lesson")
    [text] = chat.texts(sent)
    assert "🔔 Daily lesson and reminders: off" in text
    assert "Daily lesson: 22:00" not in text
    assert "🔔 Turn on daily lesson and reminders" in labels(chat)
    assert (await learner_row(session)).reminders_enabled is False
