"""Failures an operator can cause or meet, each told in one line (never a traceback).

`describe` knows the database, Redis, Telegram and the network. Redis's and aiogram's
errors are only looked at when their library was loaded, so `learnbot config` imports
neither (aiogram alone costs seconds of CPU).
"""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.entry.config import Settings
from db.engine import is_sqlite

FAILED = 1


class CannotStart(Exception):
    """The command cannot run as configured; the message says why, in one line."""


class NotReady(Exception):
    """The database cannot be used as it is; the message tells the operator what to do."""


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for a server database or an in-memory one)."""
    if not is_sqlite(url):
        return None
    database = make_url(url).database
    return Path(database) if database and database != ":memory:" else None


def require_existing(url: str) -> None:
    """Refuse a SQLite file that does not exist: a one-shot command never creates one
    (a mistyped path would otherwise become an empty database)."""
    path = sqlite_file(url)
    if path is not None and not path.exists():
        raise NotReady(
            f"the database file {str(path)!r} does not exist; check DATABASE_URL "
            "(`learnbot run` or `learnbot demo` creates a new one)"
        )


def one_line(text: object) -> str:
    return " ".join(str(text).split())


def database_reason(exc: BaseException) -> str:
    """The driver's own reason, without SQLAlchemy's statement and background link."""
    original = getattr(exc, "orig", None) or exc
    args: tuple[object, ...] = getattr(original, "args", ())
    if len(args) >= 2 and isinstance(args[0], int):  # aiomysql: (2003, "Can't connect …")
        return one_line(args[1])
    return one_line(original) or type(original).__name__


def hidden(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def describe(exc: BaseException, settings: Settings) -> str | None:
    """One line for a failure the operator can act on; None for a bug (keep the traceback)."""
    if isinstance(exc, DBAPIError):
        return (
            f"cannot use the database at {hidden(settings.database_url)}: {database_reason(exc)}"
            " (is it running, and is DATABASE_URL right?)"
        )
    if "redis" in sys.modules:
        from redis.exceptions import RedisError

        if isinstance(exc, RedisError):
            return f"cannot use Redis at REDIS_URL: {one_line(exc)} (is it running?)"
    telegram = _telegram(exc, settings)
    if telegram is not None:
        return telegram
    if isinstance(exc, TimeoutError):
        return "timed out waiting for the database, Redis or Telegram"
    if isinstance(exc, OSError):
        return one_line(exc)
    return None


def _telegram(exc: BaseException, settings: Settings) -> str | None:
    if "aiogram" not in sys.modules:
        return None
    from aiogram.exceptions import (
        TelegramAPIError,
        TelegramNetworkError,
        TelegramUnauthorizedError,
    )

    where = settings.telegram_api_base or "https://api.telegram.org"
    if isinstance(exc, TelegramNetworkError):
        return f"cannot reach Telegram at {where}: {one_line(exc.message)} (network, proxy?)"
    if isinstance(exc, TelegramUnauthorizedError):
        return "Telegram refused BOT_TOKEN (Unauthorized): copy the token again from @BotFather"
    if isinstance(exc, TelegramAPIError):
        return f"Telegram refused the request: {one_line(exc.message)}"
    return None
