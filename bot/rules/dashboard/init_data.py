"""Checking a Mini App's `initData`, the way Telegram documents it.

The query string Telegram hands the Mini App is signed by Telegram with the bot's token:
`hash` is HMAC-SHA256 of the other fields (sorted `key=value` lines) under the key
HMAC-SHA256("WebAppData", token). A string whose hash does not match was not made by
Telegram for this bot (forged, or tampered with after); one whose `auth_date` is older
than `max_age` is refused too, so a leaked string stops working within the hour.

Written here rather than taken from aiogram's `aiogram.utils.web_app`: the rules never
import aiogram (an import contract), and the web server answers these requests without
loading it; a test checks that both agree on the same strings.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from urllib.parse import parse_qsl, urlencode

MAX_AGE = timedelta(hours=1)  # the default of WEBAPP_AUTH_MAX_AGE
CLOCK_SKEW = timedelta(minutes=5)  # an auth_date this far in the future is still accepted
SECRET_LABEL = b"WebAppData"


class InitDataRefusal(Enum):
    MISSING = "missing"  # no initData at all
    MALFORMED = "malformed"  # not a query string with hash, auth_date and user
    BAD_SIGNATURE = "bad_signature"  # forged, tampered with, or for another bot
    EXPIRED = "expired"  # auth_date older than the allowed age (or far in the future)


@dataclass(frozen=True)
class WebAppUser:
    """The Telegram user the Mini App was opened by."""

    telegram_id: int
    first_name: str
    language_code: str | None
    auth_date: datetime


def _secret(token: str) -> bytes:
    return hmac.new(SECRET_LABEL, token.encode(), hashlib.sha256).digest()


def _check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def sign_init_data(token: str, fields: dict[str, str]) -> str:
    """A signed initData query string for `fields` (the demo's links and the tests)."""
    digest = hmac.new(_secret(token), _check_string(fields).encode(), hashlib.sha256)
    return urlencode({**fields, "hash": digest.hexdigest()})


def demo_init_data(token: str, telegram_id: int, first_name: str, now: datetime) -> str:
    """initData as Telegram would give it to this user now (signed with `token`)."""
    user = {"id": telegram_id, "first_name": first_name, "language_code": "en"}
    fields = {
        "auth_date": str(int(now.timestamp())),
        "query_id": f"demo-{telegram_id}",
        "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
    }
    return sign_init_data(token, fields)


def check_init_data(
    raw: str | None, token: str, now: datetime, max_age: timedelta = MAX_AGE
) -> WebAppUser | InitDataRefusal:
    """The user the initData names, when Telegram signed it for this bot within `max_age`."""
    if not raw:
        return InitDataRefusal.MISSING
    try:
        fields = dict(parse_qsl(raw, keep_blank_values=True, strict_parsing=True))
    except ValueError:
        return InitDataRefusal.MALFORMED
    given = fields.get("hash", "")
    if not given:
        return InitDataRefusal.MALFORMED
    expected = hmac.new(_secret(token), _check_string(fields).encode(), hashlib.sha256)
    if not hmac.compare_digest(expected.hexdigest(), given.lower()):
        return InitDataRefusal.BAD_SIGNATURE
    try:
        auth_date = datetime.fromtimestamp(int(fields["auth_date"]), UTC)
        user = json.loads(fields["user"])
        telegram_id = int(user["id"])
    except (KeyError, ValueError, TypeError, OverflowError):
        return InitDataRefusal.MALFORMED
    if now - auth_date > max_age or auth_date - now > CLOCK_SKEW:
        return InitDataRefusal.EXPIRED
    return WebAppUser(
        telegram_id=telegram_id,
        first_name=str(user.get("first_name") or ""),
        language_code=user.get("language_code"),
        auth_date=auth_date,
    )
