"""An assignment that completes its lesson: accepted by a reviewer, or submitted for a
`self` review. The lesson completes then, once, with its points, when its quiz (if it
has one) is passed too; a quiz passed later completes it then (bot.rules.learning.quizzes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.course import CourseMap, LessonInfo
from bot.rules.learning.milestones import Milestone, milestone_after
from bot.rules.learning.unlocks import load_progress
from bot.rules.motivation.awards import LessonCompleted, Rewards, award
from bot.rules.pending import Pending
from db.enums import ProgressStatus
from db.models import User, UserProgress


@dataclass(frozen=True)
class Completion:
    rewards: Rewards
    milestone: Milestone | None


async def complete_lesson(
    session: AsyncSession,
    course: CourseMap,
    learner: User,
    lesson: LessonInfo,
    version: int,
    now: datetime,
) -> Completion | None:
    """Complete the lesson of an accepted assignment, when nothing else is missing; the
    first version accepted earns the first-try bonus, like a quiz passed at once."""
    progress = await load_progress(session, learner.id, lock=True)
    row = progress.get(lesson.id)
    if row is None or row.status is ProgressStatus.COMPLETED:
        return None
    if lesson.questions and (row.score or 0) < lesson.pass_mark:
        return None  # the quiz is still to pass: passing it completes the lesson
    await session.execute(
        update(UserProgress)
        .where(UserProgress.user_id == learner.id, UserProgress.lesson_id == lesson.id)
        .values(status=ProgressStatus.COMPLETED, completed_at=now, updated_at=now)
    )
    done = frozenset(
        [lid for lid, r in progress.items() if r.status is ProgressStatus.COMPLETED] + [lesson.id]
    )
    times = tuple(r.completed_at for r in progress.values() if r.completed_at is not None)
    pending = Pending()
    happened = LessonCompleted(
        lesson, done, score=row.score or 100, attempt=version, completed_at=(*times, now)
    )
    rewards = await award(session, pending, course, learner, happened, now)
    milestone = await milestone_after(session, course, learner, lesson, done, now)
    await pending.write(session)
    return Completion(rewards, milestone)
