"""A cohort's group chat: /link and /unlink, /leaderboard there, the Monday post (once),
and a group the bot was removed from."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from aiogram import Bot
from aiogram.types import Chat as TgChat
from aiogram.types import ChatMemberLeft, ChatMemberMember, ChatMemberUpdated, Message, Update
from aiogram.types import User as TgUser
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.entry.app import build_i18n
from bot.rules.clock import FixedClock
from db.enums import CohortRole, DeliveryKind, DeliveryStatus, PointsReason
from db.models import (
    Cohort,
    CohortMember,
    CohortRoleRow,
    Delivery,
    PointsLedger,
    User,
)
from scheduler.cohorts import run_cohort_boards
from scheduler.report import JobReport
from scheduler.sender import Sender
from tests.cohorts.conftest import ADMIN_ID
from tests.support.botapi_stub import BotAPIStub
from tests.support.chat import Chat
from tests.support.factories import make_user

GROUP = -100
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def in_group(chat_as: Callable[..., Chat]) -> Callable[..., Chat]:
    def make(user_id: int, first_name: str = "Ada", chat_type: str = "supergroup") -> Chat:
        return chat_as(user_id, first_name, chat_type)

    return make


async def a_cohort(session: AsyncSession, code: str = "SPRING2026") -> Cohort:
    """A cohort with a mentor (Marta, 602) and two members, Bea (601, 40 points last week
    and this week) and Cy (603, hidden from the boards)."""
    cohort = Cohort(name="Spring class", code=code, created_at=MONDAY)
    session.add(cohort)
    await session.flush()
    mentor = await make_user(session, 602, first_name="Marta")
    session.add(CohortRoleRow(cohort_id=cohort.id, user_id=mentor.id, role=CohortRole.MENTOR,
                              added_at=MONDAY))  # fmt: skip
    bea = await make_user(session, 601, first_name="Bea", last_name="Secret-Surname")
    cy = await make_user(session, 603, first_name="Cy", show_on_leaderboard=False)
    for member in (bea, cy):
        session.add(CohortMember(cohort_id=cohort.id, user_id=member.id, joined_at=MONDAY))
        for week, at in enumerate((datetime(2026, 11, 25, tzinfo=UTC), MONDAY)):
            session.add(PointsLedger(user_id=member.id, points=40, reason=PointsReason.LESSON,
                                     award_key=f"k{week}", created_at=at))  # fmt: skip
    await session.commit()
    return cohort


async def link_directly(session: AsyncSession, cohort: Cohort) -> None:
    """Linked by its mentor, as /link does."""
    marta = await session.scalar(sa.select(User.id).where(User.telegram_id == 602))
    cohort.group_chat_id, cohort.group_linked_by = GROUP, marta
    await session.commit()


async def linked_chat(session: AsyncSession) -> int | None:
    return await session.scalar(
        sa.select(Cohort.group_chat_id).execution_options(populate_existing=True)
    )


async def test_a_mentor_links_a_group_which_then_shows_first_names_and_points_only(
    in_group: Callable[..., Chat], session: AsyncSession
) -> None:
    await a_cohort(session)
    marta = in_group(602, "Marta")
    await marta.send("/link SPRING2026")
    assert "This group now follows «Spring class»" in marta.last_text()
    assert await linked_chat(session) == GROUP
    await session.execute(sa.text("INSERT INTO leaderboard_cache (user_id, `rank`, total_score,"
                                  " lessons_completed, achievements_count, updated_at, week_points)"
                                  " SELECT id, 0, 80, 0, 0, '2026-11-25 00:00:00', 40 FROM users"
                                  " WHERE telegram_id = 601").execution_options())  # fmt: skip
    await session.commit()
    bea = in_group(601, "Bea")
    await bea.send("/leaderboard")
    board = bea.last_text()
    assert "🥇 Bea — 40" in board
    assert "Secret-Surname" not in board
    assert "Cy" not in board
    await marta.send("/unlink")
    assert "no longer follows «Spring class»" in marta.last_text()
    assert await linked_chat(session) is None
    await bea.send("/leaderboard")
    assert "Let's talk in private" in bea.last_text()


async def test_link_is_refused_with_a_wrong_code_to_a_non_mentor_and_in_private(
    in_group: Callable[..., Chat], session: AsyncSession
) -> None:
    await a_cohort(session)
    marta = in_group(602, "Marta")
    await marta.send("/link WRONG")
    assert "No cohort has that code" in marta.last_text()
    bea = in_group(601, "Bea")
    await bea.send("/link SPRING2026")
    assert "Only an admin or a mentor" in bea.last_text()
    stranger = in_group(777, "Zed")  # never talked to the bot
    await stranger.send("/link SPRING2026")
    assert "Only an admin or a mentor" in stranger.last_text()
    await marta.send("/link")
    assert "followed by the cohort's invite code" in marta.last_text()
    private = in_group(602, "Marta", chat_type="private")
    await private.send("/link SPRING2026")
    assert "/link works in a group" in private.last_text()
    await bea.send("/unlink")
    assert "not linked" in bea.last_text()
    assert await linked_chat(session) is None


async def test_an_admin_links_and_a_channel_post_is_ignored(
    in_group: Callable[..., Chat], session: AsyncSession
) -> None:
    await a_cohort(session)
    await make_user(session, ADMIN_ID, first_name="Ann")
    await session.commit()
    admin = in_group(ADMIN_ID, "Ann")
    channel_post = Message(message_id=1, date=MONDAY, text="/link SPRING2026",
                           chat=TgChat(id=-200, type="channel"))  # fmt: skip
    sent = await admin.feed(Update(update_id=990_001, channel_post=channel_post))
    assert sent == []
    assert await linked_chat(session) is None
    await admin.send("/link join-SPRING2026")
    assert "now follows" in admin.last_text()


async def test_the_bot_removed_from_a_linked_group_unlinks_it(
    in_group: Callable[..., Chat], session: AsyncSession
) -> None:
    await a_cohort(session)
    marta = in_group(602, "Marta")
    await marta.send("/link SPRING2026")
    bot_user = TgUser(id=4242, is_bot=True, first_name="LearnBot")
    removed = ChatMemberUpdated(
        chat=marta.chat, from_user=marta.user, date=MONDAY,
        old_chat_member=ChatMemberMember(user=bot_user),
        new_chat_member=ChatMemberLeft(user=bot_user),
    )  # fmt: skip
    await marta.feed(Update(update_id=990_002, my_chat_member=removed))
    assert await linked_chat(session) is None


# ------------------------------------------------------------------ Monday


@pytest.fixture
async def job_at(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    stub: BotAPIStub,
    api_bot: Bot,
) -> Callable[[datetime], Awaitable[JobReport]]:
    """The cohort-boards job as of an instant, on the Bot API stand-in, with the cohort
    linked to GROUP."""
    stub.reset()
    await link_directly(session, await a_cohort(session))

    async def run(at: datetime) -> JobReport:
        clock = FixedClock(at)
        sender = Sender(api_bot, session_factory, clock, rate=1000, per_chat_interval=0)
        return await run_cohort_boards(session_factory, sender, clock, build_i18n())

    return run


async def test_the_monday_post_goes_once_with_last_weeks_board(
    session: AsyncSession, stub: BotAPIStub, job_at: Callable[[datetime], Awaitable[JobReport]]
) -> None:
    first = await job_at(MONDAY)
    again = await job_at(MONDAY)
    assert first.outcomes == {"SENT": 1}
    assert again.claimed == 0
    posts = [c for c in stub.calls if c.method == "sendMessage" and c.chat_id == GROUP]
    assert len(posts) == 1
    text = posts[0].params["text"]
    assert "Spring class · the week of 2026-11-23" in text
    assert "🥇 Bea — 40" in text
    assert "Cy" not in text
    rows = (await session.execute(sa.select(Delivery.kind, Delivery.status))).all()
    assert rows == [(DeliveryKind.COHORT_BOARD, DeliveryStatus.SENT)]


async def test_no_post_on_other_days(job_at: Callable[[datetime], Awaitable[JobReport]]) -> None:
    report = await job_at(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    assert report.claimed == 0


async def test_a_403_from_a_removed_group_unlinks_it_and_is_not_retried(
    session: AsyncSession, stub: BotAPIStub, job_at: Callable[[datetime], Awaitable[JobReport]]
) -> None:
    stub.fail_next("sendMessage", status=403, chat_id=GROUP)
    report = await job_at(MONDAY)
    assert report.outcomes == {"BLOCKED": 1}
    assert await linked_chat(session) is None
    again = await job_at(MONDAY)
    assert again.claimed == 0
    attempts = [c for c in stub.calls if c.method == "sendMessage" and c.chat_id == GROUP]
    assert len(attempts) == 1
    blocked = await session.scalar(
        sa.select(sa.func.count()).select_from(User).where(User.blocked_at.is_not(None))
    )
    assert blocked == 0  # a group is no learner: nobody is marked blocked
