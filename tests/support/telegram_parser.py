"""TDLib, Telegram's own client library, as the judge of every text the tests send.

The Bot API server parses ``parse_mode=HTML`` with TDLib's ``parseTextEntities``; the
``python-telegram`` wheel ships TDLib as ``telegram/lib/libtdjson.so``, and
``td_execute`` answers that request synchronously, offline, without an account. A text
TDLib cannot parse is the "Bad Request: can't parse entities" a real bot would get; a
text is then measured as Telegram measures it, in code points of the parsed text.

:func:`problem` is the check; :class:`ParsedByTelegram` runs it on every method an
aiogram bot sends (the offline session's bot in the tests), and the HTTP stand-in
calls it for every request.
"""

from __future__ import annotations

import ctypes
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import telegram
from aiogram import Bot
from aiogram.client.default import Default
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageText,
    Response,
    SendMessage,
    SendPoll,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType

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


def texts_of(
    method: TelegramMethod[Any], default_parse_mode: str | None
) -> list[tuple[Field, str | None, str | None]]:
    """(field, text, parse mode) of every text a method sends."""

    def mode(value: object) -> str | None:
        if isinstance(value, Default):
            return default_parse_mode
        return value if isinstance(value, str) else None

    found: list[tuple[Field, str | None, str | None]] = []
    if isinstance(method, SendMessage | EditMessageText):
        found.append((MESSAGE_TEXT, method.text, mode(method.parse_mode)))
    if isinstance(method, AnswerCallbackQuery):
        found.append((CALLBACK_ANSWER, method.text, None))
    caption = getattr(method, "caption", None)
    if isinstance(caption, str):
        found.append((CAPTION, caption, mode(getattr(method, "parse_mode", None))))
    if isinstance(method, SendPoll):
        found.append((POLL_QUESTION, method.question, mode(method.question_parse_mode)))
        for option in method.options:
            if isinstance(option, str):
                found.append((POLL_OPTION, option, None))
            else:
                found.append((POLL_OPTION, option.text, mode(option.text_parse_mode)))
        found.append((EXPLANATION, method.explanation, mode(method.explanation_parse_mode)))
    return found


def problems_of(method: TelegramMethod[Any], default_parse_mode: str | None) -> list[str]:
    found = []
    for field, text, parse_mode in texts_of(method, default_parse_mode):
        description = problem(field, text, parse_mode)
        if description is not None:
            found.append(f"{type(method).__name__}: {description}: {text!r}")
    return found


class ParsedByTelegram(BaseRequestMiddleware):
    """Fails the test at once when the bot sends a text Telegram would refuse."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        found = problems_of(method, bot.default.parse_mode)
        assert not found, found
        return await make_request(bot, method)


def checked(bot: Bot) -> Bot:
    """``bot``, with every text it sends parsed by TDLib first."""
    bot.session.middleware(ParsedByTelegram())
    return bot
