"""Assignments against bad input and out-of-turn reviewers: forged and replayed verdicts,
reviewers of another cohort, huge and odd texts, documents of any type, a course
re-imported without a field; the statements of a field answer; /reviews, the 48-hour note,
/export and /deleteme."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from aiogram import Bot
from aiogram.methods import SendDocument, SendMessage
from aiogram.types import Document
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.entry.offline import OfflineSession
from bot.rules.assignments.reviews import AlreadyDecided, ReviewRefusal, decide
from bot.rules.assignments.waiting import REVIEWS_DEEP_LINK, claim_notes
from bot.rules.clock import FixedClock
from bot.rules.cohorts.roster import roster, waiting_per_member, waiting_submissions
from bot.rules.content import import_course
from bot.rules.course import load_catalogue
from bot.rules.privacy.erasure import erase_learner
from bot.rules.privacy.export import learner_export
from db.enums import DeliveryKind, SubmissionStatus, UserRole
from db.models import (
    Cohort,
    CohortMember,
    CohortRoleRow,
    Delivery,
    FieldOutput,
    Submission,
    SubmissionReview,
    User,
)
from tests.assignments.conftest import ADMIN_ID, WOOP_COURSE
from tests.assignments.people import last, press
from tests.support.chat import Chat
from tests.support.engine_events import recorded
from tests.support.flows import onboard
from tests.support.scheduling import offline_jobs, sent_texts

LEARNER_ID = 1001


async def submitted_wish(chat_as: Callable[..., Chat], wish: str = "Run 3k") -> tuple[Chat, Chat]:
    """The admin and a learner who has submitted the first lesson's assignment."""
    admin = chat_as(ADMIN_ID, "Mira")
    await onboard(admin)
    learner = chat_as(LEARNER_ID, "Zoë")
    await onboard(learner)
    await learner.send("/learn")
    await press(learner, "Assignment")
    await learner.send(wish)
    await press(learner, "Skip")
    await press(learner, "Submit")
    return admin, learner


async def only_submission(session: AsyncSession) -> Submission:
    found = await session.scalar(
        sa.select(Submission)
        .order_by(Submission.version.desc())
        .execution_options(populate_existing=True)
    )
    assert found is not None
    return found


async def user_id_of(session: AsyncSession, telegram_id: int) -> int:
    found = await session.scalar(sa.select(User.id).where(User.telegram_id == telegram_id))
    assert found is not None
    return found


async def test_a_field_answer_costs_at_most_three_statements(
    chat_as: Callable[..., Chat], engine: AsyncEngine, woop: None
) -> None:
    learner = chat_as(LEARNER_ID)
    await onboard(learner)
    await learner.send("/learn")
    await press(learner, "Assignment")
    with recorded(engine, "before_cursor_execute") as baseline:
        await learner.send("/frobnicate")
    with recorded(engine, "before_cursor_execute") as statements:
        await learner.send("Walk every day")
    assert "field 2 of 2" in last(learner)
    added = [str(args[2]).split("\n")[0] for args in statements[len(baseline) :]]
    assert len(statements) - len(baseline) <= 3, added


async def test_a_huge_text_is_refused_and_a_long_one_fits_the_summary(
    chat_as: Callable[..., Chat], session: AsyncSession, woop: None
) -> None:
    learner = chat_as(LEARNER_ID)
    await onboard(learner)
    await learner.send("/learn")
    await press(learner, "Assignment")
    await learner.send("<&🔥" * 1365)  # 4,095 characters: over the field's 100
    assert "at most 100 characters" in last(learner)
    await learner.send("<b>&amp; 🔥 " + "x" * 80)
    await press(learner, "Skip")
    summary = last(learner)
    assert "&lt;b&gt;&amp;amp; 🔥" in summary
    assert len(summary) <= 4096


async def test_a_learner_cannot_accept_their_own_work_and_a_forged_id_is_stale(
    chat_as: Callable[..., Chat], session: AsyncSession, woop: None
) -> None:
    _admin, learner = await submitted_wish(chat_as)
    submission = await only_submission(session)
    own = await learner.press(f"vd:n:{submission.id}")
    assert learner.alerts(own) == ["This work is not yours to review."]
    forged = await learner.press("vd:n:999999")
    assert learner.alerts(forged) == ["This button is out of date. Send /learn to continue."]
    assert (await only_submission(session)).status is SubmissionStatus.SUBMITTED


async def test_the_first_reviewer_decides_and_a_second_is_told_by_whom(
    chat_as: Callable[..., Chat],
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    woop: None,
    clock: FixedClock,
) -> None:
    admin, _learner = await submitted_wish(chat_as)
    second = chat_as(9002, "Olu")
    await onboard(second)
    await session.execute(
        sa.update(User).where(User.telegram_id == 9002).values(role=UserRole.ADMIN)
    )
    await session.commit()
    submission = await only_submission(session)
    await press(admin, "Accept")
    await press(admin, "Accept without")
    late = await second.press(f"vd:n:{submission.id}")
    assert second.alerts(late) == ["Already accepted by Mira."]
    reviews = await session.scalar(sa.select(sa.func.count()).select_from(SubmissionReview))
    assert reviews == 1


async def test_a_mentor_of_another_cohort_is_refused(
    session: AsyncSession,
    chat_as: Callable[..., Chat],
    woop: None,
    clock: FixedClock,
) -> None:
    outsider = chat_as(3003, "Kim")
    mentor = chat_as(3004, "Lou")
    learner = chat_as(LEARNER_ID, "Zoë")
    for person in (chat_as(ADMIN_ID, "Mira"), outsider, mentor, learner):
        await onboard(person)
    ours = Cohort(name="Ours", code="ours000001", created_at=clock.now())
    theirs = Cohort(name="Theirs", code="their00001", created_at=clock.now())
    session.add_all([ours, theirs])
    await session.flush()
    session.add_all(
        [
            CohortMember(
                cohort_id=ours.id,
                user_id=await user_id_of(session, LEARNER_ID),
                joined_at=clock.now(),
            ),
            CohortRoleRow(
                cohort_id=ours.id, user_id=await user_id_of(session, 3004), added_at=clock.now()
            ),
            CohortRoleRow(
                cohort_id=theirs.id, user_id=await user_id_of(session, 3003), added_at=clock.now()
            ),
        ]
    )
    await session.commit()
    await learner.send("/learn")
    await press(learner, "Assignment")
    await learner.send("Run 3k")
    await press(learner, "Skip")
    sent = await press(learner, "Submit")
    assert "Lou will review it" in last(learner)
    assert [m.chat_id for m in sent if isinstance(m, SendMessage) and "to review" in m.text] == [
        3004
    ]
    submission = await only_submission(session)
    assert submission.cohort_id == ours.id
    refused = await outsider.press(f"vd:r:{submission.id}")
    assert outsider.alerts(refused) == ["This work is not yours to review."]
    admin = chat_as(ADMIN_ID, "Mira")
    admin_now = await admin.press(f"vd:r:{submission.id}")
    assert admin.alerts(admin_now) == ["This work is not yours to review."]
    await outsider.send("/reviews")
    assert "Nothing waits" in last(outsider)
    await mentor.send("/reviews")
    assert "Waiting for review: 1" in last(mentor)
    await mentor.press(f"vd:r:{submission.id}")
    await mentor.send("More detail, please")
    assert (await only_submission(session)).status is SubmissionStatus.RETURNED


async def test_a_document_of_any_type_is_kept_by_file_id_and_resent_to_the_reviewer(
    chat_as: Callable[..., Chat],
    session: AsyncSession,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    course = tmp_path / "woop"
    shutil.copytree(WOOP_COURSE, course)
    wish = course / "01-woop" / "01-wish.md"
    wish.write_text(wish.read_text().replace("kind: photo", "kind: document"))
    await import_course(session, course, clock)
    await session.commit()
    admin = chat_as(ADMIN_ID, "Mira")
    await onboard(admin)
    learner = chat_as(LEARNER_ID, "Zoë")
    await onboard(learner)
    await learner.send("/learn")
    await press(learner, "Assignment")
    await learner.send("Run 3k")
    document = Document(file_id="BQdoc1", file_unique_id="udoc1", file_name="plan <v2>.exe")
    await learner.send_message(document=document)
    assert "[document] plan &lt;v2&gt;.exe" in last(learner)
    sent = await press(learner, "Submit")
    assert [m.document for m in sent if isinstance(m, SendDocument)] == ["BQdoc1"]

    # Re-imported without that field: the answers stay, the summary still shows them.
    wish.write_text(
        wish.read_text().split("    - id: woop.picture")[0] + "---\nEvery WOOP starts.\n"
    )
    await import_course(session, course, clock)
    await session.commit()
    submission = await only_submission(session)
    assert submission.data["woop.picture"]["file_id"] == "BQdoc1"
    await admin.send("/reviews")
    await press(admin, "📄 1")
    assert "woop.picture" in last(admin)


async def test_reviews_lists_the_oldest_first_and_the_note_goes_once_a_day(
    chat_as: Callable[..., Chat],
    session: AsyncSession,
    woop: None,
    clock: FixedClock,
) -> None:
    admin, _learner = await submitted_wish(chat_as)
    clock.advance(timedelta(hours=50))
    await admin.send("/reviews")
    assert "Zoë · «Your wish» · v1 · 2 days" in last(admin)
    notes = await claim_notes(session, clock.now(), {ADMIN_ID})
    admin_id = await user_id_of(session, ADMIN_ID)
    assert [(n.user_id, n.count) for n in notes] == [(admin_id, 1)]
    await session.execute(sa.update(Delivery).values(status="SENT"))
    assert await claim_notes(session, clock.now(), {ADMIN_ID}) == []
    kinds = await session.scalars(sa.select(Delivery.kind))
    assert list(kinds) == [DeliveryKind.REVIEWS_WAITING]


async def test_the_dashboards_link_into_the_chat_opens_the_reviews(
    chat_as: Callable[..., Chat], woop: None, clock: FixedClock
) -> None:
    admin, _learner = await submitted_wish(chat_as)
    clock.advance(timedelta(hours=3))
    await admin.send(f"/start {REVIEWS_DEEP_LINK}")
    assert "Zoë · «Your wish» · v1 · 3 hours" in last(admin)


async def test_export_has_the_versions_and_deleteme_keeps_a_reviewers_comment_nameless(
    chat_as: Callable[..., Chat],
    session: AsyncSession,
    woop: None,
    clock: FixedClock,
) -> None:
    admin, _learner = await submitted_wish(chat_as, "Run <3k> & 🔥")
    await press(admin, "Return")
    await admin.send("Shorter")
    learner_row = await session.get(User, await user_id_of(session, LEARNER_ID))
    assert learner_row is not None
    document = await learner_export(session, learner_row, clock.now())
    (version,) = document["assignments"]["submissions"]
    assert version["answers"]["woop.wish"]["text"] == "Run <3k> & 🔥"
    assert version["verdict"] == {"accepted": False, "comment": "Shorter", "reviewer": "Mira"}
    json.dumps(document)

    # The reviewer leaves: the comment on the learner's work stays, without their name.
    reviewer = await session.get(User, await user_id_of(session, ADMIN_ID))
    assert reviewer is not None
    reviewer.role = UserRole.LEARNER
    await session.flush()
    await erase_learner(session, reviewer, frozenset())
    await session.commit()
    document = await learner_export(session, learner_row, clock.now())
    assert document["assignments"]["submissions"][0]["verdict"]["reviewer"] is None
    # The learner leaves: their submissions, verdicts and outputs go.
    await erase_learner(session, learner_row, frozenset())
    await session.commit()
    for model in (Submission, SubmissionReview, FieldOutput):
        assert await session.scalar(sa.select(sa.func.count()).select_from(model)) == 0


async def test_decide_refuses_an_unknown_submission(
    session: AsyncSession, woop: None, clock: FixedClock
) -> None:
    catalogue = await load_catalogue(session)
    reviewer = User(telegram_id=5, first_name="R", created_at=clock.now(), updated_at=clock.now())
    session.add(reviewer)
    await session.flush()
    outcome = await decide(session, catalogue, reviewer, 424242, True, None, clock.now(), {5})
    assert outcome is ReviewRefusal.NOT_FOUND
    assert not isinstance(outcome, AlreadyDecided)


async def test_the_reviews_waiting_job_tells_each_reviewer_once_a_day(
    chat_as: Callable[..., Chat],
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    bot: Bot,
    offline_session: OfflineSession,
    woop: None,
    clock: FixedClock,
) -> None:
    await submitted_wish(chat_as)
    await session.execute(
        sa.update(User).where(User.telegram_id == ADMIN_ID).values(role=UserRole.ADMIN)
    )
    await session.commit()
    jobs = offline_jobs(session_factory, bot, clock)
    clock.advance(timedelta(hours=47))
    await jobs.reviews_waiting()
    assert not [t for t in sent_texts(offline_session, ADMIN_ID) if "48 hours" in t]
    clock.advance(timedelta(hours=2))
    await jobs.reviews_waiting()
    await jobs.reviews_waiting()
    notes = [t for t in sent_texts(offline_session, ADMIN_ID) if "48 hours" in t]
    assert notes == ["⏰ 1 submission has waited over 48 hours for your review: /reviews"]
    clock.advance(timedelta(days=1))
    await jobs.reviews_waiting()
    assert len([t for t in sent_texts(offline_session, ADMIN_ID) if "48 hours" in t]) == 2


async def test_the_roster_counts_and_lists_each_members_waiting_work(
    chat_as: Callable[..., Chat],
    session: AsyncSession,
    woop: None,
    clock: FixedClock,
) -> None:
    learner = chat_as(LEARNER_ID, "Zoë")
    await onboard(learner)
    cohort = Cohort(name="Ours", code="ours000001", created_at=clock.now())
    session.add(cohort)
    await session.flush()
    learner_id = await user_id_of(session, LEARNER_ID)
    session.add(CohortMember(cohort_id=cohort.id, user_id=learner_id, joined_at=clock.now()))
    await session.commit()
    await learner.send("/learn")
    await press(learner, "Assignment")
    await learner.send("Run 3k")
    await press(learner, "Skip")
    await press(learner, "Submit")
    catalogue = await load_catalogue(session)
    (row,) = await roster(session, catalogue, cohort.id, clock.now())
    assert row.waiting_submissions == 1
    assert await waiting_per_member(session, cohort.id) == {learner_id: 1}
    (waiting,) = await waiting_submissions(session, catalogue, cohort.id)
    assert (waiting.first_name, waiting.version) == ("Zoë", 1)
    assert waiting.lesson is not None
    assert waiting.lesson.title == "Your wish"


async def test_stats_show_what_waits_the_median_time_to_review_and_the_share_accepted(
    chat_as: Callable[..., Chat], woop: None, clock: FixedClock
) -> None:
    admin, learner = await submitted_wish(chat_as)
    await admin.send("/stats")
    assert "Waiting for review: <b>1</b>" in last(admin)
    clock.advance(timedelta(hours=3))
    await press(admin, "Return")
    await admin.send("Which days?")
    await press(learner, "Edit and send again")
    await press(learner, "Submit")
    clock.advance(timedelta(hours=5))
    await admin.send("/reviews")
    await press(admin, "📄 1")
    await press(admin, "Accept")
    await press(admin, "Accept without")
    await admin.send("/stats")
    stats = last(admin)
    assert "Waiting for review: <b>0</b>" in stats
    assert "Median time to review: 4 hours" in stats
    assert "Accepted: 50% of 2 reviewed (30 days)" in stats
