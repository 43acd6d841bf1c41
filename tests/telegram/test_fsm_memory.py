"""Conversation state without Redis: only conversations under way are held in memory."""

from __future__ import annotations

from collections.abc import Callable

from aiogram import Dispatcher
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy.ext.asyncio import AsyncSession

from bot.telegram.fsm_memory import ConversationsInMemory
from tests.support.chat import Chat
from tests.support.factories import make_course
from tests.support.flows import onboard

MakeChat = Callable[..., Chat]


async def test_learners_who_are_done_talking_leave_nothing_in_memory(
    session: AsyncSession, dispatcher: Dispatcher, make_chat: MakeChat
) -> None:
    await make_course(session, [2])
    await session.commit()
    storage = dispatcher.storage
    assert isinstance(storage, ConversationsInMemory)
    halfway = make_chat(user_id=900)
    await halfway.send("/start")
    await halfway.press_button("Berlin")  # the lesson time is still to choose
    assert len(storage.storage) == 1
    for n in range(5):
        chat = make_chat(user_id=910 + n)
        await onboard(chat)
        for command in ("/learn", "/modules", "/progress", "/help"):
            await chat.send(command)
    assert len(storage.storage) == 1  # the one still onboarding, no one else
    await halfway.press_button("09:00")
    assert storage.storage == {}
    assert "Lesson 1.1" in halfway.texts(await halfway.send("/learn"))[0]


async def test_reading_a_chat_nobody_wrote_to_creates_nothing() -> None:
    storage = ConversationsInMemory()
    key = StorageKey(bot_id=42, chat_id=7, user_id=7)
    assert await storage.get_state(key) is None
    assert await storage.get_data(key) == {}
    assert await storage.get_value(key, "draft", "none") == "none"
    assert storage.storage == {}
    await storage.set_data(key, {"draft": 1})
    assert await storage.get_value(key, "draft") == 1
    await storage.set_data(key, {})
    assert storage.storage == {}
