"""Every text an aiogram bot sends, judged by TDLib before it goes (see telegram_parser)."""

from __future__ import annotations

from typing import Any

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

from tests.support.telegram_parser import (
    CALLBACK_ANSWER,
    CAPTION,
    EXPLANATION,
    MESSAGE_TEXT,
    POLL_OPTION,
    POLL_QUESTION,
    Field,
    problem,
)


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
