"""Scheduled jobs, travelling in time with the injected clock.

Learners in UTC−10, UTC+5:30, UTC+13, Europe/Berlin and America/New_York (across
both daylight-saving changes) each get exactly one daily lesson per local day, at
their local lesson time, and at most one streak reminder; none when reminders are
off, the course is done, they blocked the bot or they already learned that day.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from aiogram import Bot
from aiogram.methods import SendMessage
from aiogram.types import ChatMemberBanned, ChatMemberMember, ChatMemberUpdated, Update
from aiogram.types import User as TgUser
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.entry.app import build_i18n
from bot.entry.offline import OfflineSession
from bot.rules.clock import FixedClock
from bot.rules.course import CourseCache
from bot.telegram.callbacks import LessonCb
from db.enums import DeliveryKind, DeliveryStatus, ProgressStatus
from db.models import Delivery, User, UserProgress, UserStats
from scheduler.jobs import Jobs
from scheduler.sender import Sender
from tests.support.chat import Chat
from tests.support.factories import make_course, make_user

ZONES = ["Pacific/Honolulu", "Asia/Kolkata", "Pacific/Tongatapu", "Europe/Berlin",
         "America/New_York"]  # fmt: skip
LESSON_MINUTE = 9 * 60


@pytest.fixture
def jobs(
    session_factory: async_sessionmaker[AsyncSession],
    bot: Bot,
    clock: FixedClock,
) -> Jobs:
    sender = Sender(bot, session_factory, clock, rate=1000, per_chat_interval=0)
    return Jobs(session_factory, sender, clock, build_i18n(), CourseCache(ttl=0))


def ticks(start: str, hours: int, every: timedelta = timedelta(minutes=30)) -> Iterator[datetime]:
    at = datetime.fromisoformat(start).replace(tzinfo=UTC)
    for step in range(int(timedelta(hours=hours) / every)):
        yield at + step * every


def pushes(offline: OfflineSession) -> list[SendMessage]:
    return [call for call in offline.calls if isinstance(call, SendMessage)]


async def learners(session: AsyncSession, **fields: object) -> dict[int, str]:
    """One learner per zone, lesson time 09:00 local; telegram id -> zone."""
    by_id = {}
    for index, zone in enumerate(ZONES):
        user = await make_user(session, 100 + index, zone=zone, lesson_minute=LESSON_MINUTE,
                               **fields)  # fmt: skip
        session.add(UserStats(user_id=user.id, updated_at=datetime(2026, 1, 1, tzinfo=UTC)))
        by_id[user.telegram_id] = zone
    await session.commit()
    return by_id


@pytest.mark.parametrize(
    "start",
    [
        "2026-03-07T00:00",  # New York springs forward on 8 March
        "2026-03-28T00:00",  # Berlin springs forward on 29 March
        "2026-10-24T00:00",  # Berlin falls back on 25 October
        "2026-10-31T00:00",  # New York falls back on 1 November
    ],
)
async def test_one_daily_lesson_per_local_day_at_the_local_time(
    session: AsyncSession, jobs: Jobs, clock: FixedClock, offline_session: OfflineSession,
    start: str,
) -> None:  # fmt: skip
    await make_course(session, [3])
    zones = await learners(session)
    received: dict[tuple[int, date], list[datetime]] = defaultdict(list)
    for at in ticks(start, hours=72):
        clock.set(at)
        before = len(pushes(offline_session))
        await jobs.daily_lessons()
        for push in pushes(offline_session)[before:]:
            local = at.astimezone(ZoneInfo(zones[int(push.chat_id)]))
            received[(int(push.chat_id), local.date())].append(local)
    assert all(len(times) == 1 for times in received.values()), received
    for (_chat, day), (local,) in received.items():
        assert local.date() == day
        minute = local.hour * 60 + local.minute
        assert LESSON_MINUTE <= minute < LESSON_MINUTE + 30, local
    for chat in zones:  # every learner, every local day fully inside the window
        assert len({day for (c, day) in received if c == chat}) >= 2
    texts = [push.text for push in pushes(offline_session)]
    assert all("Lesson 1.1" in text for text in texts)


async def test_a_rerun_at_the_same_instant_sends_nothing_more(
    session: AsyncSession, jobs: Jobs, clock: FixedClock, offline_session: OfflineSession
) -> None:
    await make_course(session, [1])
    await learners(session)
    clock.set(datetime(2026, 6, 1, 19, 30, tzinfo=UTC))  # 09:30 in Honolulu
    first = await jobs.daily_lessons()
    second = await jobs.daily_lessons()
    assert first.outcomes == {"SENT": 1}
    assert second.outcomes == {}
    assert len(pushes(offline_session)) == 1


async def test_nobody_is_pushed_when_reminders_are_off_blocked_done_or_active(
    session: AsyncSession, jobs: Jobs, clock: FixedClock, offline_session: OfflineSession
) -> None:
    modules = await make_course(session, [1])
    lesson = modules[0].lessons[0]
    now = datetime(2026, 6, 1, 7, 15, tzinfo=UTC)  # 09:15 in Berlin
    base = {"zone": "Europe/Berlin", "lesson_minute": LESSON_MINUTE}
    off = await make_user(session, 1, reminders_enabled=False, **base)  # type: ignore[arg-type]
    blocked = await make_user(session, 2, blocked_at=now, **base)  # type: ignore[arg-type]
    done = await make_user(session, 3, **base)  # type: ignore[arg-type]
    active = await make_user(session, 4, **base)  # type: ignore[arg-type]
    due = await make_user(session, 5, **base)  # type: ignore[arg-type]
    session.add(UserProgress(user_id=done.id, lesson_id=lesson.id, status=ProgressStatus.COMPLETED,
                             completed_at=now - timedelta(days=3)))  # fmt: skip
    session.add(UserStats(user_id=active.id, last_active_date=date(2026, 6, 1), current_streak=1,
                          updated_at=now))  # fmt: skip
    await session.commit()
    clock.set(now)
    await jobs.daily_lessons()
    assert [int(p.chat_id) for p in pushes(offline_session)] == [due.telegram_id]
    assert {off.id, blocked.id} - {due.id}  # the others exist and were skipped


async def test_a_missed_slot_is_sent_late_within_the_grace_period_only(
    session: AsyncSession, jobs: Jobs, clock: FixedClock, offline_session: OfflineSession
) -> None:
    await make_course(session, [1])
    await make_user(session, 1, zone="UTC", lesson_minute=LESSON_MINUTE)
    await make_user(session, 2, zone="Asia/Kolkata", lesson_minute=LESSON_MINUTE)
    await session.commit()
    clock.set(datetime(2026, 6, 1, 11, 45, tzinfo=UTC))  # UTC 11:45 (late), Kolkata 17:15
    await jobs.daily_lessons()
    assert [int(p.chat_id) for p in pushes(offline_session)] == [1]


async def test_a_claimed_but_unsent_push_is_sent_by_the_next_run(
    session: AsyncSession, jobs: Jobs, clock: FixedClock, offline_session: OfflineSession
) -> None:
    await make_course(session, [1])
    user = await make_user(session, 1, zone="UTC", lesson_minute=LESSON_MINUTE)
    now = datetime(2026, 6, 1, 9, 5, tzinfo=UTC)
    session.add(Delivery(user_id=user.id, kind=DeliveryKind.DAILY_LESSON, dedup_key="2026-06-01",
                         status=DeliveryStatus.PENDING, claimed_at=now))  # fmt: skip
    await session.commit()
    clock.set(now + timedelta(minutes=1))
    report = await jobs.daily_lessons()
    assert report.outcomes == {"SENT": 1}
    assert len(pushes(offline_session)) == 1
    status = await session.scalar(sa.select(Delivery.status))
    assert status is DeliveryStatus.SENT


async def test_streak_reminder_once_in_the_evening_for_a_streak_at_risk(
    session: AsyncSession, jobs: Jobs, clock: FixedClock, offline_session: OfflineSession
) -> None:
    await make_course(session, [2])
    at_risk = await make_user(session, 1, zone="America/New_York", language="ru")
    safe = await make_user(session, 2, zone="America/New_York")
    lapsed = await make_user(session, 3, zone="America/New_York")
    day = date(2026, 11, 2)
    session.add_all([
        UserStats(user_id=at_risk.id, current_streak=4, longest_streak=4,
                  last_active_date=day - timedelta(days=1), updated_at=datetime.now(UTC)),
        UserStats(user_id=safe.id, current_streak=5, longest_streak=5, last_active_date=day,
                  updated_at=datetime.now(UTC)),
        UserStats(user_id=lapsed.id, current_streak=9, longest_streak=9,
                  last_active_date=day - timedelta(days=3), updated_at=datetime.now(UTC)),
    ])  # fmt: skip
    await session.commit()
    for at in ticks("2026-11-02T12:00", hours=24, every=timedelta(minutes=15)):
        clock.set(at)
        await jobs.streak_reminders()
    sent = pushes(offline_session)
    assert [int(p.chat_id) for p in sent] == [at_risk.telegram_id]
    assert "4" in sent[0].text
    assert "полночь" in sent[0].text  # in the learner's language
    lapsed_stats = await session.get(UserStats, lapsed.id, populate_existing=True)
    assert lapsed_stats is not None
    assert lapsed_stats.current_streak == 0  # lowered, never raised
    assert lapsed_stats.longest_streak == 9


async def test_a_push_names_the_lesson_and_opens_it(
    session: AsyncSession, jobs: Jobs, clock: FixedClock, offline_session: OfflineSession
) -> None:
    modules = await make_course(session, [1])
    lesson_id = modules[0].lessons[0].id
    await make_user(session, 1, zone="UTC", lesson_minute=LESSON_MINUTE, first_name="<b>x</b>")
    await session.commit()
    clock.set(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    await jobs.daily_lessons()
    (push,) = pushes(offline_session)
    assert "Lesson 1.1" in push.text
    markup = push.reply_markup
    assert markup is not None
    assert markup.inline_keyboard[0][0].callback_data == LessonCb(lesson_id=lesson_id).pack()


async def test_blocking_the_bot_stops_pushes_until_the_learner_comes_back(
    session: AsyncSession, make_chat: Callable[..., Chat], clock: FixedClock
) -> None:
    chat = make_chat(user_id=321)
    await chat.send("/start")

    def member_update(old: str, new: str) -> Update:
        user = chat.user
        return Update(
            update_id=next(UPDATE_IDS),
            my_chat_member=ChatMemberUpdated(
                chat=chat.chat, from_user=user, date=clock.now(),
                old_chat_member=member(old, user), new_chat_member=member(new, user),
            ),
        )  # fmt: skip

    async def blocked() -> bool:
        await session.rollback()  # a fresh snapshot: the bot wrote in its own transactions
        return await session.scalar(sa.select(User.blocked_at)) is not None

    await chat.feed(member_update("member", "kicked"))
    assert await blocked()
    await chat.send("/start")  # writing again means they unblocked the bot
    assert not await blocked()
    await chat.feed(member_update("kicked", "member"))
    await chat.feed(member_update("member", "kicked"))
    assert await blocked()
    await chat.feed(member_update("kicked", "member"))
    assert not await blocked()


UPDATE_IDS = itertools.count(900_000)


def member(status: str, user: TgUser) -> ChatMemberMember | ChatMemberBanned:
    if status == "kicked":
        return ChatMemberBanned(user=user, until_date=0)
    return ChatMemberMember(user=user)
