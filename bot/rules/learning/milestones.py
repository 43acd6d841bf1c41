"""Moments worth a celebration: a module finished, the whole course finished.

A completion that finishes the last lesson of a module is a module milestone, with the
next unfinished module as what comes next. A completion after which every published
lesson of the course is done finishes the course: it completes the learner's journey and
issues the learner's certificate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.course import CourseMap, LessonInfo, ModuleInfo
from bot.rules.learning.certificates import CertificateInfo, issue_certificate
from bot.rules.learning.journeys import complete_journey
from db.models import User


@dataclass(frozen=True)
class Milestone:
    module: ModuleInfo  # the module this completion finished
    next_module: ModuleInfo | None  # the first module still to finish
    certificate: CertificateInfo | None = None  # set when the whole course is finished

    @property
    def course_finished(self) -> bool:
        return self.certificate is not None


async def milestone_after(
    session: AsyncSession,
    course: CourseMap,
    user: User,
    lesson: LessonInfo,
    done: frozenset[int],
    now: datetime,
) -> Milestone | None:
    """The milestone the first completion of `lesson` reached, if any (`done` includes it)."""
    module = course.module(lesson.module_id)
    if not all(item.id in done for item in module.lessons):
        return None
    unfinished = [m for m in course.modules if not all(i.id in done for i in m.lessons)]
    if unfinished:
        return Milestone(module, unfinished[0])
    if course.id:
        await complete_journey(session, user.id, course.id, now)
    certificate = await issue_certificate(session, user, course.title, now, course.id)
    return Milestone(module, None, certificate)
