"""A one-course school whose course offers a placement check, and a learner taking it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Course, Module
from tests.support.chat import Chat
from tests.support.factories import make_course
from tests.support.flows import onboard


@pytest.fixture
async def placed(session: AsyncSession) -> list[Module]:
    """Modules 1, 2, 3 (2, 2 and 1 lessons of 2 questions each, each module requiring the one
    before); the course's check asks 2 questions per module."""
    modules = await make_course(session, [2, 2, 1])
    course = await session.get(Course, modules[0].course_id)
    assert course is not None
    course.placement_per_module = 2
    await session.commit()
    return modules


def module_of(poll_question: str) -> int:
    """The module a factory question belongs to: "🧪 3/5 · Question 1 of 2.1?" -> 2."""
    return int(poll_question.rsplit(" of ", 1)[1].split(".")[0])


async def take_check(chat: Chat, right_in: set[int]) -> list[str]:
    """Press "Check what I know", then answer every poll: right in the modules `right_in`,
    wrong elsewhere. The texts sent after the last answer."""
    sent = await chat.press_button("Check what I know")
    while True:
        polls = chat.polls(sent)
        if not polls:
            return chat.texts(sent)
        sent = await chat.answer_last_poll(right=module_of(polls[-1].question) in right_in)


OnboardedChat = Callable[..., Awaitable[Chat]]


@pytest.fixture
def learner(make_chat: Callable[..., Chat], placed: list[Module]) -> OnboardedChat:
    """A learner onboarded into the course: the choice is the last thing the bot said."""

    async def make(user_id: int = 501) -> Chat:
        chat = make_chat(user_id=user_id)
        await onboard(chat)
        return chat

    return make
