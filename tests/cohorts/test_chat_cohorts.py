"""Cohorts in the chat: admins create and run them, learners join and leave through the
invite link, mentors see their cohort (and only theirs), the cohort's board tab."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from aiogram.methods import SendDocument
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.entry.demo_seed import seed_sample_learners
from bot.entry.offline import OfflineSession
from bot.rules.clock import FixedClock
from bot.telegram.callbacks import (
    BroadcastAction,
    BroadcastCb,
    CohortAction,
    CohortAdminAction,
    CohortAdminCb,
    CohortBoardCb,
    CohortCb,
    MentorAction,
    MentorCb,
)
from db.enums import ActivityType, BroadcastStatus
from db.models import (
    ActivityLog,
    Broadcast,
    Cohort,
    CohortMember,
    CohortRoleRow,
    LeaderboardCache,
    User,
    UserStats,
)
from tests.cohorts.conftest import ADMIN_ID
from tests.support.chat import Chat
from tests.support.engine_events import recorded
from tests.support.factories import make_course
from tests.support.flows import onboard


async def new_cohort(admin: Chat, name: str = "Spring class") -> None:
    await admin.send("/cohorts")
    await admin.press_button("New cohort")
    await admin.send(name)


async def spring_class(chat_as: Callable[..., Chat], session: AsyncSession) -> tuple[Chat, str]:
    """The admin's chat, after creating "Spring class"; and its invite code."""
    admin = chat_as(ADMIN_ID)
    await onboard(admin)
    await new_cohort(admin)
    return admin, (await cohort_named(session)).code


async def cohort_named(session: AsyncSession, name: str = "Spring class") -> Cohort:
    cohort = await session.scalar(
        sa.select(Cohort).where(Cohort.name == name).execution_options(populate_existing=True)
    )
    assert cohort is not None
    return cohort


async def learner_id(session: AsyncSession, telegram_id: int) -> int:
    found = await session.scalar(sa.select(User.id).where(User.telegram_id == telegram_id))
    assert found is not None
    return found


async def joined(chat: Chat, code: str) -> None:
    await chat.send(f"/start join-{code}")
    await chat.press_button("Join")


async def make_mentor(admin: Chat, session: AsyncSession, telegram_id: int) -> None:
    await admin.send(f"/user {telegram_id}")
    await admin.press_button("Mentor of")
    await admin.press_button("Spring class")


@pytest.fixture
async def course(session: AsyncSession) -> None:
    await make_course(session, [2, 2])
    await session.commit()


# ------------------------------------------------------------------ admins


async def test_an_admin_creates_a_cohort_and_its_card_shows_the_invite_link(
    chat_as: Callable[..., Chat], session: AsyncSession, course: None
) -> None:
    admin = chat_as(ADMIN_ID)
    await onboard(admin)
    await admin.send("/cohorts")
    assert "No cohorts yet" in admin.last_text()
    await admin.press_button("New cohort")
    await admin.send("  Spring   class ")
    cohort = await cohort_named(session)
    card = admin.last_text()
    assert "Spring class" in card
    assert f"https://t.me/learnbot_demo_bot?start=join-{cohort.code}" in card
    assert "Joining: open" in card
    await admin.send("/cohorts")
    assert "Spring class — 0 members" in admin.last_text()


async def test_a_cohort_name_must_have_one_to_a_hundred_characters(
    chat_as: Callable[..., Chat], session: AsyncSession, course: None
) -> None:
    admin = chat_as(ADMIN_ID)
    await onboard(admin)
    await admin.send("/cohorts")
    await admin.press_button("New cohort")
    await admin.send("x" * 101)
    assert "1 to 100 characters" in admin.last_text()
    assert await session.scalar(sa.select(sa.func.count()).select_from(Cohort)) == 0


async def test_rotating_the_code_makes_the_old_link_unknown_and_closing_refuses_joins(
    chat_as: Callable[..., Chat], session: AsyncSession, course: None
) -> None:
    admin = chat_as(ADMIN_ID)
    await onboard(admin)
    await new_cohort(admin)
    old = (await cohort_named(session)).code
    await admin.press_button("New invite code")
    new = (await cohort_named(session)).code
    assert new != old
    learner = chat_as(601, "Bea")
    await onboard(learner)
    await learner.send(f"/start join-{old}")
    assert "doesn't work" in learner.last_text()
    await admin.press_button("Close joining")
    await learner.send(f"/start join-{new}")
    assert "not taking new members" in learner.last_text()
    await learner.send("/start join-nonsense")
    assert "doesn't work" in learner.last_text()
    await admin.press_button("Open joining")
    await learner.send(f"/start join-{new}")
    assert "Join «Spring class»?" in learner.last_text()


# ------------------------------------------------------------------ learners


async def test_a_learner_joins_through_the_link_and_sees_the_cohort_with_its_mentors(
    chat_as: Callable[..., Chat], session: AsyncSession, course: None
) -> None:
    admin, code = await spring_class(chat_as, session)
    mentor = chat_as(602, "Marta")
    await onboard(mentor)
    await make_mentor(admin, session, 602)
    assert "Marta now mentors «Spring class»" in admin.last_text()
    learner = chat_as(601, "Bea")
    await onboard(learner)
    await learner.send(f"/start join-{code}")
    assert "Join «Spring class»?" in learner.last_text()
    await learner.press_button("Join")
    assert "You joined «Spring class»" in learner.last_text()
    await learner.send("/cohort")
    assert "«Spring class» — mentors: Marta" in learner.last_text()


async def test_a_new_learner_is_asked_to_join_and_then_onboarded(
    chat_as: Callable[..., Chat], session: AsyncSession, course: None
) -> None:
    _admin, code = await spring_class(chat_as, session)
    learner = chat_as(601, "Bea")
    sent = await learner.send(f"/start join-{code}")
    texts = learner.texts(sent)
    assert "Join «Spring class»?" in texts[0]
    assert "what time is it for you now?" in texts[-1]
    cohort = await cohort_named(session)
    await learner.press(CohortCb(action=CohortAction.JOIN, cohort_id=cohort.id).pack())
    members = await session.scalar(sa.select(sa.func.count()).select_from(CohortMember))
    assert members == 1


async def test_joining_twice_changes_nothing(
    chat_as: Callable[..., Chat], session: AsyncSession, course: None
) -> None:
    _admin, code = await spring_class(chat_as, session)
    learner = chat_as(601, "Bea")
    await onboard(learner)
    await joined(learner, code)
    cohort = await cohort_named(session)
    sent = await learner.press(CohortCb(action=CohortAction.JOIN, cohort_id=cohort.id).pack())
    assert learner.alerts(sent) == ["You are already in this cohort. See /cohort."]
    await learner.send(f"/start join-{code}")
    assert "already in this cohort" in learner.last_text()
    members = await session.scalar(sa.select(sa.func.count()).select_from(CohortMember))
    assert members == 1


async def test_several_cohorts_and_leaving_one_after_confirming(
    chat_as: Callable[..., Chat], session: AsyncSession, course: None
) -> None:
    admin = chat_as(ADMIN_ID)
    await onboard(admin)
    await new_cohort(admin)
    await new_cohort(admin, "Evening <b>team</b>")
    learner = chat_as(601, "Bea")
    await onboard(learner)
    await joined(learner, (await cohort_named(session)).code)
    await joined(learner, (await cohort_named(session, "Evening <b>team</b>")).code)
    await learner.send("/cohort")
    assert "«Evening &lt;b&gt;team&lt;/b&gt;»" in learner.last_text()
    await learner.press_button("Leave Spring class")
    assert "Leave «Spring class»?" in learner.last_text()
    await learner.press_button("Stay")
    assert len(await learner_cohort_rows(session)) == 2
    await learner.send("/cohort")
    await learner.press_button("Leave Spring class")
    await learner.press_button("🚪 Leave")
    assert "You left «Spring class»" in learner.last_text()
    await learner.send("/cohort")
    assert "Spring class" not in learner.last_text()
    assert "Evening" in learner.last_text()


async def learner_cohort_rows(session: AsyncSession) -> list[CohortMember]:
    rows = await session.scalars(
        sa.select(CohortMember)
        .where(CohortMember.left_at.is_(None))
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def test_leaving_a_cohort_you_are_not_in_is_refused(
    chat_as: Callable[..., Chat], session: AsyncSession, course: None
) -> None:
    admin = chat_as(ADMIN_ID)
    await onboard(admin)
    await new_cohort(admin)
    cohort = await cohort_named(session)
    learner = chat_as(601, "Bea")
    await onboard(learner)
    for action in (CohortAction.LEAVE, CohortAction.LEAVE_CONFIRMED):
        sent = await learner.press(CohortCb(action=action, cohort_id=cohort.id).pack())
        assert learner.alerts(sent) == ["You are not in that cohort."]
    logged = await session.scalar(
        sa.select(sa.func.count())
        .select_from(ActivityLog)
        .where(ActivityLog.activity_type == ActivityType.COHORT_ACTION)
    )
    assert logged == 0


# ------------------------------------------------------------------ mentors


async def mentored_cohort_with_members(
    chat_as: Callable[..., Chat], session: AsyncSession, clock: FixedClock
) -> tuple[Chat, Chat, Cohort]:
    admin, code = await spring_class(chat_as, session)
    mentor = chat_as(602, "Marta")
    await onboard(mentor)
    await make_mentor(admin, session, 602)
    for telegram_id, name in ((601, "Bea"), (603, "Cy"), (604, "Dora")):
        learner = chat_as(telegram_id, name)
        await onboard(learner)
        await joined(learner, code)
    # Cy was last seen 9 days ago, Dora 2 days ago, Bea now.
    seen = {603: timedelta(days=9), 604: timedelta(days=2)}
    for telegram_id, ago in seen.items():
        await session.execute(
            sa.update(User)
            .where(User.telegram_id == telegram_id)
            .values(last_seen_at=clock.now() - ago)
        )
    await session.commit()
    return admin, mentor, await cohort_named(session)


async def test_a_mentor_sees_the_members_who_need_attention_first(
    chat_as: Callable[..., Chat], session: AsyncSession, clock: FixedClock, course: None
) -> None:
    _admin, mentor, _cohort = await mentored_cohort_with_members(chat_as, session, clock)
    await mentor.send("/cohort")
    text = mentor.last_text()
    assert "3 members · ⚠️ inactive 7+ days: 1" in text
    lines = [line for line in text.splitlines() if line[:2] in {"1.", "2.", "3."}]
    assert "⚠️ <b>Cy</b>" in lines[0] or "⚠️ Cy" in lines[0]
    assert "Dora" in lines[1]
    assert "Bea" in lines[2]
    assert "0 done · now: Lesson 1.1 · 🔥 0 · seen 9 days ago · waiting: 0" in lines[0]


async def test_a_mentor_opens_a_member_the_funnel_and_the_csv(
    chat_as: Callable[..., Chat],
    session: AsyncSession,
    clock: FixedClock,
    course: None,
    offline_session: OfflineSession,
) -> None:
    _admin, mentor, _cohort = await mentored_cohort_with_members(chat_as, session, clock)
    await mentor.send("/cohort")
    await mentor.press_button("Bea")
    assert "Module 1: 0/2" in mentor.last_text()
    await mentor.press_button("Members")
    await mentor.press_button("Funnel")
    assert "Lesson 1.1: started 0 · finished 0" in mentor.last_text()
    await mentor.press_button("Members")
    await mentor.press_button("CSV")
    documents = [m for m in mentor.sent if isinstance(m, SendDocument)]
    assert documents
    assert "3 members' progress" in (documents[-1].caption or "")
    csv = next(iter(offline_session.uploads.values())).decode()
    assert len(csv.strip().splitlines()) == 1 + 3
    assert "Marta" not in csv


async def test_a_forged_button_for_another_cohort_is_refused_and_changes_nothing(
    chat_as: Callable[..., Chat], session: AsyncSession, clock: FixedClock, course: None
) -> None:
    admin, mentor, cohort = await mentored_cohort_with_members(chat_as, session, clock)
    await new_cohort(admin, "Other class")
    other = await cohort_named(session, "Other class")
    bea = await learner_id(session, 601)
    for action in MentorAction:
        data = MentorCb(action=action, cohort_id=other.id, user_id=bea).pack()
        sent = await mentor.press(data)
        assert mentor.alerts(sent) == ["You don't mentor that cohort (any more)."], action
    # A learner is no mentor of their own cohort either.
    learner = chat_as(601, "Bea")
    sent = await learner.press(MentorCb(action=MentorAction.ROSTER, cohort_id=cohort.id).pack())
    assert learner.alerts(sent) == ["You don't mentor that cohort (any more)."]


async def test_a_removed_mentors_old_message_is_refused(
    chat_as: Callable[..., Chat], session: AsyncSession, clock: FixedClock, course: None
) -> None:
    admin, mentor, cohort = await mentored_cohort_with_members(chat_as, session, clock)
    await mentor.send("/cohort")
    roster_buttons = mentor.buttons()
    await admin.press(CohortAdminCb(action=CohortAdminAction.CARD, cohort_id=cohort.id).pack())
    await admin.press_button("Remove mentor Marta")
    assert await session.scalar(sa.select(sa.func.count()).select_from(CohortRoleRow)) == 0
    for label, data in roster_buttons:
        sent = await mentor.press(data)
        assert mentor.alerts(sent) == ["You don't mentor that cohort (any more)."], label
    assert not await session.scalar(sa.select(sa.func.count()).select_from(Broadcast))


async def test_a_mentor_messages_the_cohort_through_the_broadcast_confirmation(
    chat_as: Callable[..., Chat], session: AsyncSession, clock: FixedClock, course: None
) -> None:
    _admin, mentor, cohort = await mentored_cohort_with_members(chat_as, session, clock)
    outsider = chat_as(605, "Eve")
    await onboard(outsider)
    await mentor.send("/cohort")
    await mentor.press_button("Message the cohort")
    assert "members of «Spring class»" in mentor.last_text()
    await mentor.send("Quiz <b>tomorrow</b>!")
    assert "Recipients: <b>3</b> members of «Spring class»" in mentor.last_text()
    await mentor.press_button("Send to 3")
    assert "Send to <b>3</b> members of «Spring class»?" in mentor.last_text()
    await mentor.press_button("Send now")
    broadcast = await session.scalar(sa.select(Broadcast).execution_options(populate_existing=True))
    assert broadcast is not None
    assert broadcast.status is BroadcastStatus.SENDING
    assert broadcast.total == 3
    assert broadcast.audience == {"cohort_id": cohort.id}
    assert "Stop" in " ".join(label for label, _data in mentor.buttons())
    await mentor.press_button("Stop")
    stopped = await session.scalar(
        sa.select(Broadcast.status).execution_options(populate_existing=True)
    )
    assert stopped is BroadcastStatus.CANCELLED


async def test_every_cohort_and_mentor_action_is_in_the_activity_log(
    chat_as: Callable[..., Chat], session: AsyncSession, clock: FixedClock, course: None
) -> None:
    admin, mentor, cohort = await mentored_cohort_with_members(chat_as, session, clock)
    await mentor.send("/cohort")
    await mentor.press_button("CSV")
    await admin.press(CohortAdminCb(action=CohortAdminAction.ROTATE, cohort_id=cohort.id).pack())
    rows = (await session.execute(sa.select(ActivityLog.activity_type, ActivityLog.details))).all()
    actions = [(kind, json.loads(details or "{}").get("action")) for kind, details in rows]
    assert (ActivityType.ADMIN_ACTION, "cohort.created") in actions
    assert (ActivityType.ADMIN_ACTION, "cohort.mentor_added") in actions
    assert (ActivityType.ADMIN_ACTION, "cohort.code_rotated") in actions
    assert [a for a in actions if a == (ActivityType.COHORT_ACTION, "cohort.joined")] == [
        (ActivityType.COHORT_ACTION, "cohort.joined")
    ] * 3
    assert (ActivityType.COHORT_ACTION, "cohort.csv_exported") in actions


# ------------------------------------------------------------------ the board tab


async def test_the_cohort_tab_ranks_within_the_cohort_and_hides_hidden_learners(
    chat_as: Callable[..., Chat], session: AsyncSession, clock: FixedClock, course: None
) -> None:
    _admin, _mentor, cohort = await mentored_cohort_with_members(chat_as, session, clock)
    outsider = chat_as(605, "Eve")
    await onboard(outsider)
    points = {601: 30, 603: 50, 604: 30, 605: 999}
    for telegram_id, value in points.items():
        user_id = await learner_id(session, telegram_id)
        row = LeaderboardCache(user_id=user_id, rank=0, total_score=value,
                               week_points=value // 10, updated_at=clock.now())  # fmt: skip
        session.add(row)
        await session.execute(
            sa.update(UserStats).where(UserStats.user_id == user_id).values(points=value)
        )
    await session.execute(
        sa.update(User).where(User.telegram_id == 604).values(show_on_leaderboard=False)
    )
    await session.commit()
    bea = chat_as(601, "Bea")
    await bea.send("/leaderboard")
    await bea.press_button("Spring class")
    assert "Spring class · this week</b>\n\n🥇 Cy — 5\n<b>🥈 Bea — 3</b>" in bea.last_text()
    await bea.press_button("All time")
    assert "Spring class · all time" in bea.last_text()
    await bea.press(CohortBoardCb(cohort_id=cohort.id, week=False).pack())
    text = bea.last_text()
    assert "🥇 Cy — 50" in text
    assert "<b>🥈 Bea — 30</b>" in text
    assert "Dora" not in text
    assert "Eve" not in text
    eve_tab = await outsider.press(CohortBoardCb(cohort_id=cohort.id, week=True).pack())
    assert outsider.alerts(eve_tab) == ["You are not in that cohort."]


# ------------------------------------------------------------------ the demo


async def test_the_demo_learner_mentors_a_sample_cohort_with_two_sample_members(
    chat_as: Callable[..., Chat],
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    course: None,
) -> None:
    await seed_sample_learners(session_factory, clock.now(), ADMIN_ID)
    demo = chat_as(ADMIN_ID, "Demo")
    await onboard(demo)
    await demo.send("/cohort")
    text = demo.last_text()
    assert "Demo class (sample)" in text
    assert "2 members" in text
    assert "Ada (sample)" in text
    assert "Linus (sample)" in text


async def test_a_mentors_cohort_reads_its_members_in_four_statements(
    chat_as: Callable[..., Chat],
    session: AsyncSession,
    clock: FixedClock,
    course: None,
    engine: AsyncEngine,
) -> None:
    """After the learner middleware's own (an unknown command's), /cohort adds at most four."""
    _admin, mentor, _cohort = await mentored_cohort_with_members(chat_as, session, clock)
    await mentor.send("/cohort")  # the course map is cached from here on
    with recorded(engine, "before_cursor_execute") as baseline:
        await mentor.send("/frobnicate")
    with recorded(engine, "before_cursor_execute") as statements:
        await mentor.send("/cohort")
    assert "3 members" in mentor.last_text()
    added = [str(args[2]).split("\n")[0] for args in statements[len(baseline) :]]
    assert len(statements) - len(baseline) <= 4, added


async def test_a_mentor_cannot_open_a_learner_of_another_cohort_through_their_own(
    chat_as: Callable[..., Chat], session: AsyncSession, clock: FixedClock, course: None
) -> None:
    admin, mentor, cohort = await mentored_cohort_with_members(chat_as, session, clock)
    await new_cohort(admin, "Other class")
    other = await cohort_named(session, "Other class")
    outsider = chat_as(605, "Eve")
    await onboard(outsider)
    await outsider.send(f"/start join-{other.code}")
    await outsider.press_button("Join")
    eve = await learner_id(session, 605)
    data = MentorCb(action=MentorAction.MEMBER, cohort_id=cohort.id, user_id=eve).pack()
    sent = await mentor.press(data)
    assert mentor.alerts(sent) == ["That learner is not in this cohort any more."]
    assert "Eve" not in " ".join(mentor.texts(sent))


async def test_privacy_says_what_a_mentor_sees(
    chat_as: Callable[..., Chat], session: AsyncSession, course: None
) -> None:
    learner = chat_as(601, "Bea")
    await learner.send("/privacy")
    text = learner.last_text()
    assert "<b>In a cohort</b>" in text
    assert "mentors see your first name, lessons done, current lesson, streak" in text


async def test_cohorts_come_a_page_at_a_time(
    chat_as: Callable[..., Chat], session: AsyncSession, clock: FixedClock, course: None
) -> None:
    for number in range(1, 26):
        session.add(Cohort(name=f"Class {number}", code=f"code{number}", created_at=clock.now()))
    await session.commit()
    admin = chat_as(ADMIN_ID)
    await onboard(admin)
    await admin.send("/cohorts")
    text = admin.last_text()
    assert "1–20 of 25, newest first" in text
    assert "Class 25 — 0 members" in text
    assert "Class 5 —" not in text
    await admin.press_button("▶️")
    assert "21–25 of 25" in admin.last_text()
    assert "Class 5 — 0 members" in admin.last_text()
    learner = chat_as(601, "Bea")
    await onboard(learner)
    await admin.send("/user 601")
    await admin.press_button("Mentor of")
    await admin.press_button("▶️")
    await admin.press_button("Class 1")
    assert "Bea now mentors «Class 1»" in admin.last_text()


async def test_a_mentor_of_several_cohorts_picks_one(
    chat_as: Callable[..., Chat], session: AsyncSession, clock: FixedClock, course: None
) -> None:
    admin, mentor, _cohort = await mentored_cohort_with_members(chat_as, session, clock)
    await new_cohort(admin, "Other class")
    await admin.send("/user 602")
    await admin.press_button("Mentor of")
    await admin.press_button("Other class")
    await mentor.send("/cohort")
    assert "<b>👩‍🏫 You mentor</b>" in mentor.last_text()
    assert [label for label, _data in mentor.buttons()] == [
        "👩‍🏫 Other class",
        "👩‍🏫 Spring class",
    ]
    await mentor.press_button("Spring class")
    assert "3 members" in mentor.last_text()


async def test_a_cohort_message_cannot_be_sent_by_someone_who_does_not_mentor_it(
    chat_as: Callable[..., Chat], session: AsyncSession, clock: FixedClock, course: None
) -> None:
    _admin, mentor, _cohort = await mentored_cohort_with_members(chat_as, session, clock)
    await mentor.send("/cohort")
    await mentor.press_button("Message the cohort")
    await mentor.send("Hello")
    draft = await session.scalar(sa.select(Broadcast.id))
    assert draft is not None
    bea = chat_as(601, "Bea")
    for action in BroadcastAction:
        sent = await bea.press(BroadcastCb(action=action, broadcast_id=draft).pack())
        assert bea.alerts(sent) == ["You don't mentor that cohort (any more)."], action
    status = await session.scalar(
        sa.select(Broadcast.status).execution_options(populate_existing=True)
    )
    assert status is BroadcastStatus.DRAFT


async def test_joining_a_cohort_with_a_course_starts_it_as_the_current_one(
    chat_as: Callable[..., Chat], session: AsyncSession, course: None
) -> None:
    admin, code = await spring_class(chat_as, session)
    await admin.press_button("Course joining starts")
    course_title = admin.buttons()[0][0]
    await admin.press_button(course_title)
    assert f"Course: {course_title}" in admin.last_text()
    learner = chat_as(601, "Bea")
    await onboard(learner)
    await learner.send(f"/start join-{code}")
    assert f"Joining starts the course «{course_title}»" in learner.last_text()
    await learner.press_button("Join")
    assert f"Your current course is now «{course_title}»" in learner.last_text()
    current = await session.scalar(
        sa.select(User.current_course_id)
        .where(User.telegram_id == 601)
        .execution_options(populate_existing=True)
    )
    assert current == (await cohort_named(session)).course_id
    assert current is not None
