"""initData is checked as Telegram documents it, and agrees with aiogram's own check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

import pytest
from aiogram.utils.web_app import check_webapp_signature

from bot.rules.dashboard.init_data import (
    InitDataRefusal,
    WebAppUser,
    check_init_data,
    demo_init_data,
)

TOKEN = "123456:SECRET-token"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_a_string_signed_for_this_bot_names_its_user() -> None:
    raw = demo_init_data(TOKEN, 77, "Ada", NOW)
    checked = check_init_data(raw, TOKEN, NOW + timedelta(minutes=59))
    assert isinstance(checked, WebAppUser)
    assert (checked.telegram_id, checked.first_name) == (77, "Ada")


def test_aiogram_accepts_what_we_sign_and_we_accept_what_it_accepts() -> None:
    raw = demo_init_data(TOKEN, 77, "Ада", NOW)
    assert check_webapp_signature(TOKEN, raw)
    assert not check_webapp_signature("123456:OTHER", raw)


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        (lambda raw: "", InitDataRefusal.MISSING),
        (lambda raw: "user=%7B%7D", InitDataRefusal.MALFORMED),
        (lambda raw: raw.replace("Ada", "Eve"), InitDataRefusal.BAD_SIGNATURE),
        (lambda raw: demo_init_data("123456:OTHER", 77, "Ada", NOW), InitDataRefusal.BAD_SIGNATURE),
        (
            lambda raw: urlencode({**dict(parse_qsl(raw)), "auth_date": "1"}),
            InitDataRefusal.BAD_SIGNATURE,
        ),
        (
            lambda raw: demo_init_data(TOKEN, 77, "Ada", NOW - timedelta(minutes=61)),
            InitDataRefusal.EXPIRED,
        ),
        (
            lambda raw: demo_init_data(TOKEN, 77, "Ada", NOW + timedelta(hours=1)),
            InitDataRefusal.EXPIRED,
        ),
    ],
    ids=[
        "missing",
        "malformed",
        "tampered",
        "other-bot",
        "auth-date-changed",
        "hour-old",
        "future",
    ],
)
def test_forged_tampered_and_stale_strings_are_refused(change, refusal) -> None:  # type: ignore[no-untyped-def]
    raw = change(demo_init_data(TOKEN, 77, "Ada", NOW))
    assert check_init_data(raw, TOKEN, NOW) is refusal
