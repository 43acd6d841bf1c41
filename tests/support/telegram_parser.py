"""TDLib, Telegram's own client library, as the judge of every text the tests send.

The Bot API server parses ``parse_mode=HTML`` with TDLib's ``parseTextEntities``; the
``python-telegram`` wheel ships TDLib as ``telegram/lib/libtdjson.so``, and
``td_execute`` answers that request synchronously, offline, without an account. A text
TDLib cannot parse is the "Bad Request: can't parse entities" a real bot would get; a
text is then measured as Telegram measures it, in code points of the parsed text.

:func:`problem` is the check: the HTTP stand-in calls it for every request, and
tests/support/checked_bot.py for every method an aiogram bot sends. No aiogram here,
so the stand-in starts fast as a process of its own.
"""

from __future__ import annotations

import ctypes
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import telegram

TDJSON = Path(telegram.__file__).resolve().parent / "lib" / "libtdjson.so"


@dataclass(frozen=True, slots=True)
class Field:
    """A text field of a Bot API method: its limit in code points, as Telegram names it."""

    what: str
    limit: int
    required: bool = True
    max_line_feeds: int | None = None


MESSAGE_TEXT = Field("message text", 4096)
CAPTION = Field("caption", 1024, required=False)
POLL_QUESTION = Field("poll question", 300)
POLL_OPTION = Field("poll option text", 100)
EXPLANATION = Field("explanation", 200, required=False, max_line_feeds=2)
CALLBACK_ANSWER = Field("callback answer text", 200, required=False)


class CantParseEntities(ValueError):
    """TDLib refused the text; the message is TDLib's own."""


@cache
def _tdjson() -> ctypes.CDLL:
    library = ctypes.CDLL(str(TDJSON))
    library.td_execute.restype = ctypes.c_char_p
    library.td_execute.argtypes = [ctypes.c_char_p]
    _execute(library, {"@type": "setLogVerbosityLevel", "new_verbosity_level": 0})
    return library


def _execute(library: ctypes.CDLL, request: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(library.td_execute(json.dumps(request).encode()))
    return answer


def parse_html(text: str) -> str:
    """The text Telegram shows for ``text`` sent with ``parse_mode=HTML``."""
    answer = _execute(
        _tdjson(),
        {
            "@type": "parseTextEntities",
            "text": text,
            "parse_mode": {"@type": "textParseModeHTML"},
        },
    )
    if answer["@type"] == "error":
        raise CantParseEntities(str(answer["message"]))
    shown: str = answer["text"]
    return shown


def shown_text(text: str, parse_mode: str | None) -> str:
    """What the recipient sees: HTML parsed by TDLib, anything else as it is."""
    if parse_mode is not None and parse_mode.upper() == "HTML":
        return parse_html(text)
    return text


def problem(field: Field, text: str | None, parse_mode: str | None) -> str | None:
    """Telegram's "Bad Request: …" description for this text in this field, None when fine."""
    if not text:
        return f"{field.what} is empty" if field.required else None
    try:
        shown = shown_text(text, parse_mode)
    except CantParseEntities as exc:
        return f"can't parse entities: {exc}"
    if field.required and not shown.strip():
        return f"{field.what} is empty"
    if len(shown) > field.limit:
        return f"{field.what} is too long ({len(shown)} code points, limit {field.limit})"
    if field.max_line_feeds is not None and shown.count("\n") > field.max_line_feeds:
        return f"{field.what} must have at most {field.max_line_feeds} line feeds"
    return None
