"""Admin /stats: the overview and the lesson funnel, against counts made in Python."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from aiogram import Dispatcher
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.entry.app import build_dispatcher
from bot.rules.admin.stats import FunnelRow, Overview, Windows, funnel, overview
from bot.rules.clock import FixedClock
from bot.rules.course import CourseCache
from bot.telegram.callbacks import AdminCb
from db.enums import JourneyStatus, ProgressStatus, UserRole
from db.models import Course, Journey, Lesson, Module, User, UserProgress, UserStats
from tests.support.chat import Chat
from tests.support.factories import make_course, make_user

MakeChat = Callable[..., Chat]
ADMIN_BY_ID = 9001  # in the dispatcher's admin_ids
ADMIN_BY_ROLE = 9002  # a learner promoted to the ADMIN role
LEARNER = 9003
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)
STATUSES = list(ProgressStatus)


# ---------------------------------------------------------------- the dispatcher


@pytest.fixture
def dispatcher(session_factory: async_sessionmaker[AsyncSession], clock: FixedClock) -> Dispatcher:
    """The real dispatcher (the stats router sits in its admin router), with ADMIN_IDS."""
    return build_dispatcher(
        session_factory, clock, course_cache=CourseCache(ttl=0), admin_ids={ADMIN_BY_ID}
    )


# ---------------------------------------------------------------- seeding


async def add_learner(
    session: AsyncSession,
    telegram_id: int,
    *,
    created_at: datetime,
    last_seen_at: datetime | None = None,
    blocked_at: datetime | None = None,
    streak: int | None = None,
    progress: dict[int, ProgressStatus] | None = None,
    role: UserRole = UserRole.LEARNER,
) -> User:
    """A learner with a stats row (unless `streak` is None) and progress by lesson id.

    `lessons_completed` is kept as the completion path keeps it: their COMPLETED rows.
    """
    user = await make_user(session, telegram_id, role=role, last_seen_at=last_seen_at,
                           blocked_at=blocked_at)  # fmt: skip
    user.created_at = created_at
    progress = progress or {}
    done = sum(status is ProgressStatus.COMPLETED for status in progress.values())
    assert streak is not None or not done, "a learner who completed a lesson has stats"
    if streak is not None:
        session.add(UserStats(user_id=user.id, current_streak=streak, lessons_completed=done,
                              updated_at=created_at))  # fmt: skip
    for lesson_id, status in progress.items():
        session.add(UserProgress(user_id=user.id, lesson_id=lesson_id, status=status,
                                 created_at=created_at, updated_at=created_at))  # fmt: skip
    await session.flush()
    return user


def lesson_ids(modules: list[Module]) -> list[int]:
    return [lesson.id for module in modules for lesson in module.lessons]


# ---------------------------------------------------------------- overview


async def test_overview_equals_counts_made_over_the_rows(
    session: AsyncSession, clock: FixedClock
) -> None:
    modules = await make_course(session, [3, 2])
    lessons = lesson_ids(modules)
    now = clock.now()
    rng = random.Random(20261125)
    seeded: list[dict[str, Any]] = []
    for number in range(60):
        created = now - timedelta(seconds=rng.randrange(0, 45 * 86400))
        seen = None if rng.random() < 0.2 else created + (now - created) * rng.random()
        blocked = now - timedelta(hours=rng.randrange(1, 500)) if rng.random() < 0.15 else None
        has_stats = rng.random() < 0.85
        reached = rng.randrange(0, len(lessons) + 1) if has_stats else 0
        progress = {lesson_id: rng.choice(STATUSES) for lesson_id in lessons[:reached]}
        streak = rng.randrange(0, 12) if has_stats else None
        await add_learner(session, 100 + number, created_at=created, last_seen_at=seen,
                          blocked_at=blocked, streak=streak, progress=progress)  # fmt: skip
        seeded.append({"created": created, "seen": seen, "blocked": blocked, "streak": streak,
                       "progress": progress})  # fmt: skip
    await session.commit()

    def within(at: datetime | None, days: int) -> bool:
        return at is not None and at >= now - timedelta(days=days)

    def windows(key: str) -> Windows:
        day, week, month = (sum(within(row[key], days) for row in seeded) for days in (1, 7, 30))
        return Windows(day=day, week=week, month=month)

    streaks = [row["streak"] for row in seeded if row["streak"] is not None]
    expected = Overview(
        learners=len(seeded),
        new=windows("created"),
        active=windows("seen"),
        lessons_completed=sum(
            status is ProgressStatus.COMPLETED
            for row in seeded
            for status in row["progress"].values()
        ),
        average_streak=sum(streaks) / len(streaks),
        blocked=sum(row["blocked"] is not None for row in seeded),
    )
    assert await overview(session, now) == expected
    # The shape is not degenerate: every window and figure is exercised.
    assert 0 < expected.new.day < expected.new.week < expected.new.month < expected.learners
    assert 0 < expected.active.day < expected.active.week < expected.active.month
    assert 0 < expected.blocked < expected.learners
    # And it agrees with the progress rows themselves.
    completed_rows = await session.scalar(
        sa.select(sa.func.count())
        .select_from(UserProgress)
        .where(UserProgress.status == ProgressStatus.COMPLETED)
    )
    assert expected.lessons_completed == completed_rows


async def test_windows_include_their_boundary_instant(
    session: AsyncSession, clock: FixedClock
) -> None:
    now = clock.now()
    ages = [
        timedelta(0),
        DAY,  # exactly 24 h ago: within the last day
        DAY + SECOND,
        7 * DAY,
        7 * DAY + SECOND,
        30 * DAY,
        30 * DAY + SECOND,
    ]
    for number, age in enumerate(ages):
        # Seen one hour after signing up, so the two windows differ.
        await add_learner(session, 200 + number, created_at=now - age - timedelta(hours=1),
                          last_seen_at=now - age, streak=0)  # fmt: skip
    await session.commit()
    figures = await overview(session, now)
    assert figures.active == Windows(day=2, week=4, month=6)
    assert figures.new == Windows(day=1, week=3, month=5)
    assert figures.learners == 7
    # A second later, the boundary learners fall out of each window.
    later = await overview(session, now + SECOND)
    assert later.active == Windows(day=1, week=3, month=5)


async def test_an_empty_bot_has_zero_figures_and_no_funnel(
    session: AsyncSession, clock: FixedClock
) -> None:
    figures = await overview(session, clock.now())
    zero = Windows(day=0, week=0, month=0)
    assert figures == Overview(learners=0, new=zero, active=zero, lessons_completed=0,
                               average_streak=None, blocked=0)  # fmt: skip
    assert await funnel(session) == []


# ---------------------------------------------------------------- funnel


async def test_funnel_follows_course_order_and_leaves_out_unpublished(
    session: AsyncSession, clock: FixedClock
) -> None:
    now = clock.now()
    # Created out of order: module "b" (order 1) after module "a" (order 2); within
    # "b", two lessons share order 2 and the id breaks the tie.
    course = Course(slug="course", title="Course", order=1, is_published=True)
    second = Module(course=course, slug="a", title="Second", order=2, is_published=True)
    first = Module(course=course, slug="b", title="First <&>", order=1, is_published=True)
    draft = Module(course=course, slug="c", title="Draft", order=0, is_published=False)
    session.add_all([second, first, draft])
    await session.flush()
    specs = [  # slug, module, order, published
        ("a-1", second, 1, True),
        ("b-3", first, 3, True),
        ("b-2x", first, 2, True),
        ("b-2y", first, 2, True),
        ("b-1", first, 1, True),
        ("b-hidden", first, 1, False),  # unpublished lesson in a published module
        ("c-1", draft, 1, True),  # published lesson in an unpublished module
        ("a-2", second, 2, True),
    ]
    by_slug: dict[str, Lesson] = {}
    for slug, module, order, published in specs:
        lesson = Lesson(module_id=module.id, slug=slug, title=f"Lesson {slug} <i>&",
                        order=order, is_published=published)  # fmt: skip
        session.add(lesson)
        await session.flush()
        by_slug[slug] = lesson
    rng = random.Random(7)
    rows: list[tuple[int, ProgressStatus]] = []
    for number in range(80):
        progress = {lesson.id: rng.choice(STATUSES)
                    for lesson in by_slug.values() if rng.random() < 0.6}  # fmt: skip
        await add_learner(session, 300 + number, created_at=now, streak=0, progress=progress)
        rows += progress.items()
    await session.commit()

    course_order = ["b-1", "b-2x", "b-2y", "b-3", "a-1", "a-2"]
    expected: list[FunnelRow] = []
    previous: int | None = None
    for slug in course_order:
        lesson = by_slug[slug]
        started = sum(lesson_id == lesson.id for lesson_id, _ in rows)
        finished = sum(lesson_id == lesson.id and status is ProgressStatus.COMPLETED
                       for lesson_id, status in rows)  # fmt: skip
        expected.append(
            FunnelRow(
                lesson_id=lesson.id,
                module_id=lesson.module_id,
                course_id=course.id,
                course_title="Course",
                slug=slug,
                title=lesson.title,
                module_title="First <&>" if slug.startswith("b") else "Second",
                started=started,
                finished=finished,
                drop=None if not previous else (previous - started) / previous,
            )
        )
        previous = finished
    assert await funnel(session) == expected
    assert all(row.started > row.finished > 0 for row in expected)


async def test_drop_is_the_share_of_the_previous_finishers_who_did_not_start(
    session: AsyncSession, clock: FixedClock
) -> None:
    modules = await make_course(session, [4])
    one, two, three, four = lesson_ids(modules)
    done, doing = ProgressStatus.COMPLETED, ProgressStatus.IN_PROGRESS
    shapes = (
        [{one: done, two: doing}] * 6  # 8 finish lesson 1, 6 of them start lesson 2
        + [{one: done}] * 2
        + [{one: doing}] * 2
        + [{three: doing}] * 3  # nobody finished 2; 3 started 3 (after a content change)
    )
    for number, progress in enumerate(shapes):
        await add_learner(session, 400 + number, created_at=clock.now(), streak=1,
                          progress=progress)  # fmt: skip
    await session.commit()
    rows = await funnel(session)
    assert [(r.started, r.finished, r.drop) for r in rows] == [
        (10, 8, None),
        (6, 0, 0.25),
        (3, 0, None),  # the previous lesson had no finishers: no share to lose
        (0, 0, None),
    ]
    assert [r.lesson_id for r in rows] == [one, two, three, four]


async def test_queries_are_set_based(
    session: AsyncSession, engine: AsyncEngine, clock: FixedClock
) -> None:
    """Four statements for the overview and two for the funnel, for any size."""
    modules = await make_course(session, [6, 6, 6])
    lessons = lesson_ids(modules)
    for number in range(150):
        progress = {lesson_id: ProgressStatus.COMPLETED for lesson_id in lessons[: number % 19]}
        await add_learner(session, 600 + number, created_at=clock.now(), streak=number % 5,
                          progress=progress)  # fmt: skip
    await session.commit()
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        await overview(session, clock.now())
        in_overview = len(statements)
        rows = await funnel(session)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert (in_overview, len(statements) - in_overview) == (4, 2)
    assert len(rows) == 18


# ---------------------------------------------------------------- the chat


async def seed_for_chat(session: AsyncSession, clock: FixedClock) -> None:
    modules = await make_course(session, [2])
    one, _two = lesson_ids(modules)
    now = clock.now()
    await make_user(session, ADMIN_BY_ROLE, role=UserRole.ADMIN)  # since January, no stats
    await add_learner(session, LEARNER, created_at=now - timedelta(hours=2),
                      last_seen_at=now - timedelta(hours=2), streak=3,
                      progress={one: ProgressStatus.COMPLETED})  # fmt: skip
    await add_learner(session, LEARNER + 1, created_at=now - 10 * DAY,
                      last_seen_at=now - 10 * DAY, blocked_at=now - DAY, streak=1,
                      progress={one: ProgressStatus.IN_PROGRESS})  # fmt: skip
    await session.commit()


async def test_an_admin_by_role_sees_the_figures(
    session: AsyncSession, clock: FixedClock, make_chat: MakeChat
) -> None:
    await seed_for_chat(session, clock)
    chat = make_chat(user_id=ADMIN_BY_ROLE)
    sent = await chat.send("/stats")
    (text,) = chat.texts(sent)
    # The admin is a learner too; writing now makes them active in the last day.
    assert "👥 Learners: <b>3</b> (blocked the bot: 1)" in text
    assert "🆕 New: 1 day <b>1</b> · 7 days <b>1</b> · 30 days <b>2</b>" in text
    assert "🟢 Active: 1 day <b>2</b> · 7 days <b>2</b> · 30 days <b>3</b>" in text
    assert "✅ Lessons completed: <b>1</b>" in text
    assert "🔥 Average current streak: <b>2.0</b> days" in text
    assert "1. Lesson 1.1: 2 → 1\n" in text
    assert "2. Lesson 1.2: 0 → 0 (−100%)\n\n<b>Review</b>" in text  # review figures follow


async def test_an_admin_by_id_gets_the_figures_from_the_menu_button(
    session: AsyncSession, clock: FixedClock, make_chat: MakeChat
) -> None:
    await seed_for_chat(session, clock)
    chat = make_chat(user_id=ADMIN_BY_ID)  # new: registered by this very update
    sent = await chat.press(AdminCb(action="stats").pack())
    (text,) = chat.texts(sent)
    assert "👥 Learners: <b>4</b> (blocked the bot: 1)" in text
    assert "🆕 New: 1 day <b>2</b> · 7 days <b>2</b> · 30 days <b>3</b>" in text
    # Three learners with stats now (the new admin has a zero streak).
    assert "🔥 Average current streak: <b>1.3</b> days" in text


async def test_a_learner_gets_the_unknown_command_answer(
    session: AsyncSession, clock: FixedClock, make_chat: MakeChat
) -> None:
    await seed_for_chat(session, clock)
    chat = make_chat(user_id=LEARNER)
    sent = await chat.send("/stats")
    assert chat.texts(sent) == [
        "I didn't get that. Send /learn to continue, or /help to see what I can do."
    ]
    sent = await chat.press(AdminCb(action="stats").pack())
    assert chat.texts(sent) == []
    assert chat.alerts(sent)


async def test_a_long_funnel_is_split_into_valid_messages(
    session: AsyncSession, clock: FixedClock, make_chat: MakeChat
) -> None:
    modules = await make_course(session, [30, 30], questions=0)
    for module in modules:
        for lesson in module.lessons:
            lesson.title = f"<{lesson.slug}> & " + "x" * 150
    await make_user(session, ADMIN_BY_ROLE, role=UserRole.ADMIN)
    await session.commit()
    chat = make_chat(user_id=ADMIN_BY_ROLE)
    sent = await chat.send("/stats")  # Chat checks every message: valid HTML, ≤ 4096
    texts = chat.texts(sent)
    assert len(texts) >= 3
    joined = "\n".join(texts)
    assert "1. &lt;m1-l1&gt; &amp; " in joined
    assert "60. &lt;m2-l30&gt; &amp; " in joined
    assert "<m1-l1>" not in joined


async def test_lessons_completed_through_the_chat_match_the_progress_rows(
    session: AsyncSession, clock: FixedClock, make_chat: MakeChat
) -> None:
    """Completions made by the real quiz flow: the overview agrees with user_progress."""
    await make_course(session, [2], questions=1)
    await make_user(session, ADMIN_BY_ROLE, role=UserRole.ADMIN)
    await session.commit()
    for user_id, answers in ((LEARNER, [True, True]), (LEARNER + 1, [True, False])):
        chat = make_chat(user_id=user_id)
        await chat.send("/start")
        await chat.press_button("Berlin")
        await chat.press_button("09:00")
        for right in answers:
            await chat.send("/learn")
            await chat.press_button("Take the quiz")
            await chat.answer_last_poll(right=right)
    completed = await session.scalar(
        sa.select(sa.func.count())
        .select_from(UserProgress)
        .where(UserProgress.status == ProgressStatus.COMPLETED)
    )
    assert completed == 3
    figures = await overview(session, clock.now())
    assert figures.lessons_completed == completed
    rows = await funnel(session)
    assert [(r.started, r.finished, r.drop) for r in rows] == [(2, 2, None), (2, 1, 0.0)]
    admin = make_chat(user_id=ADMIN_BY_ROLE)
    sent = await admin.send("/stats")
    assert "✅ Lessons completed: <b>3</b>" in admin.texts(sent)[0]


async def test_stats_of_a_school_show_each_course_and_a_funnel_per_course(
    session: AsyncSession, clock: FixedClock, make_chat: MakeChat
) -> None:
    git = await make_course(session, [2], slug="git", title="Git")
    goals = await make_course(session, [1], slug="goals", title="Goals <&>")
    learner = await make_user(session, 7)
    for course_id, status in ((git[0].course_id, JourneyStatus.COMPLETED),
                              (goals[0].course_id, JourneyStatus.ACTIVE)):  # fmt: skip
        session.add(Journey(user_id=learner.id, course_id=course_id, status=status,
                            started_at=clock.now()))  # fmt: skip
    await session.commit()
    admin = make_chat(user_id=ADMIN_BY_ID)
    sent = await admin.send("/stats")
    text = "\n".join(admin.texts(sent))
    assert (
        "<b>📚 Courses</b> · learners → completed\nGit: 1 → 1\nGoals &lt;&amp;&gt;: 1 → 0" in text
    )
    assert "📘 <b>Git</b>" in text
    assert "📘 <b>Goals &lt;&amp;&gt;</b>" in text
    # Each course's funnel is numbered from its first lesson.
    assert text.index("📘 <b>Goals") < text.index("1. Goals &lt;&amp;&gt; Lesson 1.1")
