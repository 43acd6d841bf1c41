"""The placement check in the chat: the choice, the polls, the result, and what follows."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.telegram.callbacks import (
    CourseAction,
    CourseCb,
    LessonCb,
    PlacementAction,
    PlacementCb,
    QuizCb,
)
from db.enums import PlacementStatus, PointsReason
from db.models import (
    Lesson,
    Module,
    PlacementCheck,
    PointsLedger,
    QuizQuestion,
    ReviewCard,
    User,
    UserProgress,
)
from tests.placement.conftest import OnboardedChat, take_check


async def test_onboarding_into_a_course_with_a_check_offers_the_choice(
    learner: OnboardedChat,
) -> None:
    chat = await learner()
    text = chat.last_text()
    assert "A short check asks a few questions of each module" in text
    labels = [label for label, _data in chat.buttons()]
    assert labels == [
        "🧪 Check what I know (6 questions, about 2 min)",
        "▶️ Start from the beginning",
    ]


async def test_module_one_right_and_the_rest_wrong_starts_at_module_two_without_points(
    learner: OnboardedChat, session: AsyncSession, placed: list[Module]
) -> None:
    chat = await learner()
    texts = await take_check(chat, right_in={1})
    result = texts[-1]
    assert "🧪 <b>Placement check: done</b>" in result
    assert "✓ 1. Module 1 — skipped (2/2 right)" in result
    assert "▶ 2. Module 2 — starts here (0/2 right)" in result
    assert "· 3. Module 3 (0/2 right)" in result
    assert "First lesson to take: <b>Lesson 2.1</b>" in result
    assert chat.buttons() == [(b, d) for b, d in chat.buttons() if "Lesson 2.1" in b]
    sent = await chat.send("/learn")
    assert "Lesson 2.1" in chat.texts(sent)[0]
    module_one = [lesson.id for lesson in placed[0].lessons]
    paid = await session.scalars(
        sa.select(PointsLedger.award_key).where(PointsLedger.lesson_id.in_(module_one))
    )
    assert list(paid) == []
    tested = await session.scalars(
        sa.select(UserProgress.lesson_id).where(UserProgress.tested_out.is_(True))
    )
    assert sorted(tested) == sorted(module_one)


async def test_a_wrong_answer_in_module_one_tests_nothing_out_even_with_module_two_right(
    learner: OnboardedChat, session: AsyncSession
) -> None:
    chat = await learner()
    result = (await take_check(chat, right_in={2, 3}))[-1]
    assert "▶ 1. Module 1 — starts here (0/2 right)" in result
    assert "· 2. Module 2 (2/2 right)" in result  # it requires module 1
    assert "First lesson to take: <b>Lesson 1.1</b>" in result
    assert await session.scalar(sa.select(sa.func.count()).select_from(UserProgress).where(
        UserProgress.tested_out.is_(True))) == 0  # fmt: skip


async def test_modules_and_progress_mark_the_tested_out_lessons(learner: OnboardedChat) -> None:
    chat = await learner()
    await take_check(chat, right_in={1})
    sent = await chat.send("/modules")
    overview = chat.texts(sent)[0]
    assert "⏭ Lesson 1.1 — <i>tested out</i>" in overview
    assert "🟢 Lesson 2.1" in overview
    sent = await chat.send("/progress")
    assert "✅ Module 1: 2/2 (2 tested out)" in chat.texts(sent)[0]


async def test_a_tested_out_lesson_stays_open_and_its_quiz_pays_nothing(
    learner: OnboardedChat, session: AsyncSession, placed: list[Module]
) -> None:
    chat = await learner()
    await take_check(chat, right_in={1})
    first = placed[0].lessons[0]
    sent = await chat.press_button("Lesson 2.1")  # the result's button opens module 2
    assert "Lesson 2.1" in chat.texts(sent)[0]
    sent = await chat.press(LessonCb(lesson_id=first.id).pack())
    assert "Lesson 1.1" in chat.texts(sent)[0]
    sent = await chat.press(QuizCb(lesson_id=first.id).pack())
    assert "this retake earns no points" in chat.texts(sent)[0]
    for _ in range(2):
        sent = await chat.answer_last_poll(right=True)
    assert "A retake of a finished lesson: no points this time." in chat.texts(sent)[-1]
    assert await session.scalar(sa.select(sa.func.count()).select_from(PointsLedger)) == 0


async def test_placement_answers_become_review_cards(
    learner: OnboardedChat, session: AsyncSession
) -> None:
    chat = await learner()
    await take_check(chat, right_in={1})
    cards = (await session.scalars(sa.select(ReviewCard))).all()
    assert len(cards) == 6
    assert sorted(card.reviews for card in cards) == [1] * 6


async def test_starting_from_the_beginning_abandons_the_check_and_the_card_offers_it_again(
    learner: OnboardedChat, session: AsyncSession
) -> None:
    chat = await learner()
    await chat.press_button("Check what I know")
    await chat.answer_last_poll(right=True)
    old_poll = chat.poll_ids()[-1]
    sent = await chat.press_button("Start from the beginning")
    assert "📘 From the beginning, then." in chat.texts(sent)[0]
    assert "Lesson 1.1" in chat.texts(sent)[0]
    check = await session.scalar(sa.select(PlacementCheck))
    assert check is not None
    assert check.status is PlacementStatus.ABANDONED
    # An answer to the abandoned check's open poll changes nothing.
    sent = await chat.answer_poll(old_poll, [0])
    assert sent == []
    await session.refresh(check)
    assert check.status is PlacementStatus.ABANDONED
    # The card offers the check again, until a lesson is done; taken again, it starts over.
    await chat.press(CourseCb(action=CourseAction.OPEN, course_id=check.course_id).pack())
    assert any("Check what I know" in label for label, _ in chat.buttons())
    sent = await chat.press_button("Check what I know")
    assert "🧪 1/6 · " in chat.polls(sent)[-1].question


async def test_a_redelivered_answer_is_handled_once(learner: OnboardedChat) -> None:
    chat = await learner()
    await chat.press_button("Check what I know")
    poll_id = chat.poll_ids()[-1]
    first = await chat.answer_poll(poll_id, [0])
    assert len(chat.polls(first)) == 1
    again = await chat.answer_poll(poll_id, [0])
    assert again == []


async def test_a_finished_check_is_not_taken_twice_and_its_polls_are_ignored(
    learner: OnboardedChat, session: AsyncSession
) -> None:
    chat = await learner()
    await take_check(chat, right_in=set())
    last_poll = chat.poll_ids()[-1]
    assert await chat.answer_poll(last_poll, [1]) == []
    check = await session.scalar(sa.select(PlacementCheck))
    assert check is not None
    data = PlacementCb(action=PlacementAction.CHECK, course_id=check.course_id).pack()
    sent = await chat.press(data)
    assert chat.alerts(sent) == [
        "You took this course's placement check already: it is taken once."
    ]
    assert chat.polls(sent) == []


async def test_a_question_removed_mid_check_is_skipped(
    learner: OnboardedChat, session: AsyncSession, placed: list[Module]
) -> None:
    chat = await learner()
    sent = await chat.press_button("Check what I know")
    sent = await chat.answer_last_poll(right=True)  # question 2 of 6 is asked
    check = await session.scalar(sa.select(PlacementCheck))
    assert check is not None
    asked = check.question_ids
    # A re-import removes the open question and one not asked yet.
    await session.execute(sa.delete(QuizQuestion).where(QuizQuestion.id.in_(asked[1:3])))
    await session.commit()
    assert await chat.answer_last_poll(right=True) == []  # its poll no longer counts
    await chat.press(CourseCb(action=CourseAction.OPEN, course_id=check.course_id).pack())
    sent = await chat.press_button("Continue the placement check")
    assert "question 2 of 4" in chat.texts(sent)[0]
    while chat.polls(sent):
        sent = await chat.answer_last_poll(right=True)
    assert "✓ 1. Module 1 — skipped (1/1 right)" in chat.texts(sent)[-1]


async def test_every_module_tested_out_finishes_the_course_with_its_certificate(
    learner: OnboardedChat, session: AsyncSession
) -> None:
    chat = await learner()
    texts = await take_check(chat, right_in={1, 2, 3})
    assert "🎓 You have finished the whole course" in texts[-1]
    assert "Graduate" in texts[-1]  # the course-complete achievement
    photos = [m for m in chat.sent if type(m).__name__ == "SendPhoto"]
    assert len(photos) == 1
    user = await session.scalar(sa.select(User))
    assert user is not None
    reasons = set(await session.scalars(sa.select(PointsLedger.reason)))
    assert reasons <= {PointsReason.ACHIEVEMENT}
    slugs = set(
        await session.scalars(
            sa.text(
                "SELECT a.slug FROM achievements a JOIN user_achievements u "
                "ON u.achievement_id = a.id"
            )
        )
    )
    assert "course-complete" in slugs
    assert "first-lesson" not in slugs  # testing out is not taking a lesson
    lessons = await session.scalar(sa.select(sa.func.count()).select_from(Lesson))
    assert lessons == 5
