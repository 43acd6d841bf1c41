"""Playing a learner against the real dispatcher, with a recording Bot API session.

`Chat` builds updates the way Telegram sends them, feeds them through
`Dispatcher.feed_update`, and keeps what the bot sent, so tests read like a
conversation and assert on what the learner sees. Every text the bot sends is parsed
by TDLib, as Telegram would (tests/support/telegram_parser.py).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageText,
    SendMessage,
    SendPoll,
    TelegramMethod,
)
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    PollAnswer,
    Update,
    User,
)
from aiogram.types import (
    Chat as TgChat,
)

from bot.entry.offline import OfflineSession
from tests.support.checked_bot import problems_of

_update_ids = itertools.count(1)


@dataclass
class Chat:
    dispatcher: Dispatcher
    bot: Bot
    session: OfflineSession
    user: User
    chat_type: str = "private"
    sent: list[TelegramMethod[Any]] = field(default_factory=list)
    last_message_id: int = 0

    @property
    def chat(self) -> TgChat:
        return TgChat(id=self.user.id if self.chat_type == "private" else -100, type=self.chat_type)

    async def feed(self, update: Update) -> list[TelegramMethod[Any]]:
        before = len(self.session.calls)
        await self.dispatcher.feed_update(self.bot, update)
        new = self.session.calls[before:]
        for method in new:
            problems = problems_of(method, self.bot.default.parse_mode)
            assert not problems, problems
        self.sent.extend(new)
        return new

    async def send(self, text: str, **message_fields: Any) -> list[TelegramMethod[Any]]:
        message = Message(
            message_id=next(_update_ids) + 100_000,
            date=datetime.now(UTC),
            chat=self.chat,
            from_user=self.user,
            text=text,
            **message_fields,
        )
        return await self.feed(Update(update_id=next(_update_ids), message=message))

    async def send_message(self, **message_fields: Any) -> list[TelegramMethod[Any]]:
        message = Message(
            message_id=next(_update_ids) + 100_000,
            date=datetime.now(UTC),
            chat=self.chat,
            from_user=self.user,
            **message_fields,
        )
        return await self.feed(Update(update_id=next(_update_ids), message=message))

    async def press(self, data: str, message_id: int = 1) -> list[TelegramMethod[Any]]:
        message = Message(message_id=message_id, date=datetime.now(UTC), chat=self.chat)
        callback = CallbackQuery(
            id=str(next(_update_ids)),
            from_user=self.user,
            chat_instance="test",
            message=message,
            data=data,
        )
        return await self.feed(Update(update_id=next(_update_ids), callback_query=callback))

    async def press_button(self, label_part: str) -> list[TelegramMethod[Any]]:
        """Press the button whose label contains `label_part` on the latest keyboard."""
        for label, data in reversed(self.buttons()):
            if label_part in label:
                return await self.press(data)
        raise AssertionError(f"no button like {label_part!r} in {self.buttons()}")

    async def answer_poll(self, poll_id: str, option_ids: list[int]) -> list[TelegramMethod[Any]]:
        answer = PollAnswer(
            poll_id=poll_id,
            option_ids=option_ids,
            option_persistent_ids=[str(i) for i in option_ids],
            user=self.user,
        )
        return await self.feed(Update(update_id=next(_update_ids), poll_answer=answer))

    # -------------------------------------------------------------- reading

    def texts(self, methods: list[TelegramMethod[Any]] | None = None) -> list[str]:
        return [
            m.text
            for m in (self.sent if methods is None else methods)
            if isinstance(m, SendMessage | EditMessageText)
        ]

    def last_text(self) -> str:
        texts = self.texts()
        assert texts, "the bot sent no text"
        return texts[-1]

    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback data) of the latest message that had a keyboard."""
        for method in reversed(self.sent):
            markup = getattr(method, "reply_markup", None)
            if isinstance(markup, InlineKeyboardMarkup):
                return [
                    (button.text, button.callback_data or "")
                    for row in markup.inline_keyboard
                    for button in row
                ]
        return []

    def polls(self, methods: list[TelegramMethod[Any]] | None = None) -> list[SendPoll]:
        return [m for m in (self.sent if methods is None else methods) if isinstance(m, SendPoll)]

    def poll_ids(self) -> list[str]:
        """Telegram's ids of every poll the bot sent, oldest first."""
        return [
            result.poll.id
            for result in self.session.results
            if isinstance(result, Message) and result.poll is not None
        ]

    def alerts(self, methods: list[TelegramMethod[Any]]) -> list[str]:
        return [m.text or "" for m in methods if isinstance(m, AnswerCallbackQuery) and m.text]
