"""What a finished placement check decides.

- A module is **tested out** when every one of its questions the check asked was answered
  right (at least one was asked: a module whose questions were all removed cannot be) and
  every module it requires is passed (all its lessons done) or tested out itself.
- Its lessons not done yet become done, marked tested out (`user_progress.tested_out`, no
  score, no completion time): they count for unlocking and for finishing the course, earn
  no points, and stay open to read and to retake, which pays nothing.
- The check's answers become review cards, rated as lesson answers (right: Good; wrong:
  Again; right after a miss in an earlier attempt of the check: Hard).
- A check that leaves every lesson of the course done finishes it: the journey completes,
  the certificate is issued and the course's achievements are checked (bot.rules.motivation
  .awards: a finished course counts whole).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.course import CourseMap, ModuleInfo, QuestionInfo
from bot.rules.learning.certificates import CertificateInfo, issue_certificate
from bot.rules.learning.journeys import complete_journey
from bot.rules.learning.unlocks import (
    NextStep,
    ProgressRow,
    lesson_statuses,
    load_progress,
    next_step,
)
from bot.rules.motivation.awards import PlacementFinished, Rewards, award
from bot.rules.pending import Pending
from bot.rules.review.cards import CardAnswer, learn_from_answers
from db.enums import PlacementStatus, ProgressStatus
from db.models import PlacementAnswer, PlacementCheck, ReviewCard, User, UserProgress
from db.upsert import upsert

TESTED_OUT_KEY = ("user_id", "lesson_id")
TESTED_OUT_UPDATE = ("status", "tested_out", "updated_at")


@dataclass(frozen=True)
class ModuleScore:
    module: ModuleInfo
    right: int
    asked: int
    tested_out: bool


@dataclass(frozen=True)
class PlacementResult:
    """The check's outcome: each module's score, what comes next, and (when the check
    finished the course) the certificate and what it earned."""

    course: CourseMap
    modules: tuple[ModuleScore, ...]
    step: NextStep
    certificate: CertificateInfo | None = None
    rewards: Rewards | None = None

    @property
    def tested_out(self) -> int:
        return sum(1 for score in self.modules if score.tested_out)


def course_questions(course: CourseMap) -> dict[int, tuple[QuestionInfo, int]]:
    """Every question of the course by id, with the id of its module."""
    return {
        question.id: (question, lesson.module_id)
        for lesson in course.lessons
        for question in lesson.questions
    }


def tested_out_modules(
    course: CourseMap, scores: Mapping[int, tuple[int, int]], passed: set[int]
) -> set[int]:
    """The modules tested out (see the module docstring), given each module's (right,
    asked) and the modules already passed. Repeated until nothing changes, so the rule
    holds whatever order the course lists its modules in."""
    tested: set[int] = set()
    changed = True
    while changed:
        changed = False
        for module in course.modules:
            right, asked = scores.get(module.id, (0, 0))
            if module.id in tested or not asked or right < asked:
                continue
            if all(m.id in tested or m.id in passed for m in course.required_modules(module)):
                tested.add(module.id)
                changed = True
    return tested


def _done(row: ProgressRow | None) -> bool:
    return row is not None and row.status is ProgressStatus.COMPLETED


async def finish_check(
    session: AsyncSession,
    course: CourseMap,
    user: User,
    check: PlacementCheck,
    answers: Sequence[PlacementAnswer],
    cards: Mapping[int, ReviewCard],
    now: datetime,
) -> PlacementResult:
    """Score the check's attempt, mark the tested-out lessons done, and finish the course
    when nothing is left of it."""
    questions = course_questions(course)
    answered = {
        a.question_id: bool(a.is_correct)
        for a in answers
        if a.attempt == check.attempt and a.answered_at is not None
    }
    scores = {module.id: (0, 0) for module in course.modules}
    for question_id in check.question_ids:
        if question_id in answered and question_id in questions:
            module_id = questions[question_id][1]
            right, asked = scores[module_id]
            scores[module_id] = (right + int(answered[question_id]), asked + 1)
    progress = await load_progress(session, user.id)
    passed = {m.id for m in course.modules if all(_done(progress.get(i.id)) for i in m.lessons)}
    tested = tested_out_modules(course, scores, passed)
    await _mark_tested_out(session, course, user, tested, progress, now)
    check.status = PlacementStatus.FINISHED
    check.ended_at = now
    check.scores = {m.slug: [*scores[m.id], int(m.id in tested)] for m in course.modules}
    check.modules_total = len(course.modules)
    check.modules_tested_out = len(tested)
    await learn_from_check(session, check, answers, cards)
    certificate = rewards = None
    completed = frozenset(lesson_id for lesson_id, row in progress.items() if _done(row))
    if tested and all(lesson.id in completed for lesson in course.lessons):
        certificate, rewards = await _course_finished(session, course, user, progress, now)
    return PlacementResult(
        course,
        tuple(ModuleScore(m, *scores[m.id], m.id in tested) for m in course.modules),
        next_step(lesson_statuses(course, progress, user, now)),
        certificate,
        rewards,
    )


async def _mark_tested_out(
    session: AsyncSession,
    course: CourseMap,
    user: User,
    tested: set[int],
    progress: dict[int, ProgressRow],
    now: datetime,
) -> None:
    """The lessons of the tested-out modules not done yet become done, tested out (one
    statement; `progress` is brought up to date)."""
    lessons = [
        lesson
        for module in course.modules
        if module.id in tested
        for lesson in module.lessons
        if not _done(progress.get(lesson.id))
    ]
    if not lessons:
        return
    rows = [
        {
            "user_id": user.id,
            "lesson_id": lesson.id,
            "status": ProgressStatus.COMPLETED,
            "tested_out": True,
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }
        for lesson in lessons
    ]
    statement = upsert(session, UserProgress, key=TESTED_OUT_KEY, update=TESTED_OUT_UPDATE)
    await session.execute(statement, rows)
    for lesson in lessons:
        before = progress.get(lesson.id)
        attempts = before.attempts if before is not None else 0
        progress[lesson.id] = ProgressRow(ProgressStatus.COMPLETED, None, attempts, None, True)


async def _course_finished(
    session: AsyncSession,
    course: CourseMap,
    user: User,
    progress: dict[int, ProgressRow],
    now: datetime,
) -> tuple[CertificateInfo, Rewards]:
    """Every lesson is done: the journey completes, the certificate, the achievements."""
    if course.id:
        await complete_journey(session, user.id, course.id, now)
    certificate = await issue_certificate(session, user, course.title, now, course.id)
    completed = frozenset(lesson_id for lesson_id, row in progress.items() if _done(row))
    tested_out = frozenset(lesson_id for lesson_id, row in progress.items() if row.tested_out)
    pending = Pending()
    rewards = await award(
        session, pending, course, user, PlacementFinished(completed, tested_out), now
    )
    await pending.write(session)
    return certificate, rewards


async def learn_from_check(
    session: AsyncSession,
    check: PlacementCheck,
    answers: Sequence[PlacementAnswer],
    cards: Mapping[int, ReviewCard],
) -> None:
    """The answers of the check's attempt become review cards (a wrong answer in an earlier
    attempt of the check makes a right one Hard)."""
    missed = {(a.question_id, a.attempt) for a in answers if a.is_correct is False}
    await learn_from_answers(
        session,
        [
            CardAnswer(
                check.user_id,
                a.question_id,
                bool(a.is_correct),
                any((a.question_id, earlier) in missed for earlier in range(1, a.attempt)),
                a.answered_at,
            )
            for a in answers
            if a.attempt == check.attempt and a.answered_at is not None
        ],
        cards,
    )
