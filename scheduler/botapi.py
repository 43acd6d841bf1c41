"""The sender's one Telegram call, made cheap: post a sendMessage or sendPhoto.

aiogram's own path builds a method model and a form for the request, and validates the
whole Message that comes back: about half the CPU of a push (bench.fanout measures it). The
sender uses none of that. Over aiogram's aiohttp session, :class:`PushPoster` posts the JSON
itself, with the bot's own connection pool, API server, token and timeout, and reads only
``ok`` from the answer. An answer that is not ``ok`` goes through aiogram's
``check_response``, and a failed connection becomes ``TelegramNetworkError`` as in aiogram,
so the sender sees the same exceptions either way. A bot on any other session (the tests'
offline ones) is called the ordinary way.
"""

from __future__ import annotations

import json
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import SendMessage, SendPhoto, TelegramMethod
from aiohttp import ClientError, ClientTimeout
from pydantic import BaseModel

__all__ = ["PushPoster"]

METHODS: dict[str, type[SendMessage] | type[SendPhoto]] = {
    "sendMessage": SendMessage,
    "sendPhoto": SendPhoto,
}


class PushPoster:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot
        session = bot.session
        self._http = session if isinstance(session, AiohttpSession) else None
        self._timeout = ClientTimeout(total=float(session.timeout))
        self._urls: dict[str, str] = {}

    async def post(self, method: str, params: dict[str, Any]) -> None:
        """Call `method` with `params` (None values left out); raise aiogram's exceptions."""
        if self._http is None:
            await self._bot(METHODS[method](**params))
            return
        http = await self._http.create_session()
        try:
            async with http.post(
                self._url(method), json=_plain(params), timeout=self._timeout
            ) as response:
                status, content = response.status, await response.read()
        except TimeoutError as exc:
            raise TelegramNetworkError(_method(method, params), "Request timeout") from exc
        except ClientError as exc:
            message = f"{type(exc).__name__}: {exc}"
            raise TelegramNetworkError(_method(method, params), message) from exc
        if status == 200 and _ok(content):
            return
        text = content.decode(errors="replace")
        self._http.check_response(self._bot, _method(method, params), status, text)

    def _url(self, method: str) -> str:
        if method not in self._urls:
            assert self._http is not None
            self._urls[method] = self._http.api.api_url(token=self._bot.token, method=method)
        return self._urls[method]


def _method(method: str, params: dict[str, Any]) -> TelegramMethod[Any]:
    return METHODS[method](**params)


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value.model_dump(mode="json", exclude_none=True)
        if isinstance(value, BaseModel)
        else value
        for key, value in params.items()
        if value is not None
    }


def _ok(content: bytes) -> bool:
    """Whether the answer says ``"ok": true``; Telegram writes that first, so most answers
    are known by their first bytes and never parsed."""
    if content[:16].replace(b" ", b"").startswith(b'{"ok":true'):
        return True
    try:
        answer = json.loads(content)
    except ValueError:
        return False
    return isinstance(answer, dict) and answer.get("ok") is True
