"""Submit, and the reviewer's side: Accept and Return, the first to act decides.

- Submit: every required field answered, the draft becomes version N, SUBMITTED; its
  answers become the learner's field outputs. `self` review accepts it at once (and
  completes the lesson); `mentor` review names the reviewers (`reviewers_of`: the mentors
  of the learner's cohorts, else the admins, never the learner).
- Accept (comment optional) and Return (comment required) only by one of the learner's
  reviewers, only of a SUBMITTED version: the status changes under a conditional UPDATE,
  so a second reviewer (or a replayed button) finds it decided and is told by whom.
  Accept completes the lesson and pays its points.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.assignments.completion import Completion, complete_lesson
from bot.rules.assignments.drafts import DraftRefusal, Summary, own_draft, summary_of
from bot.rules.cohorts.membership import reviewers_of
from bot.rules.course import Catalogue, Courses, LessonInfo
from db.enums import SubmissionStatus
from db.models import FieldOutput, Submission, SubmissionReview, User
from db.queries.assignments import review_cohort, verdict_of
from db.upsert import upsert


async def reviewers_for(
    session: AsyncSession, learner: User, admin_ids: Collection[int], *, alone: bool = False
) -> list[User]:
    """`reviewers_of` the learner; with `alone` (the terminal demo, where the one person is
    learner and admin), the learner themselves when nobody else would review them."""
    reviewers = await reviewers_of(session, learner.id, admin_ids)
    return reviewers or ([learner] if alone else [])


COMMENT_MAX = 3000  # characters of a reviewer's comment (the learner's message has room)


@dataclass(frozen=True)
class Work:
    """A submitted version as a reviewer sees it."""

    summary: Summary
    learner_id: int
    learner_telegram_id: int
    learner_name: str | None
    course_title: str
    submitted_at: datetime | None


@dataclass(frozen=True)
class Submitted:
    work: Work
    reviewers: list[User]  # empty for a self review
    completion: Completion | None = None  # a self review that completed the lesson


async def submit(
    session: AsyncSession,
    catalogue: Catalogue,
    user: User,
    submission_id: int,
    now: datetime,
    admin_ids: Collection[int],
    *,
    alone: bool = False,
) -> Submitted | DraftRefusal:
    found = await own_draft(session, catalogue, user, submission_id)
    if isinstance(found, DraftRefusal):
        return found
    lesson, draft = found
    summary = await summary_of(session, lesson, draft)
    if summary.missing:
        return DraftRefusal.INCOMPLETE
    mentor = summary.assignment.mentor_review
    draft.status = SubmissionStatus.SUBMITTED if mentor else SubmissionStatus.ACCEPTED
    draft.asking, draft.submitted_at, draft.updated_at = None, now, now
    draft.decided_at = None if mentor else now
    draft.cohort_id = await review_cohort(session, user.id) if mentor else None
    await _keep_outputs(session, user.id, draft, now)
    await session.flush()
    course = catalogue.course_of_lesson(lesson.id)
    work = await work_of(session, catalogue, draft, user)
    assert course is not None
    assert work is not None
    if not mentor:
        completion = await complete_lesson(session, course, user, lesson, draft.version, now)
        return Submitted(work, [], completion)
    return Submitted(work, await reviewers_for(session, user, admin_ids, alone=alone))


async def _keep_outputs(
    session: AsyncSession, user_id: int, version: Submission, now: datetime
) -> None:
    """The submitted answers become the learner's field outputs (the latest wins)."""
    rows = [
        {
            "user_id": user_id,
            "field_id": field_id,
            "submission_id": version.id,
            "value": answer,
            "updated_at": now,
        }
        for field_id, answer in version.data.items()
        if answer
    ]
    if rows:
        statement = upsert(
            session,
            FieldOutput,
            key=("user_id", "field_id"),
            update=("submission_id", "value", "updated_at"),
        )
        await session.execute(statement, rows)


class ReviewRefusal(enum.Enum):
    NOT_FOUND = "not_found"  # no such submission (a forged button)
    NOT_YOURS = "not_yours"  # the actor does not review this learner's work


@dataclass(frozen=True)
class AlreadyDecided:
    accepted: bool
    reviewer_name: str | None  # None: the reviewer has deleted themselves


@dataclass(frozen=True)
class Decided:
    work: Work
    accepted: bool
    comment: str | None
    reviewer_name: str | None
    completion: Completion | None = None


async def reviewable(
    session: AsyncSession,
    catalogue: Catalogue,
    reviewer: User,
    submission_id: int,
    admin_ids: Collection[int],
    *,
    lock: bool = False,
    alone: bool = False,
) -> tuple[Submission, User, LessonInfo] | ReviewRefusal | AlreadyDecided:
    """The submission when `reviewer` may decide it now; else why not."""
    query = select(Submission, User).join(User, User.id == Submission.user_id)
    query = query.where(Submission.id == submission_id)
    row = (await session.execute(query.with_for_update() if lock else query)).first()
    lesson = catalogue.lesson(row[0].lesson_id) if row is not None else None
    if row is None or lesson is None or lesson.assignment is None:
        return ReviewRefusal.NOT_FOUND
    submission, learner = row
    reviewers = await reviewers_for(session, learner, admin_ids, alone=alone)
    if reviewer.id not in {person.id for person in reviewers}:
        return ReviewRefusal.NOT_YOURS
    if submission.status is not SubmissionStatus.SUBMITTED:
        verdict = await verdict_of(session, submission.id)
        accepted = submission.status is SubmissionStatus.ACCEPTED
        return AlreadyDecided(accepted, verdict[1] if verdict else None)
    return submission, learner, lesson


async def decide(
    session: AsyncSession,
    catalogue: Catalogue,
    reviewer: User,
    submission_id: int,
    accepted: bool,
    comment: str | None,
    now: datetime,
    admin_ids: Collection[int],
    *,
    alone: bool = False,
) -> Decided | ReviewRefusal | AlreadyDecided:
    """Accept or return a submitted version (see the module's rules)."""
    found = await reviewable(
        session, catalogue, reviewer, submission_id, admin_ids, lock=True, alone=alone
    )
    if not isinstance(found, tuple):
        return found
    submission, learner, lesson = found
    status = SubmissionStatus.ACCEPTED if accepted else SubmissionStatus.RETURNED
    changed = await session.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.status == SubmissionStatus.SUBMITTED)
        .values(status=status, decided_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if not changed.rowcount:  # type: ignore[attr-defined]
        return AlreadyDecided(False, None)  # decided meanwhile (the lock makes this rare)
    submission.status = status
    comment = (comment or "").strip()[:COMMENT_MAX] or None
    session.add(
        SubmissionReview(
            submission_id=submission.id,
            reviewer_id=reviewer.id,
            accepted=accepted,
            comment=comment,
            created_at=now,
        )
    )
    await session.flush()
    course = catalogue.course_of_lesson(lesson.id)
    assert course is not None
    completion = None
    if accepted:
        completion = await complete_lesson(
            session, course, learner, lesson, submission.version, now
        )
    work = await work_of(session, catalogue, submission, learner)
    assert work is not None
    return Decided(work, accepted, comment, reviewer.first_name, completion)


async def work_of(
    session: AsyncSession, courses: Courses, submission: Submission, learner: User
) -> Work | None:
    course = courses.course_of_lesson(submission.lesson_id)
    lesson = course.by_id.get(submission.lesson_id) if course is not None else None
    if course is None or lesson is None or lesson.assignment is None:
        return None
    summary = await summary_of(session, lesson, submission)
    return Work(
        summary,
        learner.id,
        learner.telegram_id,
        learner.first_name,
        course.title,
        submission.submitted_at,
    )
