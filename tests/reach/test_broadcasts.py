"""/broadcast: compose, preview, send in the background, stop, resume, one copy per learner.

The chat side runs through the real dispatcher (tests/support/chat.py); delivery is the scheduler's
`broadcasts` job with the real Sender, over the offline bot or, for 429 and 403, over the
Bot API stub and HTTP. A "crash" is a sender that dies after N messages; a cancel in the
middle and the progress clock are driven from the recording Bot API session, so nothing
sleeps to wait for work.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from itertools import pairwise
from typing import Any

import pytest
import sqlalchemy as sa
from aiogram import Bot, Dispatcher, Router
from aiogram.methods import EditMessageText, SendMessage, SendPhoto, TelegramMethod
from aiogram.types import MessageEntity, PhotoSize
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.entry.app import build_bot, build_dispatcher, build_i18n
from bot.entry.offline import OfflineSession
from bot.rules.clock import FixedClock
from bot.rules.course import CourseCache
from bot.rules.reach import broadcasts
from bot.rules.reach.broadcasts import BroadcastInvalid
from bot.telegram.callbacks import CALLBACK_DATA_LIMIT, AdminCb, BroadcastCb
from bot.telegram.callbacks import AudienceChoice as Choice
from bot.telegram.callbacks import BroadcastAction as Action
from bot.telegram.filters import IsAdmin, LearnerKnown
from bot.telegram.handlers.admin import broadcast as broadcast_handlers
from bot.telegram.views.common import unknown as unknown_text
from db.enums import ActivityType, BroadcastStatus, DeliveryKind, DeliveryStatus, UserRole
from db.models import ActivityLog, Broadcast, Delivery, User
from scheduler.broadcasts import deliver_broadcasts
from scheduler.outcomes import Outcome
from scheduler.report import JobReport
from scheduler.sender import Outgoing, Sender
from tests.support.botapi_stub import BotAPIStub
from tests.support.chat import Chat
from tests.support.checked_bot import checked
from tests.support.factories import make_user
from tests.support.flows import onboard

MakeChat = Callable[..., Chat]
ADMIN_ID = 900
I18N = build_i18n()


def unknown() -> str:
    """What the bot answers an unknown command, in English."""
    with I18N.context(), I18N.use_locale("en"):
        return unknown_text()


# --------------------------------------------------------------------------- fixtures


def _routers(router: Router) -> Iterator[Router]:
    yield router
    for sub in router.sub_routers:
        yield from _routers(sub)


def with_broadcast_router(dispatcher: Dispatcher) -> Dispatcher:
    """Until the admin package includes `broadcast.router()`, include it here: inside the
    admin router when there is one, else behind the same filters, ahead of the learner
    routers and the fallback."""
    if any(router.name == "admin-broadcast" for router in _routers(dispatcher)):
        return dispatcher
    admin = next((r for r in dispatcher.sub_routers if r.name == "admin"), None)
    if admin is not None:
        admin.include_router(broadcast_handlers.router())
        return dispatcher
    guarded = Router(name="admin-for-tests")
    for observer in (guarded.message, guarded.callback_query):
        observer.filter(LearnerKnown())
        observer.filter(IsAdmin())
    guarded.include_router(broadcast_handlers.router())
    dispatcher.include_router(guarded)
    dispatcher.sub_routers.remove(guarded)
    dispatcher.sub_routers.insert(2, guarded)  # after errors and groups
    return dispatcher


@pytest.fixture
def dispatcher(session_factory: async_sessionmaker[AsyncSession], clock: FixedClock) -> Dispatcher:
    return with_broadcast_router(
        build_dispatcher(session_factory, clock, course_cache=CourseCache(ttl=0))
    )


async def learners(session: AsyncSession, clock: FixedClock) -> dict[str, int]:
    """The audience fixture: telegram ids by what is special about each learner."""
    recently = clock.now() - timedelta(days=1)
    made = {
        "en": await make_user(session, 1001, language_code="en", last_seen_at=recently),
        "en_gb": await make_user(session, 1002, language_code="en-GB"),
        "ru_chosen": await make_user(session, 1003, language="ru", language_code="en"),
        "ru_telegram": await make_user(session, 1004, language_code="ru-RU"),
        "blocked": await make_user(session, 1005, language_code="ru", blocked_at=recently),
        "new": await make_user(session, 1006, language_code="ru"),
        "left": await make_user(session, 1007, language_code="en", is_active=False),
    }
    made["new"].onboarded_at = None  # has not finished onboarding
    await session.commit()
    return {name: user.telegram_id for name, user in made.items()}


async def make_admin(session: AsyncSession) -> User:
    admin = await make_user(session, ADMIN_ID, role=UserRole.ADMIN)
    admin.onboarded_at = None  # not a recipient of its own broadcasts
    await session.flush()
    return admin


async def started_broadcast(
    session: AsyncSession,
    clock: FixedClock,
    text: str = "<b>News</b> for everyone",
    audience: dict[str, Any] | None = None,
    progress_message_id: int = 77,
) -> Broadcast:
    admin = await make_admin(session)
    draft = await broadcasts.create(session, admin, text, None, audience or {}, clock.now())
    started = await broadcasts.start(session, draft.id, ADMIN_ID, progress_message_id,
                                     clock.now(), admin=admin)  # fmt: skip
    assert started is not None
    await session.commit()
    return started


async def deliver(
    session_factory: async_sessionmaker[AsyncSession],
    bot: Bot,
    clock: FixedClock,
    sender: Sender | None = None,
    **options: Any,
) -> JobReport:
    sender = sender or Sender(bot, session_factory, clock, rate=1000, per_chat_interval=0)
    return await deliver_broadcasts(session_factory, sender, bot, clock, I18N, **options)


def copies(offline: OfflineSession) -> Counter[int]:
    """Broadcast messages (text or photo) per chat."""
    return Counter(
        int(call.chat_id) for call in offline.calls if isinstance(call, SendMessage | SendPhoto)
    )


def edits(offline: OfflineSession) -> list[EditMessageText]:
    return [call for call in offline.calls if isinstance(call, EditMessageText)]


async def fetch_broadcast(
    factory: async_sessionmaker[AsyncSession], broadcast_id: int
) -> Broadcast:
    async with factory() as session:
        found = await session.get(Broadcast, broadcast_id)
    assert found is not None
    return found


async def ledger(factory: async_sessionmaker[AsyncSession]) -> Counter[DeliveryStatus]:
    async with factory() as session:
        rows = await session.scalars(
            sa.select(Delivery.status).where(Delivery.kind == DeliveryKind.BROADCAST)
        )
        return Counter(rows.all())


async def audit_actions(factory: async_sessionmaker[AsyncSession]) -> list[str]:
    async with factory() as session:
        rows = await session.scalars(
            sa.select(ActivityLog.details)
            .where(ActivityLog.activity_type == ActivityType.ADMIN_ACTION)
            .order_by(ActivityLog.id)
        )
        return [json.loads(row or "{}")["action"] for row in rows.all()]


async def admin_chat(make_chat: MakeChat, session: AsyncSession) -> Chat:
    """An admin: a learner (registered by /start) promoted to the ADMIN role."""
    chat = make_chat(user_id=ADMIN_ID, first_name="Root")
    await chat.send("/start")
    await session.execute(
        sa.update(User).where(User.telegram_id == ADMIN_ID).values(role=UserRole.ADMIN)
    )
    await session.commit()
    return chat


class HookedSession(OfflineSession):
    """The offline Bot API, calling `on_send(n)` after the n-th message it delivers."""

    def __init__(self, on_send: Callable[[int], Awaitable[None]]) -> None:
        super().__init__()
        self.on_send = on_send
        self.sends = 0

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        result = await super().make_request(bot, method, timeout)
        if isinstance(method, SendMessage | SendPhoto):
            self.sends += 1
            await self.on_send(self.sends)
        return result


# --------------------------------------------------------------------------- the audience


async def test_the_audience_is_active_onboarded_learners_by_language_and_inactivity(
    session: AsyncSession, clock: FixedClock
) -> None:
    await learners(session, clock)
    now = clock.now()
    assert await broadcasts.count_audience(session, {}, now) == 4
    assert await broadcasts.count_audience(session, {"language": "ru"}, now) == 2
    assert await broadcasts.count_audience(session, {"language": "en"}, now) == 2
    assert await broadcasts.count_audience(session, {"inactive_days": 7}, now) == 3
    both = {"language": "en", "inactive_days": 7}
    assert await broadcasts.count_audience(session, both, now) == 1


async def test_invalid_html_long_captions_and_unknown_filters_are_refused(
    session: AsyncSession, clock: FixedClock
) -> None:
    admin = await make_admin(session)
    with pytest.raises(BroadcastInvalid) as unclosed:
        await broadcasts.create(session, admin, "<b>News", None, {}, clock.now())
    assert any("never closed" in problem for problem in unclosed.value.problems)
    with pytest.raises(BroadcastInvalid) as long_caption:
        await broadcasts.create(session, admin, "x" * 1025, "photo-id", {}, clock.now())
    assert any("limit 1024" in problem for problem in long_caption.value.problems)
    with pytest.raises(BroadcastInvalid):
        await broadcasts.create(session, admin, "Hi", None, {"country": "de"}, clock.now())
    with pytest.raises(BroadcastInvalid):
        await broadcasts.create(session, admin, "Hi", None, {"inactive_days": 0}, clock.now())
    photo_only = await broadcasts.create(session, admin, "", "photo-id", {}, clock.now())
    text = await broadcasts.create(session, admin, "y" * 4096, None, {}, clock.now())
    assert photo_only.status is text.status is BroadcastStatus.DRAFT


# --------------------------------------------------------------------------- the chat


async def test_non_admins_get_the_unknown_command_hint(make_chat: MakeChat) -> None:
    chat = make_chat(user_id=555)
    await onboard(chat)
    sent = await chat.send("/broadcast")
    assert chat.texts(sent) == [unknown()]
    forged = BroadcastCb(action=Action.SEND, broadcast_id=1).pack()
    sent = await chat.press(forged)
    assert chat.alerts(sent)  # the generic "out of date" answer: nothing advertised


async def test_admin_previews_picks_russian_speakers_and_each_gets_one_copy(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    make_chat: MakeChat,
    bot: Bot,
    offline_session: OfflineSession,
    clock: FixedClock,
) -> None:
    ids = await learners(session, clock)
    chat = await admin_chat(make_chat, session)
    sent = await chat.send("/broadcast")
    assert "Send me the message" in chat.texts(sent)[0]

    bold = MessageEntity(type="bold", offset=6, length=3)
    sent = await chat.send("Hello all & 1 < 2", entities=[bold])
    preview, control = chat.texts(sent)
    assert preview == "Hello <b>all</b> &amp; 1 &lt; 2"  # the admin's formatting, as is
    assert "Recipients: <b>4</b>" in control
    sent = await chat.press_button("Russian speakers")
    assert "Recipients: <b>2</b> (Russian speakers)" in chat.texts(sent)[0]
    sent = await chat.press_button("Send to 2")
    assert "Send to <b>2</b> learners (Russian speakers)?" in chat.texts(sent)[0]
    sent = await chat.press_button("Send now")
    [progress] = [call for call in sent if isinstance(call, EditMessageText)]
    assert "sending…" in progress.text
    assert "Left: 2 of 2" in progress.text
    assert [label for label, _data in chat.buttons()] == ["⏹ Stop"]
    [draft] = (await session.scalars(sa.select(Broadcast))).all()
    row = await fetch_broadcast(session_factory, draft.id)
    assert (row.status, row.total, row.progress_chat_id) == (BroadcastStatus.SENDING, 2, ADMIN_ID)

    offline_session.calls.clear()
    report = await deliver(session_factory, bot, clock)

    assert copies(offline_session) == {ids["ru_chosen"]: 1, ids["ru_telegram"]: 1}
    texts = {call.text for call in offline_session.calls if isinstance(call, SendMessage)}
    assert texts == {"Hello <b>all</b> &amp; 1 &lt; 2"}
    final = edits(offline_session)[-1]
    assert (final.chat_id, final.message_id) == (ADMIN_ID, row.progress_message_id)
    assert "done ✅" in final.text
    assert "Sent: 2" in final.text
    assert final.reply_markup is None  # the report stays, without a Stop button
    row = await fetch_broadcast(session_factory, draft.id)
    assert (row.status, row.sent, row.blocked, row.failed) == (BroadcastStatus.DONE, 2, 0, 0)
    assert row.finished_at == clock.now()
    assert (report.due, report.claimed, report.outcomes) == (1, 2, {"SENT": 2})
    assert await audit_actions(session_factory) == [
        "broadcast.created", "broadcast.sent", "broadcast.finished",
    ]  # fmt: skip

    offline_session.calls.clear()
    again = await deliver(session_factory, bot, clock)
    assert (again.due, copies(offline_session)) == (0, Counter())


async def test_a_photo_from_the_menu_button_goes_out_as_a_photo_with_its_caption(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    dispatcher: Dispatcher,
    make_chat: MakeChat,
    bot: Bot,
    offline_session: OfflineSession,
    clock: FixedClock,
) -> None:
    ids = await learners(session, clock)
    dispatcher["admin_ids"] = frozenset({ADMIN_ID})  # an admin by ADMIN_IDS, no role needed
    chat = make_chat(user_id=ADMIN_ID)
    await chat.send("/start")
    sent = await chat.press(AdminCb(action="broadcast").pack())
    assert "Send me the message" in chat.texts(sent)[0]
    photo = [
        PhotoSize(file_id="AgAD-small", file_unique_id="s", width=90, height=90),
        PhotoSize(file_id="AgAD-large", file_unique_id="l", width=900, height=900),
    ]
    italic = MessageEntity(type="italic", offset=0, length=4)
    sent = await chat.send_message(photo=photo, caption="Look at this", caption_entities=[italic])
    [preview] = [call for call in sent if isinstance(call, SendPhoto)]
    assert (preview.photo, preview.caption) == ("AgAD-large", "<i>Look</i> at this")
    await chat.press_button("English speakers")
    await chat.press_button("Send to 2")
    await chat.press_button("Send now")

    offline_session.calls.clear()
    await deliver(session_factory, bot, clock)

    photos = [call for call in offline_session.calls if isinstance(call, SendPhoto)]
    assert sorted(int(call.chat_id) for call in photos) == [ids["en"], ids["en_gb"]]
    assert {(call.photo, call.caption) for call in photos} == {
        ("AgAD-large", "<i>Look</i> at this")
    }


async def test_cancel_on_the_preview_sends_nothing_and_stale_buttons_get_an_alert(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    make_chat: MakeChat,
    bot: Bot,
    offline_session: OfflineSession,
    clock: FixedClock,
) -> None:
    await learners(session, clock)
    chat = await admin_chat(make_chat, session)
    await chat.send("/broadcast")
    sent = await chat.send("/cancel")
    assert "nothing was sent" in chat.texts(sent)[0]
    sent = await chat.send("not a broadcast any more")
    assert chat.texts(sent)  # answered (the admin is still being onboarded), not previewed
    assert not any("Recipients" in text for text in chat.texts(sent))

    await chat.send("/broadcast")
    await chat.send("Never mind")
    buttons = dict((label, data) for label, data in chat.buttons())
    sent = await chat.press_button("Cancel")
    assert "nothing was sent" in chat.texts(sent)[0]
    sent = await chat.press(buttons["✅ Send to 4"])
    assert chat.alerts(sent) == ["This broadcast has already been sent or cancelled."]
    sent = await chat.press(buttons["Inactive 7 days"])
    assert chat.alerts(sent) == ["This broadcast has already been sent or cancelled."]

    offline_session.calls.clear()
    report = await deliver(session_factory, bot, clock)
    assert (report.due, copies(offline_session)) == (0, Counter())
    [row] = (await session.scalars(sa.select(Broadcast))).all()
    assert row.status is BroadcastStatus.CANCELLED


async def test_stop_on_the_progress_message_cancels_and_the_report_stays(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    make_chat: MakeChat,
    bot: Bot,
    offline_session: OfflineSession,
    clock: FixedClock,
) -> None:
    await learners(session, clock)
    chat = await admin_chat(make_chat, session)
    await chat.send("/broadcast")
    await chat.send("Big news")
    await chat.press_button("Send to 4")
    await chat.press_button("Send now")
    sent = await chat.press_button("Stop")
    assert chat.alerts(sent) == ["Stopped."]
    [report] = chat.texts(sent)
    assert "stopped ⏹" in report
    assert "Not sent: 4" in report
    sent = await chat.press(BroadcastCb(action=Action.STOP, broadcast_id=1_000_000).pack())
    assert chat.alerts(sent) == ["This broadcast has already finished."]

    offline_session.calls.clear()
    await deliver(session_factory, bot, clock)
    assert copies(offline_session) == Counter()
    assert "broadcast.cancelled" in await audit_actions(session_factory)


async def test_callback_data_fits_telegram_and_forged_values_are_not_accepted() -> None:
    for action in Action:
        for choice in Choice:
            data = BroadcastCb(action=action, broadcast_id=2**31 - 1, audience=choice).pack()
            assert len(data.encode()) < CALLBACK_DATA_LIMIT
            assert BroadcastCb.unpack(data).audience is choice
    with pytest.raises(ValueError, match="action"):
        BroadcastCb.unpack("bc:zz:1:all")
    with pytest.raises(ValueError, match="audience"):
        BroadcastCb.unpack("bc:a:1:everyone")


# --------------------------------------------------------------------------- delivery


async def test_a_cancel_in_the_middle_stops_the_delivery_at_the_next_check(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    for telegram_id in range(2001, 2021):
        await make_user(session, telegram_id)
    broadcast = await started_broadcast(session, clock)

    async def admin_presses_stop(sends: int) -> None:
        if sends == 7:
            async with session_factory() as other, other.begin():
                await broadcasts.cancel(other, broadcast.id, clock.now())

    offline = HookedSession(admin_presses_stop)
    bot = checked(build_bot("42:TEST", session=offline))
    # One at a time: with more, the others' messages go while Stop is being pressed.
    one_by_one = Sender(bot, session_factory, clock, rate=1000, per_chat_interval=0, concurrency=1)
    report = await deliver(session_factory, bot, clock, one_by_one, batch_size=5)

    assert offline.sends == 10  # the batch under way when Stop was pressed, and no more
    row = await fetch_broadcast(session_factory, broadcast.id)
    assert (row.status, row.sent, row.total) == (BroadcastStatus.CANCELLED, 10, 20)
    assert "stopped ⏹" in edits(offline)[-1].text
    assert "Not sent: 10" in edits(offline)[-1].text
    assert report.outcomes == {"SENT": 10}

    await deliver(session_factory, bot, clock, batch_size=5)
    assert offline.sends == 10


class Crash(Exception):
    """The process dies here."""


class DyingSender(Sender):
    """A sender whose process dies before its (after + 1)-th message."""

    def __init__(self, *args: Any, after: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.left = after

    async def attempt(self, message: Outgoing) -> Outcome:
        if self.left == 0:
            raise Crash
        self.left -= 1
        return await super().attempt(message)


async def test_a_restart_in_the_middle_resumes_and_every_learner_has_exactly_one_copy(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    bot: Bot,
    offline_session: OfflineSession,
    clock: FixedClock,
) -> None:
    users = [await make_user(session, telegram_id) for telegram_id in range(3001, 3021)]
    broadcast = await started_broadcast(session, clock)
    dying = DyingSender(bot, session_factory, clock, rate=1000, per_chat_interval=0,
                        concurrency=1, after=7)  # fmt: skip

    with pytest.raises(ExceptionGroup) as crashed:
        await deliver(session_factory, bot, clock, sender=dying)
    assert crashed.group_contains(Crash)
    assert sum(copies(offline_session).values()) == 7
    assert await ledger(session_factory) == {DeliveryStatus.SENT: 7, DeliveryStatus.PENDING: 13}
    # While the bot was down, a learner still waiting blocked it.
    last = users[-1]
    await session.execute(sa.update(User).where(User.id == last.id).values(blocked_at=clock.now()))
    await session.commit()

    report = await deliver(session_factory, bot, clock)  # the restarted process

    assert copies(offline_session) == {user.telegram_id: 1 for user in users[:-1]}
    assert report.outcomes == {"SENT": 12}
    row = await fetch_broadcast(session_factory, broadcast.id)
    assert (row.status, row.sent, row.blocked, row.total) == (BroadcastStatus.DONE, 19, 1, 20)


async def test_progress_edits_are_throttled_and_show_what_is_left(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    for telegram_id in range(4001, 4041):
        await make_user(session, telegram_id)
    broadcast = await started_broadcast(session, clock)
    now = [0.0]  # virtual seconds: each message takes 0.25 s
    edited_at: list[float] = []

    async def a_quarter_second(_sends: int) -> None:
        now[0] += 0.25

    class Recording(HookedSession):
        async def make_request(
            self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
        ) -> Any:
            if isinstance(method, EditMessageText):
                edited_at.append(now[0])
            return await super().make_request(bot, method, timeout)

    offline = Recording(a_quarter_second)
    bot = checked(build_bot("42:TEST", session=offline))
    # One send at a time, so virtual time stands still while the progress is edited.
    one_by_one = Sender(bot, session_factory, clock, rate=1000, per_chat_interval=0, concurrency=1)
    await deliver(
        session_factory, bot, clock, one_by_one, progress_every=3.0, monotonic=lambda: now[0]
    )

    *live, final = edits(offline)
    live_at = edited_at[:-1]
    assert 2 <= len(live) <= 3  # 40 messages, 10 virtual seconds: at most one edit per 3 s
    assert live_at[0] >= 3.0
    assert all(later - earlier >= 3.0 for earlier, later in pairwise(live_at)), live_at
    assert all("sending…" in edit.text and "Left: " in edit.text for edit in live)
    assert "less than a minute" in live[-1].text  # 4 messages a second: the ETA
    assert all(edit.reply_markup is not None for edit in live)  # Stop stays while sending
    assert "done ✅" in final.text
    row = await fetch_broadcast(session_factory, broadcast.id)
    assert (row.status, row.sent) == (BroadcastStatus.DONE, 40)


# --------------------------------------------------------------------------- over HTTP


async def test_429_and_403_in_the_middle_one_copy_each_and_the_blocked_learner_counted(
    stub: BotAPIStub,
    api_bot: Bot,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FixedClock,
) -> None:
    stub.reset()
    chats = list(range(5001, 5007))
    for telegram_id in chats:
        await make_user(session, telegram_id)
    progress = await api_bot.send_message(ADMIN_ID, "📣 …")
    broadcast = await started_broadcast(session, clock, progress_message_id=progress.message_id)
    stub.fail_next("sendMessage", status=429, retry_after=1, chat_id=5002)
    stub.fail_next("sendMessage", status=403, chat_id=5004)

    sender = Sender(api_bot, session_factory, clock, rate=1000, per_chat_interval=0)
    report = await deliver(session_factory, api_bot, clock, sender=sender)

    accepted = Counter(c.chat_id for c in stub.calls if c.method == "sendMessage" and c.ok)
    assert accepted == {chat: 1 for chat in chats if chat != 5004} | {ADMIN_ID: 1}
    statuses = [c.status for c in stub.calls if c.method == "sendMessage" and c.chat_id == 5002]
    assert statuses == [429, 200]
    assert report.outcomes == {"SENT": 5, "BLOCKED": 1}
    row = await fetch_broadcast(session_factory, broadcast.id)
    assert (row.status, row.sent, row.blocked, row.failed) == (BroadcastStatus.DONE, 5, 1, 0)
    blocked = await session.scalar(sa.select(User.blocked_at).where(User.telegram_id == 5004))
    assert blocked == clock.now()
    shown = stub.message(ADMIN_ID, progress.message_id)
    assert shown is not None
    assert "done ✅" in shown["text"]
    assert "Blocked: 1" in shown["text"]
