"""Several courses in the chat: /courses, a course's card, Start / Continue / Make current,
the deep link, locked courses, the next course after one is finished, and an unpublished
current course."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.telegram.callbacks import CourseAction, CourseCb
from db.enums import JourneyStatus
from db.models import Course, Journey, User, UserProgress
from tests.support.chat import Chat
from tests.support.factories import make_course
from tests.support.flows import finish_lesson, onboard

MakeChat = Callable[..., Chat]


async def two_courses(session: AsyncSession, *, shape: list[int] | None = None) -> tuple[int, int]:
    """Git (one module of `shape` lessons) and GitHub, which requires Git: their ids."""
    git = (await make_course(session, shape or [2], slug="git", title="Git"))[0].course_id
    required = await session.get(Course, git)
    assert required is not None
    github = (await make_course(session, [1], slug="github", title="GitHub", requires=[required]))[
        0
    ].course_id
    await session.commit()
    return git, github


async def journeys(session: AsyncSession) -> list[tuple[int, JourneyStatus]]:
    rows = await session.execute(
        sa.select(Journey.course_id, Journey.status).order_by(Journey.course_id)
    )
    return [tuple(row) for row in rows.all()]  # type: ignore[misc]


async def test_onboarding_ends_in_the_catalogue_when_several_courses_are_published(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    await two_courses(session)
    chat = make_chat()
    await onboard(chat)
    text = chat.last_text()
    assert "every day at <b>09:00</b>" in text
    assert "<b>Git</b> — new" in text
    assert "<b>GitHub</b> — 🔒 needs «Git»" in text
    assert [label for label, _ in chat.buttons()] == ["Git", "🔒 GitHub"]
    user = await session.scalar(sa.select(User))
    assert user is not None
    assert user.current_course_id is None
    sent = await chat.send("/learn")  # no course chosen yet: the catalogue again
    assert "📚 <b>Courses</b>" in chat.texts(sent)[0]


async def test_start_on_a_card_makes_the_course_current_and_learn_follows_it(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    git, _github = await two_courses(session)
    chat = make_chat()
    await onboard(chat)
    sent = await chat.press(CourseCb(action=CourseAction.OPEN, course_id=git).pack())
    card = chat.texts(sent)[0]
    assert "📘 <b>Git</b>" in card
    assert "1 module · 2 lessons" in card
    assert "Your state: new" in card
    sent = await chat.press_button("Start")
    assert "You started «Git»" in chat.texts(sent)[0]
    assert "Lesson 1.1" in chat.texts(sent)[0]
    sent = await chat.send("/learn")
    assert "Git Lesson 1.1" in chat.texts(sent)[0]
    sent = await chat.send("/modules")
    assert "Git Lesson 1.2" in chat.texts(sent)[0]
    user = await session.scalar(sa.select(User))
    assert user is not None
    assert user.current_course_id == git
    assert await journeys(session) == [(git, JourneyStatus.ACTIVE)]


async def test_a_locked_course_refuses_start_even_from_a_forged_button(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    _git, github = await two_courses(session)
    chat = make_chat()
    await onboard(chat)
    sent = await chat.press_button("GitHub")
    card = chat.texts(sent)[0]
    assert "Requires: «Git»" in card
    assert "🔒 needs «Git»" in card
    assert [label for label, _ in chat.buttons()] == ["📚 All courses"]  # no Start
    forged = CourseCb(action=CourseAction.START, course_id=github).pack()
    sent = await chat.press(forged)
    assert chat.alerts(sent) == ["🔒 This course opens once you complete «Git»."]
    assert await journeys(session) == []
    sent = await chat.press(CourseCb(action=CourseAction.START, course_id=999).pack())
    assert chat.alerts(sent) == ["This course is not available."]


async def test_the_deep_link_opens_a_card_and_refuses_unknown_and_unpublished_courses(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    git, _github = await two_courses(session)
    chat = make_chat()
    await onboard(chat)
    sent = await chat.send("/start course-git")
    assert "📘 <b>Git</b>" in chat.texts(sent)[0]
    sent = await chat.send("/start course-github")
    assert "🔒 needs «Git»" in chat.texts(sent)[0]
    sent = await chat.send("/start course-nope")
    assert chat.texts(sent)[0].startswith("There is no such course")
    await session.execute(sa.update(Course).where(Course.id == git).values(is_published=False))
    await session.commit()
    sent = await chat.send("/start course-git")
    assert chat.texts(sent)[0].startswith("There is no such course")


async def test_two_courses_in_parallel_each_continue_where_they_were(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    git = (await make_course(session, [2], slug="git", title="Git"))[0].course_id
    goals = (await make_course(session, [2], slug="goals", title="Goals"))[0].course_id
    await session.commit()
    chat = make_chat()
    await onboard(chat)
    await chat.press(CourseCb(action=CourseAction.START, course_id=git).pack())
    texts = await finish_lesson(chat)
    assert "Git Lesson 1.2" in texts[-1]
    sent = await chat.send("/start course-goals")
    sent = await chat.press_button("Start")
    assert "Goals Lesson 1.1" in chat.texts(sent)[0]
    sent = await chat.send("/courses")
    listing = chat.texts(sent)[0]
    assert "<b>Git</b> — 50% · paused" in listing
    assert "<b>Goals</b> — 0% · current" in listing
    await chat.send("/start course-git")
    sent = await chat.press_button("Make current")
    assert "«Git» is your current course now" in chat.texts(sent)[0]
    assert "Git Lesson 1.2" in chat.texts(sent)[0]
    assert await journeys(session) == [(git, JourneyStatus.ACTIVE), (goals, JourneyStatus.PAUSED)]
    sent = await chat.send("/progress")
    progress = "\n".join(chat.texts(sent))
    assert "Git: 1/2 — 50% · current" in progress
    assert "Goals: 0/2 — 0% · paused" in progress


async def test_finishing_a_course_completes_its_journey_and_offers_the_next_unlocked_one(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    git, _github = await two_courses(session, shape=[1])
    chat = make_chat()
    await onboard(chat)
    await chat.press(CourseCb(action=CourseAction.START, course_id=git).pack())
    texts = await finish_lesson(chat)
    assert texts[-1] == "🧭 Ready for more? «GitHub» is open to you now."
    assert await journeys(session) == [(git, JourneyStatus.COMPLETED)]
    sent = await chat.press_button("See «GitHub»")
    assert "▶️ Start" in [label for label, _ in chat.buttons()]
    assert "Your state: new" in chat.texts(sent)[0]
    sent = await chat.send("/certificate")
    assert sent  # the certificate of the finished course


async def test_unpublishing_the_current_course_keeps_progress_and_learn_offers_another(
    session: AsyncSession, make_chat: MakeChat
) -> None:
    git = (await make_course(session, [2], slug="git", title="Git"))[0].course_id
    await make_course(session, [1], slug="goals", title="Goals")
    await session.commit()
    chat = make_chat()
    await onboard(chat)
    await chat.press(CourseCb(action=CourseAction.START, course_id=git).pack())
    await finish_lesson(chat)
    await session.execute(sa.update(Course).where(Course.id == git).values(is_published=False))
    await session.commit()
    sent = await chat.send("/learn")
    text = chat.texts(sent)[0]
    assert "Your course «Git» is not available at the moment. Nothing is lost" in text
    assert "<b>Goals</b> — new" in text
    assert "<b>Git</b>" not in text.split("another.")[1]
    done = await session.scalar(sa.select(sa.func.count()).select_from(UserProgress))
    assert done == 1  # the finished lesson is kept
    await session.execute(sa.update(Course).where(Course.id == git).values(is_published=True))
    await session.commit()
    sent = await chat.send("/learn")  # the course is back, and so is the learner's place in it
    assert "Git Lesson 1.2" in chat.texts(sent)[0]
