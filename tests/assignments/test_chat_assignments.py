"""Assignments in the chat: a learner answers field by field, submits, a reviewer returns
it with a comment, the learner resubmits, the reviewer accepts; points, versions and the
field output quoted by a later lesson."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from aiogram.methods import SendPhoto
from aiogram.types import PhotoSize, Sticker
from sqlalchemy.ext.asyncio import AsyncSession

from bot.entry.app import build_i18n
from bot.rules.clock import FixedClock
from bot.rules.course import load_course_map
from bot.rules.learning.unlocks import LessonState, LockReason, ProgressRow, status_of
from bot.telegram.views import learning
from db.enums import ProgressStatus, SubmissionStatus
from db.models import (
    FieldOutput,
    Lesson,
    PointsLedger,
    Submission,
    SubmissionReview,
    User,
    UserProgress,
)
from tests.assignments.conftest import ADMIN_ID
from tests.assignments.people import keys, last, press
from tests.support.chat import Chat
from tests.support.factories import make_user
from tests.support.flows import onboard

LEARNER_ID = 1001


def photo(file_id: str = "AgACphoto1") -> list[PhotoSize]:
    return [PhotoSize(file_id=file_id, file_unique_id="u" + file_id, width=90, height=90)]


def sticker() -> Sticker:
    return Sticker(
        file_id="CAsticker",
        file_unique_id="usticker",
        type="regular",
        width=512,
        height=512,
        is_animated=False,
        is_video=False,
    )


async def versions(session: AsyncSession) -> list[Submission]:
    rows = await session.scalars(
        sa.select(Submission).order_by(Submission.version).execution_options(populate_existing=True)
    )
    return list(rows)


async def lesson_progress(session: AsyncSession, slug: str) -> UserProgress | None:
    return await session.scalar(
        sa.select(UserProgress)
        .join(Lesson, Lesson.id == UserProgress.lesson_id)
        .where(Lesson.slug == slug)
        .execution_options(populate_existing=True)
    )


async def people(chat_as: Callable[..., Chat]) -> tuple[Chat, Chat]:
    admin = chat_as(ADMIN_ID, "Mira")
    await onboard(admin)
    learner = chat_as(LEARNER_ID, "Zoë <🔥>")
    await onboard(learner)
    return admin, learner


async def test_the_whole_loop_draft_submit_return_resubmit_accept_points_and_placeholder(
    chat_as: Callable[..., Chat], session: AsyncSession, woop: None, clock: FixedClock
) -> None:
    admin, learner = await people(chat_as)
    await learner.send("/learn")
    assert "Every WOOP starts with a wish" in last(learner)
    await press(learner, "Assignment (2 fields)")
    assert "What is your <b>wish</b>" in last(learner)
    assert "field 1 of 2" in last(learner)

    # Wrong kind, too short: a clear message and the same prompt; nothing is kept.
    await learner.send_message(sticker=sticker())
    assert "not what this field takes" in last(learner)
    assert "What is your <b>wish</b>" in last(learner)
    await learner.send("ab")
    assert "at least 3 characters" in last(learner)
    await learner.send("Run <5k> & smile 🏃")
    assert "field 2 of 2" in last(learner)
    assert "Skip" in str(keys(learner))
    await learner.send("a text for a photo field")
    assert "not what this field takes" in last(learner)
    await learner.send_message(photo=photo())
    summary = last(learner)
    assert "Run &lt;5k&gt; &amp; smile 🏃" in summary
    assert "[photo]" in summary
    (draft,) = await versions(session)
    assert draft.status is SubmissionStatus.DRAFT
    assert draft.data["woop.wish"] == {"kind": "text", "text": "Run <5k> & smile 🏃"}

    sent = await press(learner, "Submit")
    assert "Sent for review" in last(learner)
    assert "Mira will review it" in last(learner)
    (work,) = [text for text in admin.texts(sent) if "Assignment to review" in text]
    assert "Zoë &lt;🔥&gt;" in work
    assert [m.photo for m in sent if isinstance(m, SendPhoto)] == ["AgACphoto1"]
    first_return = next(d for label, d in keys(admin) if "Return" in label)
    first_accept = next(d for label, d in keys(admin) if "Accept" in label)

    await learner.send("/modules")
    assert "waiting for review" in last(learner)

    # Returned with a comment.
    await admin.press(first_return)
    assert "Write what to change" in last(admin)
    sent = await admin.send("Make it <smaller> & concrete")
    (verdict,) = [t for t in learner.texts(sent) if "was returned by" in t]
    assert "Make it &lt;smaller&gt; &amp; concrete" in verdict
    (edit_again,) = [d for label, d in keys(learner) if "Edit and send again" in label]
    await learner.send("/modules")
    assert "↩️ returned" in last(learner)

    # The learner opens it: version 2 at its summary, the comment shown; edits and resubmits.
    await learner.press(edit_again)
    assert "version 2" in last(learner)
    assert "Make it &lt;smaller&gt;" in last(learner)
    await press(learner, "✏️ 1")
    await learner.send("Run 3k")
    assert "Run 3k" in last(learner)
    await press(learner, "Submit")
    first, second = await versions(session)
    assert (first.version, first.status) == (1, SubmissionStatus.RETURNED)
    assert first.data["woop.wish"]["text"] == "Run <5k> & smile 🏃"  # never overwritten
    assert (second.version, second.status) == (2, SubmissionStatus.SUBMITTED)
    await learner.send("Run 4k")  # a field answered after Submit: not taken
    assert (await versions(session))[1].data["woop.wish"]["text"] == "Run 3k"

    # A replayed button of version 1: already decided, and by whom.
    replay = await admin.press(first_accept)
    assert admin.alerts(replay) == ["Already returned by Mira."]
    await press(admin, "Accept")
    assert "Add a comment" in last(admin)
    sent = await press(admin, "Accept without a comment")
    (verdict,) = [t for t in learner.texts(sent) if "was accepted by" in t]
    assert "+50" in verdict or "50" in verdict
    progress = await lesson_progress(session, "wish")
    assert progress is not None
    assert progress.status is ProgressStatus.COMPLETED
    learner_row = await session.scalar(sa.select(User).where(User.telegram_id == LEARNER_ID))
    assert learner_row is not None
    points = await session.scalar(
        sa.select(sa.func.sum(PointsLedger.points)).where(PointsLedger.user_id == learner_row.id)
    )
    assert points
    assert points >= 50
    reviews = list(await session.scalars(sa.select(SubmissionReview)))
    assert sorted(r.accepted for r in reviews) == [False, True]
    output = await session.scalar(sa.select(FieldOutput).where(FieldOutput.field_id == "woop.wish"))
    assert output is not None
    assert output.value["text"] == "Run 3k"

    # The next lesson quotes the answer (escaped) and opens now that the field exists.
    await learner.send("/learn")
    assert "Your wish: «Run 3k»" in last(learner)


async def test_a_lesson_requiring_a_field_stays_locked_until_it_is_submitted(
    session: AsyncSession, woop: None, clock: FixedClock
) -> None:
    course = await load_course_map(session)
    wish, outcome, _end = course.lessons
    user = await make_user(session)
    done = {wish.id: ProgressRow(ProgressStatus.COMPLETED, 100, 1, clock.now())}
    locked = status_of(course, done, user, clock.now(), outcome.id, frozenset())
    assert (locked.state, locked.reason) == (LessonState.LOCKED, LockReason.FIELDS)
    assert locked.blocked_by == "Your wish"
    i18n = build_i18n()
    with i18n.context(), i18n.use_locale("en"):
        assert learning.lock_hint(locked) == "finish «Your wish» first"
    opened = status_of(course, done, user, clock.now(), outcome.id, {"woop.wish"})
    assert opened.state is LessonState.AVAILABLE
