"""/leaderboard's tabs as a learner sees them, in both languages (every text parsed by
TDLib): today, this week, this month and all time with their own rank below the top 10,
the kept board of last week, the best week in /progress; each board read in two
statements (one for a kept board) beside the learner's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.rules.clock import FixedClock
from bot.rules.motivation.leaderboard_refresh import refresh_leaderboard
from bot.telegram.callbacks import BoardCb, BoardTab
from db.models import User
from tests.support.boards import award, learners_with_points
from tests.support.chat import Chat
from tests.support.engine_events import recorded
from tests.support.flows import onboard

MakeChat = Callable[..., Chat]
HOSTILE = "<i>Zoë</i> & 🔥"
LAST_WEEK = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)  # 2026-W47
# (language, the titles of today's, this week's, this month's and the all-time board,
# own rank, the kept board's title, the best week)
WORDS = {
    "en": ("Today's leaderboard", "This week's leaderboard", "This month's leaderboard",
           "All-time leaderboard", "Your rank: #12 with 5 points",
           "Last week's leaderboard</b> · 2026-W47", "Best week: #2, 2026-W47"),
    "ru": ("Рейтинг дня", "Рейтинг недели", "Рейтинг месяца", "Рейтинг за всё время",
           "Твоё место: #12, очки: 5", "Рейтинг прошлой недели</b> · 2026-W47",
           "Лучшая неделя: #2, 2026-W47"),
}  # fmt: skip


def board_reads(statements: list[tuple[object, ...]]) -> list[str]:
    """The statements that read a board (the learner's own are the middleware's)."""
    return [str(args[2]) for args in statements if "leaderboard_" in str(args[2])]


@pytest.fixture(params=["en", "ru"])
def language(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def eleven_ahead_and_me(
    session_factory: async_sessionmaker[AsyncSession], chat: Chat, clock: FixedClock
) -> None:
    """Eleven learners with more points today than the chat's learner (5), who was second
    in 2026-W47; the boards refreshed over that week's end."""
    async with session_factory() as session, session.begin():
        me = await session.scalar(sa.select(User).where(User.telegram_id == chat.user.id))
        assert me is not None
        ahead = await learners_with_points(session, [0] * 11)
        await refresh_leaderboard(session, LAST_WEEK)
        await award(session, ahead[0], 9, LAST_WEEK, "w47-ahead")
        await award(session, me, 4, LAST_WEEK, "w47-me")
        for index, user in enumerate(ahead):
            await award(session, user, 10 + index, clock.now(), "today")
        await award(session, me, 1, clock.now(), "today")
        await refresh_leaderboard(session, clock.now())


async def test_every_tab_shows_its_board_and_my_rank_below_the_top_ten(
    session_factory: async_sessionmaker[AsyncSession],
    make_chat: MakeChat,
    language: str,
    clock: FixedClock,
    engine: AsyncEngine,
) -> None:
    chat = make_chat(first_name=HOSTILE, language_code=language)
    await onboard(chat)
    await eleven_ahead_and_me(session_factory, chat, clock)
    today, week, month, all_time, mine, kept, _best = WORDS[language]
    text = chat.texts(await chat.send("/leaderboard"))[0]
    assert all_time in text
    assert mine in text
    assert len(chat.buttons()) == 6
    for tab, title, own in (
        (BoardTab.TODAY, today, "Your rank: #12 with 1 points"),
        (BoardTab.WEEK, week, "Your rank: #12 with 1 points"),
        (BoardTab.MONTH, month, mine),
    ):
        with recorded(engine, "before_cursor_execute") as statements:
            text = chat.texts(await chat.press(BoardCb(tab=tab).pack()))[0]
        assert len(board_reads(statements)) == 2  # the top ten, the learner's own rank
        assert title in text
        assert "🥇 L10 — 20" in text
        assert own in text if language == "en" else "#12" in text
    with recorded(engine, "before_cursor_execute") as statements:
        text = chat.texts(await chat.press(BoardCb(tab=BoardTab.LAST_WEEK).pack()))[0]
    assert len(board_reads(statements)) == 1
    assert kept in text
    assert "🥇 L0 — 9" in text
    assert "<b>🥈 &lt;i&gt;Zoë&lt;/i&gt; &amp; 🔥 — 4</b>" in text


async def test_an_empty_kept_board_says_so_and_progress_shows_the_best_week(
    session_factory: async_sessionmaker[AsyncSession],
    make_chat: MakeChat,
    language: str,
    clock: FixedClock,
) -> None:
    chat = make_chat(language_code=language)
    await onboard(chat)
    month = chat.texts(await chat.press(BoardCb(tab=BoardTab.LAST_MONTH).pack()))[0]
    assert ("nobody earned points then" if language == "en" else "никто не набрал очков") in month
    assert "2026-10" in month
    await eleven_ahead_and_me(session_factory, chat, clock)
    progress = chat.texts(await chat.send("/progress"))[0]
    assert WORDS[language][-1] in progress
