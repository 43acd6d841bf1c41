"""A Bot API session that never leaves the process.

It records every method the bot calls and answers with plausible results, so the
real dispatcher and handlers run without Telegram: `learnbot demo`, the handler
tests and the update benchmark all use it.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import (
    EditMessageReplyMarkup,
    EditMessageText,
    GetFile,
    GetMe,
    SendDocument,
    SendMessage,
    SendPhoto,
    SendPoll,
    SendVideo,
    SendVoice,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import (
    Chat,
    Document,
    File,
    InputFile,
    Message,
    PhotoSize,
    Poll,
    PollOption,
    User,
)

BOT_USER = User(id=4242, is_bot=True, first_name="LearnBot", username="learnbot_demo_bot")


class OfflineSession(BaseSession):
    def __init__(self, *, poll_prefix: str | None = None) -> None:
        super().__init__()
        # Poll ids are unique in the database, which outlives a session (the demo's file is
        # kept between runs): each session numbers its polls under a prefix of its own.
        self.poll_prefix = poll_prefix or f"poll-{uuid.uuid4().hex[:12]}"
        self.calls: list[TelegramMethod[Any]] = []
        self.results: list[Any] = []  # what each call returned, in step with `calls`
        self.files: dict[str, bytes] = {}  # file_id -> content, for getFile and downloads
        self.uploads: dict[str, bytes] = {}  # file name -> content of each document or photo sent
        self._message_ids = itertools.count(1)
        self._poll_ids = itertools.count(1)

    async def close(self) -> None:
        return None

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        yield self.files.get(url.rsplit("/", 1)[-1], b"")

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        self.calls.append(method)
        upload = _upload(method)
        if upload is not None:
            chunks = [chunk async for chunk in upload.read(bot)]
            self.uploads[upload.filename or "document"] = b"".join(chunks)
        result = self._result(method)
        self.results.append(result)
        return result  # type: ignore[no-any-return]

    def _result(self, method: TelegramMethod[Any]) -> Any:
        if isinstance(method, GetMe):
            return BOT_USER
        if isinstance(method, GetFile):
            size = len(self.files.get(method.file_id, b""))
            return File(
                file_id=method.file_id,
                file_unique_id=method.file_id,
                file_size=size,
                file_path=method.file_id,
            )
        if isinstance(method, SendMessage):
            return self._message(method.chat_id, text=method.text)
        if isinstance(method, SendPhoto):
            photo = [PhotoSize(file_id="photo", file_unique_id="photo", width=1, height=1)]
            return self._message(method.chat_id, photo=photo, caption=method.caption)
        if isinstance(method, SendDocument):
            document = Document(file_id="document", file_unique_id="document")
            return self._message(method.chat_id, document=document, caption=method.caption)
        if isinstance(method, SendVoice | SendVideo):  # an assignment's media, re-sent by file_id
            return self._message(method.chat_id, caption=method.caption)
        if isinstance(method, SendPoll):
            return self._message(method.chat_id, poll=self._poll(method))
        if isinstance(method, EditMessageText | EditMessageReplyMarkup):
            if method.chat_id is None or method.message_id is None:
                return True
            text = method.text if isinstance(method, EditMessageText) else None
            return self._message(method.chat_id, message_id=method.message_id, text=text)
        return True

    def _message(self, chat_id: int | str, message_id: int | None = None, **fields: Any) -> Message:
        return Message(
            message_id=message_id if message_id is not None else next(self._message_ids),
            date=datetime.now(UTC),
            chat=Chat(id=int(chat_id), type="private"),
            from_user=BOT_USER,
            **fields,
        )

    def _poll(self, method: SendPoll) -> Poll:
        texts = [option if isinstance(option, str) else option.text for option in method.options]
        return Poll(
            id=f"{self.poll_prefix}-{next(self._poll_ids)}",
            question=method.question,
            options=[
                PollOption(persistent_id=str(i), text=text, voter_count=0)
                for i, text in enumerate(texts)
            ],
            total_voter_count=0,
            is_closed=False,
            is_anonymous=bool(method.is_anonymous),
            type=method.type or "regular",
            allows_multiple_answers=bool(method.allows_multiple_answers),
            allows_revoting=False,
            members_only=False,
            correct_option_ids=method.correct_option_ids,
            explanation=method.explanation,
        )


def _upload(method: TelegramMethod[Any]) -> InputFile | None:
    """The file a method uploads (a document or a photo), if it uploads one."""
    if isinstance(method, SendDocument) and isinstance(method.document, InputFile):
        return method.document
    if isinstance(method, SendPhoto) and isinstance(method.photo, InputFile):
        return method.photo
    return None
