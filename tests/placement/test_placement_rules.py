"""The placement check's rules without the chat: the draw, what is tested out, the course
file's `placement:`, and the learner's data."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.admin.learners import reset_progress
from bot.rules.clock import FixedClock
from bot.rules.content import CourseInvalid, import_course, load_courses
from bot.rules.course import Catalogue, CourseMap, load_catalogue
from bot.rules.placement import results
from bot.rules.placement.checks import (
    PlacementTurn,
    answer_placement_poll,
    record_placement_poll,
    start_check,
)
from bot.rules.placement.draw import draw_questions, placement_offer
from bot.rules.placement.results import PlacementResult
from bot.rules.placement.stats import learner_checks, placement_figures
from bot.rules.privacy.erasure import erase_learner
from bot.rules.privacy.export import learner_export
from db.enums import PlacementStatus
from db.models import Module, PlacementAnswer, PlacementCheck, QuizQuestion, User
from tests.support.factories import BUNDLED_COURSE, T0, make_user

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "support" / "courses" / "mini"


async def course_of(session: AsyncSession) -> CourseMap:
    catalogue = await load_catalogue(session)
    return catalogue.courses[0]


async def learner_in(session: AsyncSession, course: CourseMap, telegram_id: int = 1) -> User:
    return await make_user(session, telegram_id, current_course_id=course.id)


async def play(
    session: AsyncSession, user: User, right_in: set[int], now: datetime = T0
) -> PlacementResult:
    """Take the check through the rules: right in the modules (positions) `right_in`."""
    catalogue = await load_catalogue(session)
    course = catalogue.courses[0]
    position = {m.id: m.position for m in course.modules}
    module_of = {q.id: l.module_id for l in course.lessons for q in l.questions}  # noqa: E741
    outcome = await start_check(session, catalogue, user, course.id, now)
    count = 0
    while isinstance(outcome, PlacementTurn):
        poll_id = f"{user.id}-{count}"
        count += 1
        await record_placement_poll(session, outcome, poll_id, now)
        await session.flush()
        question = outcome.question
        right = position[module_of[question.id]] in right_in
        wrong = [i for i in range(len(question.options)) if i not in question.correct_option_ids]
        options = question.correct_option_ids if right else wrong[:1]
        shown = [outcome.order.index(option) for option in options]
        answered = await answer_placement_poll(session, catalogue, user, poll_id, shown, now)
        outcome = answered.turn or answered.result
    assert isinstance(outcome, PlacementResult), outcome
    return outcome


# ---------------------------------------------------------------- the draw


async def test_the_draw_is_the_same_for_a_learner_and_differs_between_learners(
    session: AsyncSession, placed: list[Module]
) -> None:
    course = await course_of(session)
    assert course.placement is not None
    drawn = {user_id: [q.id for q in draw_questions(course, user_id)] for user_id in range(1, 9)}
    assert drawn[1] == [q.id for q in draw_questions(course, 1)]
    assert len({tuple(ids) for ids in drawn.values()}) > 1
    module_of = {q.id: l.module_id for l in course.lessons for q in l.questions}  # noqa: E741
    for ids in drawn.values():
        per_module = [module_of[i] for i in ids]
        assert per_module == sorted(per_module, key=[m.id for m in course.modules].index)
        assert [per_module.count(m.id) for m in course.modules] == [2, 2, 2]


async def test_the_offer_ends_with_a_lesson_done_or_a_finished_check(
    session: AsyncSession, placed: list[Module]
) -> None:
    course = await course_of(session)
    offer = placement_offer(course, 1, set(), None)
    assert offer is not None
    assert (offer.questions, offer.minutes, offer.under_way) == (6, 2, False)
    assert placement_offer(course, 1, set(), PlacementStatus.IN_PROGRESS).under_way  # type: ignore[union-attr]
    assert placement_offer(course, 1, set(), PlacementStatus.ABANDONED) is not None
    assert placement_offer(course, 1, set(), PlacementStatus.FINISHED) is None
    assert placement_offer(course, 1, {course.lessons[0].id}, None) is None
    assert placement_offer(replace(course, placement=None), 1, set(), None) is None


# ---------------------------------------------------------------- what is tested out


async def test_a_module_is_tested_out_only_after_what_it_requires_whatever_the_listing_order(
    session: AsyncSession, placed: list[Module]
) -> None:
    course = await course_of(session)
    one, two, three = (m.id for m in course.modules)
    # Module 1 requires module 3 here (listed last), and 3 requires 2.
    shuffled = replace(course, module_requires={one: (three,), two: (), three: (two,)})
    all_right = {one: (2, 2), two: (2, 2), three: (2, 2)}
    assert results.tested_out_modules(shuffled, all_right, set()) == {one, two, three}
    assert results.tested_out_modules(shuffled, {**all_right, two: (1, 2)}, set()) == set()
    assert results.tested_out_modules(shuffled, {**all_right, two: (1, 2)}, {two}) == {one, three}


async def test_a_module_whose_questions_were_all_removed_cannot_be_tested_out(
    session: AsyncSession, placed: list[Module]
) -> None:
    course = await course_of(session)
    user = await learner_in(session, course)
    first = [q.id for q in course.modules[0].lessons[0].questions] + [
        q.id for q in course.modules[0].lessons[1].questions
    ]
    await session.execute(sa.delete(QuizQuestion).where(QuizQuestion.id.in_(first)))
    result = await play(session, user, right_in={1, 2, 3})
    assert [(s.asked, s.tested_out) for s in result.modules] == [(0, False), (2, False), (2, False)]
    assert result.step.lesson is not None
    assert result.step.lesson.title == "Lesson 1.1"


async def test_testing_out_pays_nothing_and_counts_no_lesson(
    session: AsyncSession, placed: list[Module]
) -> None:
    course = await course_of(session)
    user = await learner_in(session, course)
    result = await play(session, user, right_in={1, 2})
    assert result.tested_out == 2
    assert result.rewards is None
    check = await session.scalar(sa.select(PlacementCheck))
    assert check is not None
    assert check.scores == {"m1": [2, 2, 1], "m2": [2, 2, 1], "m3": [0, 2, 0]}
    assert (check.modules_tested_out, check.modules_total) == (2, 3)
    figures = await placement_figures(session)
    assert (figures.taken, figures.share) == (1, 2 / 3)


# ---------------------------------------------------------------- the learner's data


async def test_the_export_lists_the_check_and_deleteme_erases_it(
    session: AsyncSession, placed: list[Module]
) -> None:
    course = await course_of(session)
    user = await learner_in(session, course)
    await play(session, user, right_in={1})
    document = await learner_export(session, user, T0)
    (check,) = document["placement_checks"]
    assert check["status"] == "FINISHED"
    assert check["score_per_module"]["m1"] == [2, 2, 1]
    assert len(check["answers"]) == 6
    assert check["answers"][0]["answer"] == ["right"]
    assert sum(1 for row in document["progress"] if row["tested_out"]) == 2
    assert "assessment_results" not in document["other"]
    assert await learner_checks(session, user.id) == document["placement_checks"]
    await erase_learner(session, user)
    for model in (PlacementCheck, PlacementAnswer):
        assert await session.scalar(sa.select(sa.func.count()).select_from(model)) == 0


# ---------------------------------------------------------------- the course file


def mini_with(tmp_path: Path, placement: str) -> Path:
    target = tmp_path / "mini"
    shutil.copytree(MINI, target)
    with (target / "course.yaml").open("a") as file:
        file.write(placement)
    return target


async def test_placement_in_course_yaml_is_imported_and_draws_from_the_named_questions(
    session: AsyncSession, tmp_path: Path
) -> None:
    folder = mini_with(
        tmp_path, "placement:\n  questions_per_module: 1\n  questions: [hello/yes-no]\n"
    )
    await import_course(session, folder, FixedClock(T0))
    course = await course_of(session)
    assert course.placement is not None
    assert course.placement.per_module == 1
    pools = [[q.slug for q in course.placement.pools[m.id]] for m in course.modules]
    assert pools == [["yes-no"], []]  # the second module cannot be tested out
    assert [q.slug for q in draw_questions(course, 7)] == ["yes-no"]


def test_placement_mistakes_are_named_with_their_line(tmp_path: Path) -> None:
    folder = mini_with(
        tmp_path,
        "placement:\n  questions_per_module: 0\n  questions: [hello/nope, not a ref]\n  when: x\n",
    )
    with pytest.raises(CourseInvalid) as raised:
        load_courses(folder)
    assert [str(p) for p in raised.value.problems] == [
        "course.yaml:5: placement: 'questions_per_module' must be between 1 and 10, not 0",
        "course.yaml:6: placement: 'hello/nope' is not a question of this course",
        "course.yaml:6: placement: 'questions' lists 'not a ref'; name a question as "
        "lesson-slug/question-id",
        "course.yaml:7: placement: unknown key 'when' (known: questions_per_module, questions)",
    ]


async def test_the_bundled_course_offers_a_check_of_two_questions_per_module(
    session: AsyncSession,
) -> None:
    await import_course(session, BUNDLED_COURSE, FixedClock(T0))
    catalogue: Catalogue = await load_catalogue(session)
    course = catalogue.courses[0]
    assert course.placement is not None
    assert course.placement.per_module == 2
    assert len(draw_questions(course, 1)) == 2 * len(course.modules)


async def test_an_admin_reset_lets_the_learner_take_the_check_again(
    session: AsyncSession, placed: list[Module]
) -> None:
    course = await course_of(session)
    user = await learner_in(session, course)
    admin = await make_user(session, 2)
    await play(session, user, right_in={1})
    await reset_progress(session, admin, user, T0)
    for model in (PlacementCheck, PlacementAnswer):
        assert await session.scalar(sa.select(sa.func.count()).select_from(model)) == 0
    assert (await play(session, user, right_in=set())).tested_out == 0


def remove_question(lesson_file: Path, question_id: str) -> None:
    """Delete the question `question_id` from a lesson file's header."""
    lines = lesson_file.read_text().split("\n")
    start = lines.index(f"  - id: {question_id}")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith(("  - id:", "---")))
    lesson_file.write_text("\n".join(lines[:start] + lines[end:]))


async def test_a_course_re_imported_mid_check_goes_on_without_the_removed_question(
    session: AsyncSession, tmp_path: Path
) -> None:
    folder = mini_with(tmp_path, "placement: true\n")
    await import_course(session, folder, FixedClock(T0))
    catalogue = await load_catalogue(session)
    course = catalogue.courses[0]
    user = await learner_in(session, course)
    turn = await start_check(session, catalogue, user, course.id, T0)
    assert isinstance(turn, PlacementTurn)
    assert turn.total == 4
    check = await session.scalar(sa.select(PlacementCheck))
    assert check is not None
    last = check.question_ids[-1]  # module 2's second question, not asked yet
    lesson = next(item for item in course.lessons if last in {q.id for q in item.questions})
    slug = next(q.slug for q in lesson.questions if q.id == last)
    (lesson_file,) = folder.glob(f"02-more/*-{lesson.slug}.md")
    remove_question(lesson_file, slug)
    await import_course(session, folder, FixedClock(T0))
    result = await play(session, user, right_in={1, 2})
    assert [(s.right, s.asked, s.tested_out) for s in result.modules] == [
        (2, 2, True),
        (1, 1, True),
    ]
