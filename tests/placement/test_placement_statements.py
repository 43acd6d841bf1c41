"""What the check costs the database: its start and each answer in a few statements."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.placement.conftest import OnboardedChat
from tests.support.engine_events import recorded


def _added(statements: list[tuple[object, ...]], baseline: list[tuple[object, ...]]) -> list[str]:
    return [str(args[2]).split("\n")[0] for args in statements[len(baseline) :]]


async def test_starting_the_check_and_answering_take_a_few_statements_each(
    learner: OnboardedChat, engine: AsyncEngine
) -> None:
    """Beyond what any update costs (an unknown command's statements): the start reads the
    check and the lessons done and writes the check and its first poll; an answer is looked
    up by the lesson quiz and review routers first (one read each), then reads the check
    under a lock and writes the answer and the next poll. The last answer also reads the
    progress, marks the tested-out lessons, closes the check and writes the review cards."""
    chat = await learner()
    with recorded(engine, "before_cursor_execute") as baseline:
        await chat.send("/frobnicate")
    with recorded(engine, "before_cursor_execute") as start:
        await chat.press_button("Check what I know")
    with recorded(engine, "before_cursor_execute") as answer:
        await chat.answer_last_poll(right=True)
    assert len(chat.polls()) == 2
    added = _added(start, baseline)
    assert len(start) - len(baseline) <= 4, added
    added = _added(answer, baseline)
    assert len(answer) - len(baseline) <= 5, added
    for _ in range(4):
        await chat.answer_last_poll(right=True)
    with recorded(engine, "before_cursor_execute") as last:
        await chat.answer_last_poll(right=False)
    assert "Placement check: done" in chat.last_text()
    added = _added(last, baseline)
    assert len(last) - len(baseline) <= 11, added
