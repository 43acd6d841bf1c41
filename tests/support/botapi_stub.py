"""A local stand-in for the Telegram Bot API over HTTP, for end-to-end tests and benchmarks.

In a test::

    async with BotAPIStub() as stub:
        bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(stub.base_url)))
        stub.push_update(stub.make_message_update(1001, "/start"))
        ...
        call = await stub.wait_for("sendMessage")
        assert call.params["chat_id"] == 1001

It serves ``{base_url}/bot{token}/{method}`` (GET or POST; urlencoded, multipart or JSON
bodies) like api.telegram.org: ``getUpdates`` long-polls an in-memory queue, ``send*``
return full Message objects, edits update the stored messages, and every call is recorded
in :attr:`BotAPIStub.calls`. Faults (429 with retry_after, 403, 500, dropped connections,
delays) can be injected per method, per chat or by a hook.

Standalone, for benchmarks: ``python -m tests.support.botapi_stub --port 8081`` prints the base URL
and serves until interrupted. A small control API lives under ``{base_url}/_stub/``:
``POST updates`` (an update or a list), ``GET calls?since=N&method=M``, ``POST fail_next``
(the keyword arguments of :meth:`BotAPIStub.fail_next` as JSON), ``POST reset``,
``GET stats``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import re
import signal
import time
import zlib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Self

from aiohttp import web
from aiohttp.web_request import FileField

from tests.support.telegram_parser import (
    CAPTION,
    EXPLANATION,
    MESSAGE_TEXT,
    POLL_OPTION,
    POLL_QUESTION,
    Field,
    problem,
)

__all__ = [
    "BOT_USER",
    "BotAPIStub",
    "Fault",
    "RecordedCall",
    "UploadedFile",
    "callback_update",
    "message_update",
    "poll_answer_update",
    "user_object",
    "when_nth",
]

BOT_USER: dict[str, Any] = {
    "id": 4242,
    "is_bot": True,
    "first_name": "LearnBot",
    "username": "learnbot_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

# Update types Telegram leaves out when allowed_updates is empty or not given.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

# Form fields that are free text: never JSON-decoded, whatever they look like.
# fmt: off
_TEXT_FIELDS = frozenset({
    "text", "caption", "question", "explanation", "description", "short_description",
    "title", "name", "url", "data", "callback_query_id", "inline_message_id",
    "business_connection_id", "message_effect_id", "secret_token", "emoji", "phone_number",
    "first_name", "last_name", "address", "parse_mode", "question_parse_mode",
    "explanation_parse_mode", "action", "language_code",
})
# fmt: on
# fmt: off
_INT_FIELDS = frozenset({
    "chat_id", "from_chat_id", "user_id", "message_id", "message_thread_id",
    "reply_to_message_id", "offset", "limit", "timeout", "open_period", "close_date",
    "cache_time", "max_connections", "correct_option_id",
})
# fmt: on
_INT_RE = re.compile(r"-?\d+")
_MEDIA_KINDS = ("photo", "document", "video", "audio", "animation", "voice", "video_note")


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file that arrived in a multipart request (the params hold this in its place)."""

    filename: str
    content_type: str
    size: int


@dataclass(slots=True)
class RecordedCall:
    """One request to the stub: ``status`` is the HTTP status (None: connection dropped).

    Calls are appended to :attr:`BotAPIStub.calls` when answered (a long-polling
    getUpdates when it returns); ``at`` is when the request arrived."""

    method: str
    params: dict[str, Any]
    at: float  # time.monotonic() when the request arrived
    token: str
    status: int | None = None
    response: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        return None if self.response is None else self.response.get("result")

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")


@dataclass(frozen=True, slots=True)
class Fault:
    """An error answer (Bot API shape), a dropped connection, or a delay before either."""

    status: int = 500
    description: str | None = None
    retry_after: int | None = None
    drop_connection: bool = False
    delay: float = 0.0
    respond: bool = True  # False with a delay only: slow, but then handled normally

    @classmethod
    def too_many_requests(cls, retry_after: int = 2) -> Fault:
        return cls(status=429, retry_after=retry_after)

    @classmethod
    def blocked(cls) -> Fault:
        return cls(status=403, description="Forbidden: bot was blocked by the user")

    @classmethod
    def server_error(cls) -> Fault:
        return cls(status=500)

    @classmethod
    def dropped(cls) -> Fault:
        return cls(drop_connection=True)

    @classmethod
    def slow(cls, delay: float) -> Fault:
        return cls(delay=delay, respond=False)

    def payload(self) -> dict[str, Any]:
        description = self.description or _default_description(self.status, self.retry_after)
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def _default_description(status: int, retry_after: int | None) -> str:
    if status == 429:
        return f"Too Many Requests: retry after {retry_after}"
    return {
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden: bot was blocked by the user",
        404: "Not Found",
        409: "Conflict",
        413: "Request Entity Too Large",
        502: "Bad Gateway",
    }.get(status, "Internal Server Error")


@dataclass(slots=True)
class _PendingFault:
    method: str  # "*" for any method
    fault: Fault
    times: int
    chat_id: Any = None

    def matches(self, method: str, params: Mapping[str, Any]) -> bool:
        if self.method != "*" and self.method.lower() != method.lower():
            return False
        return self.chat_id is None or params.get("chat_id") == self.chat_id


class _BadRequest(ValueError):
    def __init__(self, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


# --------------------------------------------------------------------------- builders


def user_object(
    user_id: int,
    *,
    first_name: str = "Test",
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = "en",
) -> dict[str, Any]:
    """A Bot API User for a human."""
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if last_name is not None:
        user["last_name"] = last_name
    if username is not None:
        user["username"] = username
    if language_code is not None:
        user["language_code"] = language_code
    return user


def _private_chat(user: Mapping[str, Any]) -> dict[str, Any]:
    chat = {"id": user["id"], "type": "private", "first_name": user.get("first_name", "User")}
    for key in ("last_name", "username"):
        if key in user:
            chat[key] = user[key]
    return chat


def message_update(
    user: Mapping[str, Any],
    text: str,
    *,
    message_id: int,
    date: int | None = None,
    update_id: int | None = None,
) -> dict[str, Any]:
    """An update with a private text message from ``user`` (a leading /command gets its entity)."""
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": int(time.time()) if date is None else date,
        "chat": _private_chat(user),
        "from": dict(user),
        "text": text,
    }
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        length = len(command.encode("utf-16-le")) // 2  # entity offsets count UTF-16 units
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    update: dict[str, Any] = {"message": message}
    if update_id is not None:
        update["update_id"] = update_id
    return update


def callback_update(
    user: Mapping[str, Any],
    data: str,
    *,
    message: Mapping[str, Any],
    callback_id: str,
    update_id: int | None = None,
) -> dict[str, Any]:
    """An update with a callback query pressed by ``user`` on ``message`` (a bot message)."""
    update: dict[str, Any] = {
        "callback_query": {
            "id": callback_id,
            "from": dict(user),
            "message": dict(message),
            "chat_instance": str(zlib.crc32(str(message["chat"]["id"]).encode())),
            "data": data,
        }
    }
    if update_id is not None:
        update["update_id"] = update_id
    return update


def poll_answer_update(
    user: Mapping[str, Any],
    poll_id: str,
    option_ids: list[int],
    *,
    option_persistent_ids: list[str] | None = None,
    update_id: int | None = None,
) -> dict[str, Any]:
    """An update with a (non-anonymous) poll answer; empty ``option_ids`` = vote retracted."""
    persistent = option_persistent_ids
    if persistent is None:
        persistent = [str(option) for option in option_ids]
    update: dict[str, Any] = {
        "poll_answer": {
            "poll_id": poll_id,
            "option_ids": list(option_ids),
            "option_persistent_ids": persistent,
            "user": dict(user),
        }
    }
    if update_id is not None:
        update["update_id"] = update_id
    return update


def _update_type(update: Mapping[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "")


def _decode_field(name: str, value: str) -> Any:
    if name in _TEXT_FIELDS:
        return value
    if name in _INT_FIELDS and _INT_RE.fullmatch(value):
        return int(value)
    if value in {"true", "false"}:
        return value == "true"
    if value[:1] in {"[", "{"}:
        with contextlib.suppress(ValueError):
            return json.loads(value)
    return value


def when_nth(
    method: str,
    n: int,
    reached: asyncio.Event,
    *,
    before: Fault | None = None,
    from_nth: Fault | None = None,
) -> Callable[[str, dict[str, Any]], Fault | None]:
    """A fault hook: sets ``reached`` when the n-th call of ``method`` arrives; calls of
    ``method`` before it get ``before``, the n-th and later ``from_nth`` (None: normal)."""
    arrived = 0

    def hook(name: str, params: dict[str, Any]) -> Fault | None:
        nonlocal arrived
        if name != method:
            return None
        arrived += 1
        if arrived < n:
            return before
        reached.set()
        return from_nth

    return hook


# --------------------------------------------------------------------------- the stub


CallPredicate = Callable[[RecordedCall], bool]
FaultHook = Callable[[str, dict[str, Any]], Fault | None]


class BotAPIStub:
    """The fake Bot API server. Use as ``async with BotAPIStub() as stub``.

    ``max_poll_timeout`` caps getUpdates' long-polling wait (tests stay fast);
    ``latency`` delays every answer (benchmarks); ``token`` makes other tokens get 401.
    Every text is checked as Telegram checks it (see tests/support/telegram_parser.py):
    ``parse_mode=HTML`` parsed by TDLib ("can't parse entities" when it refuses), then the
    length in code points against the field's limit.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        max_poll_timeout: float = 1.0,
        latency: float = 0.0,
        token: str | None = None,
        bot_user: Mapping[str, Any] | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.max_poll_timeout = max_poll_timeout
        self.latency = latency
        self.token = token
        self.bot_user: dict[str, Any] = dict(bot_user or BOT_USER)
        self._runner: web.AppRunner | None = None
        self._closing = False
        self._calls_changed = asyncio.Event()
        self._updates_changed = asyncio.Event()
        self._state_changed = asyncio.Event()
        self.waiting_pollers = 0  # getUpdates requests waiting for updates right now
        self.reset()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> Self:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("*", "/_stub/{action}", self._handle_control)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._closing = False
        return self

    async def close(self) -> None:
        self._closing = True
        self._pulse_updates()  # long polls answer [] at once
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def reset(self) -> None:
        """Forget calls, updates, messages, polls, faults and settings (not the server).

        Requests still in flight (a parked getUpdates) are answered at once and are not
        recorded, so they cannot leak into the next test."""
        self._generation = getattr(self, "_generation", 0) + 1
        self.calls: list[RecordedCall] = []
        self.confirmed_offset = 0
        self.webhook_url = ""
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._faults: list[_PendingFault] = []
        self.fault_hook: FaultHook | None = None
        self._next_message_id: dict[Any, int] = {}
        self._messages: dict[tuple[Any, int], dict[str, Any]] = {}
        self._polls: dict[str, tuple[Any, int]] = {}  # poll id -> (chat key, message id)
        self._users: dict[int, dict[str, Any]] = {}
        self._poll_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._pulse_updates()

    # ------------------------------------------------------------------ updates

    def push_update(self, update: Mapping[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates (an update_id is assigned when missing)."""
        queued = dict(update)
        if "update_id" not in queued:
            queued["update_id"] = self._next_update_id
        self._next_update_id = max(self._next_update_id, int(queued["update_id"]) + 1)
        self._updates.append(queued)
        self._updates.sort(key=lambda item: int(item["update_id"]))
        self._pulse_updates()
        return queued

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self._updates)

    def _remember_user(self, user: dict[str, Any]) -> dict[str, Any]:
        self._users[int(user["id"])] = user
        return user

    def make_message_update(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> dict[str, Any]:
        """A private text message from a user (not queued: pass it to push_update)."""
        user = self._remember_user(
            user_object(
                user_id,
                first_name=first_name,
                last_name=last_name,
                username=username,
                language_code=language_code,
            )
        )
        return message_update(user, text, message_id=self._allocate_message_id(user_id))

    def make_callback_update(
        self,
        user_id: int,
        data: str,
        *,
        message_id: int | None = None,
        first_name: str = "Test",
        language_code: str | None = "en",
    ) -> dict[str, Any]:
        """A button press by the user on a bot message in their private chat.

        ``message_id`` defaults to the newest message the stub holds for that chat; the
        stored message (text, keyboard) is used when known, else a plausible bot message.
        """
        user = self._users.get(user_id) or self._remember_user(
            user_object(user_id, first_name=first_name, language_code=language_code)
        )
        if message_id is None:
            known = [mid for (chat, mid) in self._messages if chat == user_id]
            message_id = max(known) if known else self._allocate_message_id(user_id)
        message = self._messages.get((user_id, message_id)) or {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": _private_chat(user),
            "from": self.bot_user,
            "text": "…",
        }
        callback_id = f"{user_id}{next(self._callback_ids):08d}"
        return callback_update(user, data, message=message, callback_id=callback_id)

    def make_poll_answer_update(
        self,
        user_id: int,
        poll_id: str,
        option_ids: list[int],
        *,
        first_name: str = "Test",
        language_code: str | None = "en",
    ) -> dict[str, Any]:
        """A user's answer to a (non-anonymous) poll; persistent ids from the sent poll."""
        user = self._users.get(user_id) or self._remember_user(
            user_object(user_id, first_name=first_name, language_code=language_code)
        )
        persistent: list[str] | None = None
        poll = self.poll(poll_id)
        if poll is not None:
            options = poll["options"]
            persistent = [options[i]["persistent_id"] for i in option_ids if i < len(options)]
        return poll_answer_update(user, poll_id, option_ids, option_persistent_ids=persistent)

    # ------------------------------------------------------------------ inspection

    def calls_of(self, method: str, *, ok: bool | None = None) -> list[dict[str, Any]]:
        """The params of every call of ``method`` (case-insensitive); ``ok=True``: answered
        successfully only, ``ok=False``: failed (injected faults, bad requests) only."""
        return [
            call.params
            for call in self.calls
            if call.method.lower() == method.lower() and (ok is None or call.ok is ok)
        ]

    async def wait_for(
        self, predicate: CallPredicate | str, timeout: float = 10.0, *, start: int = 0
    ) -> RecordedCall:
        """The first recorded call (from index ``start`` of :attr:`calls`) that matches:
        a predicate on :class:`RecordedCall`, or a method name. Already recorded calls count.
        Raises TimeoutError with the recent calls listed."""
        if isinstance(predicate, str):
            method = predicate.lower()
            matches: CallPredicate = lambda call: call.method.lower() == method  # noqa: E731
        else:
            matches = predicate
        index = start
        try:
            async with asyncio.timeout(timeout):
                while True:
                    changed = self._calls_changed
                    while index < len(self.calls):
                        call = self.calls[index]
                        index += 1
                        if matches(call):
                            return call
                    await changed.wait()
        except TimeoutError:
            recent = ", ".join(f"{c.method}({c.status})" for c in self.calls[-10:]) or "none"
            raise TimeoutError(
                f"no matching Bot API call within {timeout}s; last calls: {recent}"
            ) from None

    async def wait_for_count(
        self, method: str, count: int, timeout: float = 10.0, *, ok: bool | None = True
    ) -> list[dict[str, Any]]:
        """Wait until ``count`` calls of ``method`` were recorded; return their params."""
        seen = 0

        def counted(call: RecordedCall) -> bool:
            nonlocal seen
            if call.method.lower() == method.lower() and (ok is None or call.ok is ok):
                seen += 1
            return seen >= count

        await self.wait_for(counted, timeout)
        return self.calls_of(method, ok=ok)[:count]

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until ``condition()`` holds; it is checked whenever the stub's state changes
        (a call answered, a getUpdates arrives or parks, an update is queued or confirmed)."""
        async with asyncio.timeout(timeout):
            while not condition():
                await self._state_changed.wait()

    async def wait_polling(self, timeout: float = 10.0) -> None:
        """Wait until a getUpdates request is parked waiting for updates (the bot polls)."""
        await self.wait_until(lambda: self.waiting_pollers > 0, timeout)

    def message(self, chat_id: Any, message_id: int) -> dict[str, Any] | None:
        """The current state (after edits) of a message the stub holds."""
        return self._messages.get((chat_id, message_id))

    def chat_history(self, chat_id: Any) -> list[dict[str, Any]]:
        """Messages in a chat that the bot sent (and not deleted), oldest first."""
        found = [(mid, msg) for (chat, mid), msg in self._messages.items() if chat == chat_id]
        return [msg for _mid, msg in sorted(found, key=lambda item: item[0])]

    def poll(self, poll_id: str) -> dict[str, Any] | None:
        where = self._polls.get(poll_id)
        if where is None:
            return None
        message = self._messages.get(where)
        return None if message is None else message.get("poll")

    # ------------------------------------------------------------------ faults

    def fail_next(
        self,
        method: str,
        times: int = 1,
        *,
        status: int = 429,
        retry_after: int = 2,
        description: str | None = None,
        drop_connection: bool = False,
        delay: float = 0.0,
        chat_id: Any = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` ("*" = any) fail.

        ``status=429`` answers "Too Many Requests: retry after N" with
        ``parameters.retry_after`` (``retry_after`` is used with 429 only); 403 answers
        "Forbidden: bot was blocked by the user"; other statuses a generic description
        (or ``description``). ``drop_connection=True`` closes the connection without an
        answer. ``chat_id`` limits the fault to calls for that chat.
        """
        fault = Fault(
            status=status,
            description=description,
            retry_after=retry_after if status == 429 else None,
            drop_connection=drop_connection,
            delay=delay,
        )
        self._faults.append(_PendingFault(method, fault, times, chat_id))

    def clear_faults(self) -> None:
        self._faults.clear()
        self.fault_hook = None

    def _take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        for pending in self._faults:
            if pending.matches(method, params):
                pending.times -= 1
                if pending.times <= 0:
                    self._faults.remove(pending)
                return pending.fault
        if self.fault_hook is not None:
            return self.fault_hook(method, params)
        return None

    # ------------------------------------------------------------------ HTTP

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = {
            key: _decode_field(key, value) for key, value in request.query.items()
        }
        if request.content_type == "application/json":
            body = await request.json() if request.can_read_body else None
            if isinstance(body, dict):
                params.update(body)
        elif request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, FileField):
                    size = len(value.file.read())
                    params[key] = UploadedFile(value.filename, value.content_type, size)
                else:
                    params[key] = _decode_field(key, str(value))
        return params

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        at = time.monotonic()
        token, method = request.match_info["token"], request.match_info["method"]
        try:
            params = await self._read_params(request)
        except ValueError:
            params = {}
        call = RecordedCall(method=method, params=params, at=at, token=token)
        generation = self._generation
        try:
            fault = self._take_fault(method, params)
            delay = self.latency + (fault.delay if fault is not None else 0.0)
            if delay > 0:
                await asyncio.sleep(delay)
            if fault is not None and fault.drop_connection:
                if request.transport is not None:
                    request.transport.close()
                return web.Response()
            if fault is not None and fault.respond:
                call.status, call.response = fault.status, fault.payload()
            elif self.token is not None and token != self.token:
                call.status = 401
                call.response = {"ok": False, "error_code": 401, "description": "Unauthorized"}
            else:
                try:
                    result = await self._dispatch(method, params)
                except (ValueError, TypeError, KeyError, AttributeError) as error:
                    if not isinstance(error, _BadRequest):
                        error = _BadRequest(f"Bad Request: invalid parameters: {error!r}")
                    call.status = error.status
                    call.response = {
                        "ok": False,
                        "error_code": error.status,
                        "description": error.description,
                    }
                else:
                    call.status, call.response = 200, {"ok": True, "result": result}
            return web.json_response(call.response, status=call.status)
        finally:
            if generation == self._generation:
                self.calls.append(call)
                self._pulse_calls()

    def _pulse_calls(self) -> None:
        changed, self._calls_changed = self._calls_changed, asyncio.Event()
        changed.set()
        self._pulse_state()

    def _pulse_state(self) -> None:
        changed, self._state_changed = self._state_changed, asyncio.Event()
        changed.set()

    def _pulse_updates(self) -> None:
        changed, self._updates_changed = self._updates_changed, asyncio.Event()
        changed.set()
        self._pulse_state()

    # ------------------------------------------------------------------ methods

    async def _dispatch(self, method: str, params: dict[str, Any]) -> Any:
        name = method.lower()
        if name == "getupdates":
            return await self._get_updates(params)
        if name == "getme":
            return self.bot_user
        if name in {"sendchataction", "answercallbackquery", "deletemessage", "deletemessages"}:
            if name.startswith("delete"):
                chat = params.get("chat_id")
                ids = params.get("message_ids") or [params.get("message_id")]
                for message_id in ids:
                    self._messages.pop((chat, message_id), None)
            return True
        if name == "sendpoll":
            return self._send_poll(params)
        if name == "sendmediagroup":
            return [
                self._new_message(params, {item.get("type", "photo"): self._media(item)})
                for item in params.get("media") or []
            ]
        if name == "copymessage":
            return {"message_id": self._allocate_message_id(self._chat_key(params))}
        if name.startswith("send") or name == "forwardmessage":
            return self._send(name, params)
        if name.startswith("editmessage"):
            return self._edit(name, params)
        if name == "stoppoll":
            return self._stop_poll(params)
        return self._settings(name, params)

    def _settings(self, name: str, params: dict[str, Any]) -> Any:
        scope_key = (json.dumps(params.get("scope") or {}, sort_keys=True),)
        key = (scope_key[0], str(params.get("language_code") or ""))
        if name == "setmycommands":
            self.commands[key] = list(params.get("commands") or [])
        elif name == "deletemycommands":
            self.commands.pop(key, None)
        elif name == "getmycommands":
            return self.commands.get(key, [])
        elif name in {"setwebhook", "deletewebhook"}:
            self.webhook_url = str(params.get("url") or "") if name == "setwebhook" else ""
            if params.get("drop_pending_updates"):
                self._updates.clear()
        elif name == "getwebhookinfo":
            return {
                "url": self.webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }
        return True

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise _BadRequest(
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
                status=409,
            )
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = min(max(float(params.get("timeout") or 0), 0.0), self.max_poll_timeout)
        allowed = params.get("allowed_updates") or []
        if offset > 0:
            self.confirmed_offset = max(self.confirmed_offset, offset)
            self._updates = [u for u in self._updates if int(u["update_id"]) >= offset]
            self._pulse_state()
        elif offset < 0:
            self._updates = self._updates[offset:]

        def ready() -> list[dict[str, Any]]:
            if allowed:
                wanted = [u for u in self._updates if _update_type(u) in allowed]
            else:
                wanted = [u for u in self._updates if _update_type(u) not in _OPT_IN_UPDATES]
            return wanted[:limit]

        if ready() or timeout <= 0:
            return ready()
        generation = self._generation
        self.waiting_pollers += 1
        self._pulse_state()
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    while not self._closing and generation == self._generation:
                        changed = self._updates_changed
                        if ready():
                            break
                        await changed.wait()
        finally:
            self.waiting_pollers -= 1
            self._pulse_state()
        return ready()

    # messages

    def _chat_key(self, params: Mapping[str, Any]) -> Any:
        chat = params.get("chat_id")
        if chat is None or chat == "":
            raise _BadRequest("Bad Request: chat_id is empty")
        return chat

    def _chat_object(self, chat: Any) -> dict[str, Any]:
        if isinstance(chat, int) and chat > 0:
            user = self._users.get(chat, {"id": chat, "first_name": "User"})
            return _private_chat(user)
        if isinstance(chat, int):
            return {"id": chat, "type": "supergroup", "title": f"Group {chat}"}
        name = str(chat).lstrip("@")
        return {
            "id": -1_000_000_000_000 - zlib.crc32(name.encode()),
            "type": "channel",
            "title": name,
            "username": name,
        }

    def _allocate_message_id(self, chat: Any) -> int:
        message_id = self._next_message_id.get(chat, 1)
        self._next_message_id[chat] = message_id + 1
        return message_id

    def _new_message(self, params: Mapping[str, Any], content: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat_key(params)
        message_id = self._allocate_message_id(chat)
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat_object(chat),
            "from": self.bot_user,
        }
        message.update({key: value for key, value in content.items() if value is not None})
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self._messages[(chat, message_id)] = message
        return message

    def _check_text(self, field: Field, text: Any, parse_mode: Any) -> None:
        description = problem(
            field,
            None if text is None else str(text),
            parse_mode if isinstance(parse_mode, str) else None,
        )
        if description is not None:
            raise _BadRequest(f"Bad Request: {description}")

    def _media(self, value: Any, kind: str = "photo") -> Any:
        if isinstance(value, dict):
            kind, value = str(value.get("type", kind)), value.get("media")
        number = next(self._file_ids)
        file_id = value if isinstance(value, str) and not value.startswith("attach://") else None
        base: dict[str, Any] = {
            "file_id": file_id or f"{kind}-{number}",
            "file_unique_id": f"unique-{kind}-{number}",
        }
        if isinstance(value, UploadedFile):
            base["file_size"] = value.size
        if kind == "photo":
            return [{**base, "width": 800, "height": 600}]
        if kind in {"video", "animation"}:
            return {**base, "width": 640, "height": 360, "duration": 1}
        if kind in {"audio", "voice"}:
            return {**base, "duration": 1}
        if kind == "video_note":
            return {**base, "length": 240, "duration": 1}
        return base

    def _send(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        content: dict[str, Any] = {}
        if name == "sendmessage":
            self._check_text(MESSAGE_TEXT, params.get("text"), params.get("parse_mode"))
            content = {"text": params["text"], "entities": params.get("entities")}
        elif name == "forwardmessage":
            source = self._messages.get((params.get("from_chat_id"), int(params["message_id"])))
            content = {k: v for k, v in (source or {"text": "…"}).items() if k in {"text"}}
        else:
            kind = name.removeprefix("send")
            kind = "video_note" if kind == "videonote" else kind
            if kind in _MEDIA_KINDS:
                content[kind] = self._media(params.get(kind), kind)
            elif kind == "dice":
                emoji = params.get("emoji") or "🎲"
                content["dice"] = {"emoji": emoji, "value": 1 + len(self.calls) % 6}
            elif kind == "location":
                content["location"] = {
                    "latitude": float(params.get("latitude", 0)),
                    "longitude": float(params.get("longitude", 0)),
                }
        if "caption" in params:
            self._check_text(CAPTION, params.get("caption"), params.get("parse_mode"))
            content["caption"] = params["caption"]
            content["caption_entities"] = params.get("caption_entities")
        return self._new_message(params, content)

    def _send_poll(self, params: dict[str, Any]) -> dict[str, Any]:
        question = params.get("question")
        self._check_text(POLL_QUESTION, question, params.get("question_parse_mode"))
        raw_options = params.get("options")
        if not isinstance(raw_options, list) or not 1 <= len(raw_options) <= 12:
            raise _BadRequest("Bad Request: poll must have 1-12 options")
        options: list[dict[str, Any]] = []
        for index, option in enumerate(raw_options):
            text = option.get("text") if isinstance(option, dict) else option
            mode = option.get("text_parse_mode") if isinstance(option, dict) else None
            self._check_text(POLL_OPTION, text, mode)
            options.append({"persistent_id": str(index), "text": text, "voter_count": 0})
        poll_type = params.get("type") or "regular"
        correct = params.get("correct_option_ids")
        if correct is None and params.get("correct_option_id") is not None:
            correct = [params["correct_option_id"]]
        if poll_type == "quiz":
            if not correct:
                raise _BadRequest("Bad Request: quiz poll must have correct option ids")
            if any(not 0 <= int(option) < len(options) for option in correct):
                raise _BadRequest("Bad Request: wrong correct option id")
        explanation = params.get("explanation")
        self._check_text(EXPLANATION, explanation, params.get("explanation_parse_mode"))
        poll: dict[str, Any] = {
            "id": f"poll-{next(self._poll_ids)}",
            "question": question,
            "options": options,
            "total_voter_count": 0,
            "is_closed": bool(params.get("is_closed", False)),
            "is_anonymous": bool(params.get("is_anonymous", True)),
            "type": poll_type,
            "allows_multiple_answers": bool(params.get("allows_multiple_answers", False)),
            "allows_revoting": bool(params.get("allows_revoting", False)),
            "members_only": bool(params.get("members_only", False)),
        }
        if correct is not None:
            poll["correct_option_ids"] = [int(option) for option in correct]
        for key in ("explanation", "open_period", "close_date"):
            if params.get(key) is not None:
                poll[key] = params[key]
        message = self._new_message(params, {"poll": poll})
        self._polls[poll["id"]] = (self._chat_key(params), message["message_id"])
        return message

    def _edit(self, name: str, params: dict[str, Any]) -> dict[str, Any] | bool:
        if params.get("inline_message_id"):
            return True
        chat = self._chat_key(params)
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise _BadRequest("Bad Request: message identifier is not specified")
        message = self._messages.get((chat, message_id))
        if message is None:  # sent before this stub existed: make one up
            message = {
                "message_id": message_id,
                "date": int(time.time()) - 60,
                "chat": self._chat_object(chat),
                "from": self.bot_user,
                "text": "…",
            }
            self._messages[(chat, message_id)] = message
        if name == "editmessagetext":
            self._check_text(MESSAGE_TEXT, params.get("text"), params.get("parse_mode"))
            message["text"] = params["text"]
            message.pop("entities", None)
            if params.get("entities"):
                message["entities"] = params["entities"]
        elif name == "editmessagecaption":
            self._check_text(CAPTION, params.get("caption"), params.get("parse_mode"))
            message["caption"] = params.get("caption")
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            message["reply_markup"] = markup
        else:  # Telegram drops the inline keyboard when an edit does not repeat it
            message.pop("reply_markup", None)
        message["edit_date"] = int(time.time())
        return message

    def _stop_poll(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._messages.get((self._chat_key(params), int(params["message_id"])))
        if message is None or "poll" not in message:
            raise _BadRequest("Bad Request: message with poll to stop not found")
        if message["poll"]["is_closed"]:
            raise _BadRequest("Bad Request: poll has already been closed")
        message["poll"]["is_closed"] = True
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return dict(message["poll"])

    # ------------------------------------------------------------------ control API

    async def _handle_control(self, request: web.Request) -> web.StreamResponse:
        action = request.match_info["action"]
        body: Any = None
        if request.can_read_body:
            body = await request.json()
        if action == "updates" and request.method == "POST":
            items = body if isinstance(body, list) else [body]
            queued = [self.push_update(item) for item in items]
            return web.json_response({"ok": True, "update_ids": [u["update_id"] for u in queued]})
        if action == "calls":
            since = int(request.query.get("since", 0))
            method = request.query.get("method")
            calls = [
                {
                    "method": c.method,
                    "params": c.params,
                    "at": c.at,
                    "status": c.status,
                    "result": c.result,
                }
                for c in self.calls[since:]
                if method is None or c.method.lower() == method.lower()
            ]
            return web.json_response(
                {"ok": True, "calls": calls, "next": len(self.calls)}, dumps=_dumps
            )
        if action == "fail_next" and request.method == "POST":
            try:
                self.fail_next(**(body or {}))
            except TypeError as error:
                return web.json_response({"ok": False, "description": str(error)}, status=400)
            return web.json_response({"ok": True})
        if action == "reset" and request.method == "POST":
            self.reset()
            return web.json_response({"ok": True})
        if action == "stats":
            counts = Counter(call.method for call in self.calls)
            return web.json_response(
                {
                    "ok": True,
                    "calls": dict(counts),
                    "pending_updates": len(self._updates),
                    "confirmed_offset": self.confirmed_offset,
                }
            )
        return web.json_response({"ok": False, "description": "unknown action"}, status=404)


def _dumps(value: Any) -> str:
    def default(item: Any) -> Any:
        if isinstance(item, UploadedFile):
            return asdict(item)
        raise TypeError(type(item).__name__)

    return json.dumps(value, default=default)


# --------------------------------------------------------------------------- standalone


async def _serve(args: argparse.Namespace) -> None:
    stub = BotAPIStub(
        host=args.host,
        port=args.port,
        max_poll_timeout=args.max_poll_timeout,
        latency=args.latency,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with stub:
        print(stub.base_url, flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A local fake Telegram Bot API server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--max-poll-timeout", type=float, default=25.0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to answers")
    asyncio.run(_serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
