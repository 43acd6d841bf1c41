"""Reading one person's side of a shared offline chat: what they were sent, their buttons."""

from __future__ import annotations

from typing import Any

from aiogram.methods import TelegramMethod
from aiogram.types import InlineKeyboardMarkup

from tests.support.chat import Chat


def sent_to(chat: Chat) -> list[TelegramMethod[Any]]:
    """Every call the bot made to this person's chat, oldest first."""
    return [m for m in chat.session.calls if getattr(m, "chat_id", None) == chat.user.id]


def last(chat: Chat) -> str:
    """The latest text this person was sent (a chat's own `last_text` sees every chat)."""
    return chat.texts(sent_to(chat))[-1]


def keys(chat: Chat) -> list[tuple[str, str]]:
    for method in reversed(sent_to(chat)):
        markup = getattr(method, "reply_markup", None)
        if isinstance(markup, InlineKeyboardMarkup):
            return [(b.text, b.callback_data or "") for row in markup.inline_keyboard for b in row]
    return []


async def press(chat: Chat, label: str) -> list[TelegramMethod[Any]]:
    """Press the button labelled `label` on the latest keyboard this person was sent."""
    for text, data in reversed(keys(chat)):
        if label in text:
            return await chat.press(data)
    raise AssertionError(f"no button like {label!r} in {keys(chat)}")
