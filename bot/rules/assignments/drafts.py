"""The learner's side: a draft answered field by field, a summary, Submit.

- Opening an assignment: no version yet → draft version 1, asking its first field; a draft
  → where it was left (its open field, or the summary); a returned version → a new draft
  (version N+1) with the returned answers, at its summary with the reviewer's comment;
  a submitted or accepted version → its summary, read only.
- The draft is a database row after every answer (`asking` names the open field), so it
  survives restarts and works across bot processes. One field is open per learner:
  opening or editing another draft's field closes the one before.
- A field answer is one locking read and one UPDATE; a refused answer writes nothing.
- Submit turns the draft into a submitted version; earlier versions are never changed
  but for their status. The answers become the learner's field outputs.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.assignments.answers import Answer, Incoming, Refused, answer_for, choice_answer
from bot.rules.course import AssignmentInfo, CourseMap, Courses, FieldInfo, LessonInfo
from bot.rules.learning.lessons import LessonOpened, open_lesson
from db.enums import SubmissionStatus
from db.models import Submission, User
from db.queries.assignments import asking_draft, latest_states, latest_version, verdict_of


class DraftRefusal(enum.Enum):
    NOT_FOUND = "not_found"  # no such draft of this learner, or no such assignment
    LOCKED = "locked"  # the lesson is not open to the learner
    SUBMITTED = "submitted"  # the version was submitted already (a stale button)
    INCOMPLETE = "incomplete"  # Submit with a required field unanswered


@dataclass(frozen=True)
class Ask:
    """Ask `field` (the `number`-th of the assignment); `refused` says why the last
    message did not answer it."""

    submission_id: int
    lesson: LessonInfo
    field: FieldInfo
    number: int
    refused: Refused | None = None


@dataclass(frozen=True)
class Summary:
    """A version's answers by field, with what the learner may do with it."""

    submission_id: int
    lesson: LessonInfo
    version: int
    status: SubmissionStatus
    answers: dict[str, Answer | None]
    comment: str | None = None  # the reviewer's, when the version before was returned

    @property
    def assignment(self) -> AssignmentInfo:
        assert self.lesson.assignment is not None
        return self.lesson.assignment

    @property
    def editable(self) -> bool:
        return self.status is SubmissionStatus.DRAFT

    @property
    def missing(self) -> list[FieldInfo]:
        """The required fields still without an answer."""
        return [f for f in self.assignment.fields if f.required and not self.answers.get(f.id)]


Step = Ask | Summary | DraftRefusal


def next_field(assignment: AssignmentInfo, data: dict[str, Any], after: str | None) -> str | None:
    """The first field after `after` (from the start when None) the draft has no entry for:
    a first pass goes on to it; an edit (every field has its entry) goes to the summary."""
    ids = [f.id for f in assignment.fields]
    start = ids.index(after) + 1 if after in ids else 0
    return next((field_id for field_id in ids[start:] if field_id not in data), None)


async def open_assignment(
    session: AsyncSession, course: CourseMap, user: User, lesson_id: int, now: datetime
) -> Step:
    """The learner opens a lesson's assignment (see the module's rules)."""
    opened = await open_lesson(session, course, user, lesson_id, now)
    if not isinstance(opened, LessonOpened):
        return DraftRefusal.LOCKED
    lesson = opened.lesson
    if lesson.assignment is None:
        return DraftRefusal.NOT_FOUND
    latest = await latest_version(session, user.id, lesson_id, lock=True)
    if latest is None or latest.status is SubmissionStatus.RETURNED:
        data = dict(latest.data) if latest is not None else {}
        asking = next_field(lesson.assignment, data, None)
        await _close_other_fields(session, user.id)
        latest = Submission(
            user_id=user.id,
            lesson_id=lesson_id,
            version=latest.version + 1 if latest is not None else 1,
            status=SubmissionStatus.DRAFT,
            data=data,
            asking=asking,
            created_at=now,
            updated_at=now,
        )
        session.add(latest)
        await session.flush()
    elif latest.status is SubmissionStatus.DRAFT and latest.asking is not None:
        await _close_other_fields(session, user.id, keep=latest.id)
    return await _step(session, lesson, latest)


async def _close_other_fields(session: AsyncSession, user_id: int, keep: int = 0) -> None:
    await session.execute(
        update(Submission)
        .where(
            Submission.user_id == user_id,
            Submission.status == SubmissionStatus.DRAFT,
            Submission.asking.is_not(None),
            Submission.id != keep,
        )
        .values(asking=None)
        .execution_options(synchronize_session=False)
    )


async def _step(session: AsyncSession, lesson: LessonInfo, draft: Submission) -> Ask | Summary:
    assignment = lesson.assignment
    assert assignment is not None
    field = assignment.field(draft.asking) if draft.asking else None
    if field is not None and draft.status is SubmissionStatus.DRAFT:
        return Ask(draft.id, lesson, field, assignment.fields.index(field) + 1)
    return await summary_of(session, lesson, draft)


async def summary_of(session: AsyncSession, lesson: LessonInfo, version: Submission) -> Summary:
    """The summary of a version; a draft after a returned version shows that comment."""
    comment = None
    if version.status is SubmissionStatus.DRAFT and version.version > 1:
        comment = await latest_returned_comment(session, version)
    answers = dict(version.data)
    return Summary(version.id, lesson, version.version, version.status, answers, comment)


async def latest_returned_comment(session: AsyncSession, draft: Submission) -> str | None:
    previous = await session.scalar(
        select(Submission.id).where(
            Submission.user_id == draft.user_id,
            Submission.lesson_id == draft.lesson_id,
            Submission.version == draft.version - 1,
        )
    )
    verdict = await verdict_of(session, previous) if previous is not None else None
    return verdict[0].comment if verdict is not None else None


async def answer_field(
    session: AsyncSession, courses: Courses, user: User, incoming: Incoming, now: datetime
) -> Step | None:
    """A message that answers the learner's open field; None when no field is open (the
    message is not for assignments). At most one read and one write."""
    draft = await asking_draft(session, user.id)
    if draft is None or draft.asking is None:
        return None
    course = courses.course_of_lesson(draft.lesson_id)
    lesson = course.by_id.get(draft.lesson_id) if course is not None else None
    field = lesson.assignment.field(draft.asking) if lesson and lesson.assignment else None
    if lesson is None or field is None:  # the course changed under the draft: stop asking
        draft.asking = None
        return DraftRefusal.NOT_FOUND
    answer = answer_for(field, incoming)
    if isinstance(answer, Refused):
        assert lesson.assignment is not None
        return Ask(draft.id, lesson, field, lesson.assignment.fields.index(field) + 1, answer)
    return await _keep(session, lesson, draft, field, answer, now)


async def _keep(
    session: AsyncSession,
    lesson: LessonInfo,
    draft: Submission,
    field: FieldInfo,
    answer: Answer | None,
    now: datetime,
) -> Ask | Summary:
    assert lesson.assignment is not None
    data = {**draft.data, field.id: answer}
    draft.data = data
    draft.asking = next_field(lesson.assignment, data, field.id)
    draft.updated_at = now
    await session.flush()
    return await _step(session, lesson, draft)


async def own_draft(
    session: AsyncSession, courses: Courses, user: User, submission_id: int
) -> tuple[LessonInfo, Submission] | DraftRefusal:
    draft = await session.get(Submission, submission_id, with_for_update=True)
    if draft is None or draft.user_id != user.id:
        return DraftRefusal.NOT_FOUND
    course = courses.course_of_lesson(draft.lesson_id)
    lesson = course.by_id.get(draft.lesson_id) if course is not None else None
    if lesson is None or lesson.assignment is None:
        return DraftRefusal.NOT_FOUND
    if draft.status is not SubmissionStatus.DRAFT:
        return DraftRefusal.SUBMITTED
    return lesson, draft


def field_at(assignment: AssignmentInfo, number: int) -> FieldInfo | None:
    """The `number`-th field (1-based, as buttons name it)."""
    return assignment.fields[number - 1] if 1 <= number <= len(assignment.fields) else None


async def edit_field(
    session: AsyncSession,
    courses: Courses,
    user: User,
    submission_id: int,
    number: int,
    now: datetime,
) -> Step:
    """Edit from the summary: ask that field again (its old answer stays until replaced)."""
    found = await own_draft(session, courses, user, submission_id)
    if isinstance(found, DraftRefusal):
        return found
    lesson, draft = found
    assert lesson.assignment is not None
    field = field_at(lesson.assignment, number)
    if field is None:
        return DraftRefusal.NOT_FOUND
    await _close_other_fields(session, user.id, keep=draft.id)
    draft.asking, draft.updated_at = field.id, now
    await session.flush()
    return Ask(draft.id, lesson, field, number)


async def answer_by_button(
    session: AsyncSession,
    courses: Courses,
    user: User,
    submission_id: int,
    number: int,
    option: int | None,
    now: datetime,
) -> Step:
    """The open field answered by a button: an option of a choice, or Skip (`option`
    None) of an optional field. A button of a field no longer open changes nothing."""
    found = await own_draft(session, courses, user, submission_id)
    if isinstance(found, DraftRefusal):
        return found
    lesson, draft = found
    assert lesson.assignment is not None
    field = field_at(lesson.assignment, number)
    if field is None or draft.asking != field.id or (option is None and field.required):
        return await _step(session, lesson, draft)
    answer = choice_answer(field, option) if option is not None else None
    if isinstance(answer, Refused):
        return Ask(draft.id, lesson, field, number, answer)
    return await _keep(session, lesson, draft, field, answer, now)


async def assignment_states(
    session: AsyncSession, course: CourseMap, user_id: int
) -> dict[int, SubmissionStatus]:
    """The state of the learner's latest submitted version of each assignment of the
    course, by lesson (nothing is read for a course without assignments)."""
    lessons = [lesson.id for lesson in course.lessons if lesson.assignment is not None]
    return await latest_states(session, user_id, lessons) if lessons else {}
