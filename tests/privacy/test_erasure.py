"""A learner's own data against a real database: erasing every row about them, their export,
and the admins' CSV of learners."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.admin import learners as admin_users
from bot.rules.course import load_course_map
from bot.rules.learners import TelegramProfile, register_or_refresh
from bot.rules.motivation.leaderboard_refresh import refresh_leaderboard
from bot.rules.privacy.erasure import Erased, Refusal, erase_learner, learner_tables
from bot.rules.privacy.export import learner_export
from bot.rules.privacy.learners_csv import CSV_COLUMNS, write_learners_csv
from db.base import Base
from db.enums import ActivityType, BroadcastStatus, DeliveryKind, DeliveryStatus, UserRole
from db.models import ActivityLog, Broadcast, Delivery, User, UserStats
from tests.support.factories import make_course, make_user
from tests.support.flows import take_quiz

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def user_references() -> list[tuple[sa.Table, sa.Column[object]]]:
    """Every column of the schema with a foreign key to `users`, read from the models."""
    users = Base.metadata.tables["users"]
    return [
        (table, fk.parent)
        for table in Base.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table is users
    ]


async def rows_referencing(session: AsyncSession, user_id: int) -> dict[str, int]:
    found = {}
    for table, column in user_references():
        count = await session.scalar(
            sa.select(sa.func.count()).select_from(table).where(column == user_id)
        )
        if count:
            found[f"{table.name}.{column.name}"] = count
    users = Base.metadata.tables["users"]
    if await session.scalar(sa.select(sa.func.count()).where(users.c.id == user_id)):
        found["users"] = 1
    return found


async def busy_learner(session: AsyncSession, telegram_id: int) -> User:
    """A learner with rows in every table a learner's activity writes to."""
    user, _ = await register_or_refresh(
        session, TelegramProfile(telegram_id, f"u{telegram_id}", "Zoë", "Ł", "ru"), NOW
    )
    user.onboarded_at = NOW
    course = await load_course_map(session)
    for lesson in course.lessons[:2]:
        await take_quiz(session, course, user, lesson.id, NOW, [0, 0])
    await take_quiz(session, course, user, course.lessons[2].id, NOW, [1, 1])  # failed
    session.add(
        Delivery(user_id=user.id, kind=DeliveryKind.DAILY_LESSON, dedup_key="2026-11-25",
                 status=DeliveryStatus.SENT, claimed_at=NOW, sent_at=NOW)
    )  # fmt: skip
    await session.flush()
    return user


async def test_every_table_with_a_key_to_users_is_a_table_about_the_learner() -> None:
    listed = {ownership.table.name for ownership in learner_tables()}
    assert {table.name for table, _column in user_references()} <= listed


async def test_erasing_a_learner_leaves_no_row_that_references_them(
    session: AsyncSession,
) -> None:
    await make_course(session, [2, 2])
    learner = await busy_learner(session, 501)
    other = await busy_learner(session, 502)
    await refresh_leaderboard(session, NOW)
    await session.commit()
    learner_id, others_before = learner.id, await rows_referencing(session, other.id)
    before = await rows_referencing(session, learner_id)
    assert {"user_progress.user_id", "quiz_polls.user_id", "points_ledger.user_id",
            "user_achievements.user_id", "user_stats.user_id", "leaderboard_cache.user_id",
            "activity_log.user_id", "deliveries.user_id", "users"} <= before.keys()  # fmt: skip

    erased = await erase_learner(session, learner)
    await session.commit()

    assert isinstance(erased, Erased)
    assert erased.deleted["points_ledger"] == before["points_ledger.user_id"]
    assert await rows_referencing(session, learner_id) == {}
    assert await rows_referencing(session, other.id) == others_before


async def test_an_admin_action_about_an_erased_learner_stays_without_their_id(
    session: AsyncSession,
) -> None:
    admin = await make_user(session, 9001, role=UserRole.ADMIN, first_name="Boss")
    learner = await make_user(session, 501)
    await admin_users.reset_progress(session, admin, learner, NOW)
    await session.commit()

    await erase_learner(session, learner)
    await session.commit()

    row = (
        await session.execute(
            sa.select(ActivityLog.user_id, ActivityLog.entity_id, ActivityLog.details).where(
                ActivityLog.activity_type == ActivityType.ADMIN_ACTION
            )
        )
    ).one()
    assert row.user_id == admin.id
    assert row.entity_id is None
    assert json.loads(row.details) == {"action": "learner.reset"}


async def test_a_broadcast_written_by_an_erased_former_admin_stays_without_its_author(
    session: AsyncSession,
) -> None:
    former_admin = await make_user(session, 501)
    session.add(
        Broadcast(created_by=former_admin.id, text="Hi", audience={}, status=BroadcastStatus.DONE)
    )
    await session.commit()

    erased = await erase_learner(session, former_admin)
    await session.commit()

    assert isinstance(erased, Erased)
    assert erased.cleared == {"broadcasts": 1}
    assert await session.scalar(sa.select(Broadcast.created_by)) is None


async def test_an_admin_cannot_erase_their_account(session: AsyncSession) -> None:
    promoted = await make_user(session, 501, role=UserRole.ADMIN)
    listed = await make_user(session, 502)
    assert await erase_learner(session, promoted) is Refusal.IS_ADMIN
    assert await erase_learner(session, listed, frozenset({502})) is Refusal.IS_ADMIN
    assert await session.scalar(sa.select(sa.func.count()).select_from(User)) == 2


async def test_the_export_holds_the_learners_lessons_points_and_answers(
    session: AsyncSession,
) -> None:
    await make_course(session, [2, 2])
    learner = await busy_learner(session, 501)
    await busy_learner(session, 502)
    stats = await session.get(UserStats, learner.id)
    assert stats is not None

    document = json.loads(json.dumps(await learner_export(session, learner, NOW)))

    assert document["profile"]["first_name"] == "Zoë"
    assert document["profile"]["registered_at"] == "2026-11-25T12:00:00+00:00"
    assert [(p["lesson"], p["status"]) for p in document["progress"]] == [
        ("Lesson 1.1", "COMPLETED"),
        ("Lesson 1.2", "COMPLETED"),
        ("Lesson 2.1", "IN_PROGRESS"),
    ]
    assert document["stats"]["points"] == stats.points > 0
    assert sum(award["points"] for award in document["points"]) == stats.points
    assert {award["for"] for award in document["points"]} >= {"Lesson 1.1", "Lesson 1.2"}
    assert len(document["quiz_answers"]) == 6
    assert document["quiz_answers"][0]["question"] == "Question 1 of 1.1?"
    assert document["quiz_answers"][0]["answer"] == ["right"]
    assert any(a["about"] == "Lesson 1.1" for a in document["activity"])
    assert document["deliveries"][0]["for"] == "2026-11-25"
    # Review cards (one per answered question) and their log have no section of their own.
    assert set(document["other"]) == {"review_cards", "review_log"}
    assert len(document["other"]["review_cards"]) == 6


async def test_the_learners_csv_has_one_row_per_learner_with_their_numbers(
    session: AsyncSession,
) -> None:
    await make_course(session, [2, 2])
    busy = await busy_learner(session, 501)
    idle = await make_user(session, 502, first_name="=cmd()", blocked_at=NOW, language="en")
    session.add(UserStats(user_id=idle.id, updated_at=NOW))
    stranger = await make_user(session, 503, first_name=None)  # no stats row at all
    stats = await session.get(UserStats, busy.id)
    assert stats is not None
    busy.last_seen_at = NOW - timedelta(days=1)
    await session.commit()

    out = io.StringIO()
    written = await write_learners_csv(session, out)

    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert written == len(rows) == 3
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[0] == {
        "telegram_id": "501", "first_name": "Zoë", "language": "ru", "lessons_done": "2",
        "points": str(stats.points), "level": str(stats.level),
        "streak": str(stats.current_streak), "last_active": "2026-11-24T12:00:00+00:00",
        "blocked": "false",
    }  # fmt: skip
    assert rows[1]["first_name"] == "'=cmd()"  # never a formula in a spreadsheet
    assert (rows[1]["language"], rows[1]["blocked"]) == ("en", "true")
    assert rows[2] == {
        "telegram_id": str(stranger.telegram_id), "first_name": "", "language": "",
        "lessons_done": "0", "points": "0", "level": "1", "streak": "0", "last_active": "",
        "blocked": "false",
    }  # fmt: skip
