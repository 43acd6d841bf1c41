"""The data model: structure against the seed schema, constraints, indexes, utf8mb4."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from db.enums import AchievementType, ActivityType, ProgressStatus
from db.models import (
    ActivityLog,
    Base,
    Course,
    LeaderboardCache,
    Lesson,
    Module,
    User,
    UserAchievement,
    UserProgress,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

# The seed document's columns: name -> (type, nullable).
SEED_COLUMNS: dict[str, dict[str, tuple[type[sa.types.TypeEngine[object]], bool]]] = {
    "users": {
        "id": (sa.Integer, False),
        "telegram_id": (sa.BigInteger, False),
        "username": (sa.String, True),
        "first_name": (sa.String, True),
        "last_name": (sa.String, True),
        "language_code": (sa.String, True),
        "is_active": (sa.Boolean, False),
        "created_at": (sa.DateTime, False),
        "updated_at": (sa.DateTime, False),
    },
    "modules": {
        "id": (sa.Integer, False),
        "title": (sa.String, False),
        "description": (sa.Text, True),
        "order": (sa.Integer, False),
        "is_published": (sa.Boolean, False),
        "created_at": (sa.DateTime, False),
        "updated_at": (sa.DateTime, False),
    },
    "lessons": {
        "id": (sa.Integer, False),
        "module_id": (sa.Integer, False),
        "title": (sa.String, False),
        "content": (sa.Text, True),
        "order": (sa.Integer, False),
        "estimated_duration": (sa.Integer, True),
        "is_published": (sa.Boolean, False),
        "created_at": (sa.DateTime, False),
        "updated_at": (sa.DateTime, False),
    },
    "user_progress": {
        "id": (sa.Integer, False),
        "user_id": (sa.Integer, False),
        "lesson_id": (sa.Integer, False),
        "status": (sa.Enum, False),
        "score": (sa.Integer, True),
        "attempts": (sa.Integer, False),
        "started_at": (sa.DateTime, True),
        "completed_at": (sa.DateTime, True),
        "created_at": (sa.DateTime, False),
        "updated_at": (sa.DateTime, False),
    },
    "achievements": {
        "id": (sa.Integer, False),
        "type": (sa.Enum, False),
        "title": (sa.String, False),
        "description": (sa.Text, True),
        "icon": (sa.String, True),
        "points": (sa.Integer, False),
        "criteria": (sa.Text, True),
        "created_at": (sa.DateTime, False),
    },
    "user_achievements": {
        "id": (sa.Integer, False),
        "user_id": (sa.Integer, False),
        "achievement_id": (sa.Integer, False),
        "earned_at": (sa.DateTime, False),
    },
    "leaderboard_cache": {
        "id": (sa.Integer, False),
        "user_id": (sa.Integer, False),
        "rank": (sa.Integer, False),
        "total_score": (sa.Integer, False),
        "lessons_completed": (sa.Integer, False),
        "achievements_count": (sa.Integer, False),
        "updated_at": (sa.DateTime, False),
    },
    "activity_log": {
        "id": (sa.Integer, False),
        "user_id": (sa.Integer, False),
        "activity_type": (sa.Enum, False),
        "entity_id": (sa.Integer, True),
        "entity_type": (sa.String, True),
        "details": (sa.Text, True),
        "created_at": (sa.DateTime, False),
    },
}

SEED_STRING_LENGTHS = {
    ("users", "username"): 100,
    ("users", "first_name"): 100,
    ("users", "last_name"): 100,
    ("users", "language_code"): 10,
    ("modules", "title"): 200,
    ("lessons", "title"): 200,
    ("achievements", "title"): 200,
    ("achievements", "icon"): 100,
    ("activity_log", "entity_type"): 50,
}

# Seed indexes (name -> (columns, unique)), named by our convention.
SEED_INDEXES = {
    "users": {"ix_users_telegram_id": (["telegram_id"], True)},
    "modules": {"ix_modules_order": (["order"], False)},
    "lessons": {
        "ix_lessons_module_id": (["module_id"], False),
        "ix_lessons_module_id_order": (["module_id", "order"], False),
    },
    "user_progress": {
        "ix_user_progress_user_id_status": (["user_id", "status"], False),
        "ix_user_progress_lesson_id_status": (["lesson_id", "status"], False),
    },
    "achievements": {"ix_achievements_type": (["type"], False)},
    "user_achievements": {
        "ix_user_achievements_user_id_earned_at": (["user_id", "earned_at"], False)
    },
    "leaderboard_cache": {
        "ix_leaderboard_cache_rank": (["rank"], False),
        "ix_leaderboard_cache_rank_total_score": (["rank", "total_score"], False),
    },
    "activity_log": {
        "ix_activity_log_user_id": (["user_id"], False),
        "ix_activity_log_activity_type": (["activity_type"], False),
        "ix_activity_log_created_at": (["created_at"], False),
        "ix_activity_log_user_id_activity_type_created_at": (
            ["user_id", "activity_type", "created_at"],
            False,
        ),
    },
}

SEED_UNIQUES = {
    "user_progress": ["user_id", "lesson_id"],
    "user_achievements": ["user_id", "achievement_id"],
    "leaderboard_cache": ["user_id"],
}

SEED_FOREIGN_KEYS = {
    ("lessons", "module_id"): "modules.id",
    ("user_progress", "user_id"): "users.id",
    ("user_progress", "lesson_id"): "lessons.id",
    ("user_achievements", "user_id"): "users.id",
    ("user_achievements", "achievement_id"): "achievements.id",
    ("leaderboard_cache", "user_id"): "users.id",
    ("activity_log", "user_id"): "users.id",
}


# ------------------------------------------------------------ the models' metadata


def test_every_seed_table_is_mapped_with_its_exact_name() -> None:
    assert set(SEED_COLUMNS) <= set(Base.metadata.tables)


@pytest.mark.parametrize("table_name", sorted(SEED_COLUMNS))
def test_seed_columns_have_the_documented_types_and_nullability(table_name: str) -> None:
    table = Base.metadata.tables[table_name]
    for column_name, (expected_type, nullable) in SEED_COLUMNS[table_name].items():
        column = table.c[column_name]
        column_type = column.type
        if isinstance(column_type, sa.types.TypeDecorator):
            column_type = column_type.impl_instance
        assert isinstance(column_type, expected_type), (table_name, column_name, column_type)
        assert column.nullable is nullable, (table_name, column_name)


def test_seed_string_lengths() -> None:
    for (table_name, column_name), length in SEED_STRING_LENGTHS.items():
        column_type = Base.metadata.tables[table_name].c[column_name].type
        assert isinstance(column_type, sa.String)
        assert column_type.length == length


def test_enums_hold_exactly_the_seed_values() -> None:
    assert [s.name for s in ProgressStatus] == ["NOT_STARTED", "IN_PROGRESS", "COMPLETED"]
    assert [t.name for t in AchievementType] == [
        "LESSON_COMPLETED",
        "MODULE_COMPLETED",
        "STREAK",
        "CHALLENGES_SOLVED",
        "MILESTONE",
    ]
    assert [t.name for t in ActivityType][:6] == [
        "LESSON_STARTED",
        "LESSON_COMPLETED",
        "CHALLENGE_ATTEMPTED",
        "CHALLENGE_SOLVED",
        "ACHIEVEMENT_EARNED",
        "LOGIN",
    ]


def test_relationships_of_the_seed() -> None:
    assert User.progress.property.mapper.class_ is UserProgress
    assert User.achievements.property.mapper.class_ is UserAchievement
    assert User.activities.property.mapper.class_ is ActivityLog
    assert Module.lessons.property.mapper.class_ is Lesson
    assert Lesson.module.property.mapper.class_ is Module
    assert UserProgress.user.property.mapper.class_ is User


def test_seed_defaults() -> None:
    tables = Base.metadata.tables
    assert tables["users"].c.is_active.default.arg is True
    assert tables["modules"].c.is_published.default.arg is False
    assert tables["lessons"].c.is_published.default.arg is False
    assert tables["user_progress"].c.attempts.default.arg == 0
    assert tables["achievements"].c.points.default.arg == 0
    for column in ("total_score", "lessons_completed", "achievements_count"):
        assert tables["leaderboard_cache"].c[column].default.arg == 0


def test_every_constraint_and_index_is_named_and_fits_mysql() -> None:
    for table in Base.metadata.tables.values():
        names = [index.name for index in table.indexes]
        names += [c.name for c in table.constraints if not isinstance(c, sa.PrimaryKeyConstraint)]
        for name in names:
            assert isinstance(name, str), table.name
            assert len(name) <= 64, name


# ------------------------------------------------------------ the migrated database


async def _inspect(engine: AsyncEngine, fn_name: str, table: str) -> list[dict[str, object]]:
    async with engine.connect() as conn:
        result = await conn.run_sync(lambda sync: getattr(sa.inspect(sync), fn_name)(table))
    return list(result)


@pytest.mark.parametrize("table_name", sorted(SEED_INDEXES))
async def test_database_has_the_seed_indexes(engine: AsyncEngine, table_name: str) -> None:
    indexes = {ix["name"]: ix for ix in await _inspect(engine, "get_indexes", table_name)}
    for name, (columns, unique) in SEED_INDEXES[table_name].items():
        assert name in indexes, (table_name, name, sorted(indexes))
        assert indexes[name]["column_names"] == columns
        assert bool(indexes[name]["unique"]) is unique


@pytest.mark.parametrize("table_name", sorted(SEED_UNIQUES))
async def test_database_has_the_seed_unique_constraints(
    engine: AsyncEngine, table_name: str
) -> None:
    uniques = await _inspect(engine, "get_unique_constraints", table_name)
    assert SEED_UNIQUES[table_name] in [u["column_names"] for u in uniques]


async def test_database_has_the_seed_foreign_keys(engine: AsyncEngine) -> None:
    for (table_name, column), target in SEED_FOREIGN_KEYS.items():
        fks = await _inspect(engine, "get_foreign_keys", table_name)
        found = {
            (fk["constrained_columns"][0], f"{fk['referred_table']}.{fk['referred_columns'][0]}")
            for fk in fks
        }
        assert (column, target) in found, (table_name, column, found)


# ------------------------------------------------------------ constraints at work


def _user(telegram_id: int, **extra: object) -> User:
    return User(telegram_id=telegram_id, created_at=NOW, updated_at=NOW, **extra)


def _course() -> Course:
    return Course(slug="course", title="Course", order=1, created_at=NOW, updated_at=NOW)


def _module(slug: str = "m1", order: int = 1, course: Course | None = None) -> Module:
    return Module(
        course=course or _course(),
        title="Module",
        order=order,
        slug=slug,
        created_at=NOW,
        updated_at=NOW,
    )


async def test_utf8mb4_names_round_trip(session: AsyncSession) -> None:
    names = ["Zoë 🔥", "李小龍", "<b>&amp;</b> 👩‍💻", "Ёжик"]
    session.add_all([_user(i, first_name=name, last_name=name) for i, name in enumerate(names)])
    await session.commit()
    session.expunge_all()
    rows = (await session.scalars(sa.select(User).order_by(User.telegram_id))).all()
    assert [row.first_name for row in rows] == names
    assert [row.last_name for row in rows] == names


async def test_telegram_id_is_unique(session: AsyncSession) -> None:
    session.add_all([_user(42), _user(42)])
    with pytest.raises(IntegrityError):
        await session.commit()


async def test_telegram_id_holds_64_bit_ids(session: AsyncSession) -> None:
    big = 8_000_000_000_123
    session.add(_user(big))
    await session.commit()
    assert await session.scalar(sa.select(User.telegram_id)) == big


async def test_title_is_not_null(session: AsyncSession) -> None:
    session.add(
        Module(course=_course(), title=None, order=1, slug="m", created_at=NOW, updated_at=NOW)
    )
    with pytest.raises(IntegrityError):
        await session.commit()


async def test_one_progress_row_per_learner_and_lesson(session: AsyncSession) -> None:
    user, module = _user(1), _module()
    lesson = Lesson(module=module, title="L", order=1, slug="l1", created_at=NOW, updated_at=NOW)
    session.add_all([user, module, lesson])
    await session.flush()
    for _ in range(2):
        session.add(
            UserProgress(
                user_id=user.id,
                lesson_id=lesson.id,
                status=ProgressStatus.IN_PROGRESS,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    with pytest.raises(IntegrityError):
        await session.commit()


async def test_progress_needs_an_existing_lesson(session: AsyncSession) -> None:
    user = _user(1)
    session.add(user)
    await session.flush()
    session.add(
        UserProgress(
            user_id=user.id,
            lesson_id=999_999,
            status=ProgressStatus.NOT_STARTED,
            created_at=NOW,
            updated_at=NOW,
        )
    )
    with pytest.raises(IntegrityError):
        await session.commit()


async def test_unknown_enum_value_is_refused(session: AsyncSession) -> None:
    user = _user(1)
    session.add(user)
    await session.flush()
    with pytest.raises(StatementError):
        await session.execute(
            sa.insert(ActivityLog).values(user_id=user.id, activity_type="DANCED", created_at=NOW)
        )


async def test_leaderboard_rank_column_is_usable_despite_being_reserved(
    session: AsyncSession,
) -> None:
    user = _user(1)
    session.add(user)
    await session.flush()
    session.add(LeaderboardCache(user_id=user.id, rank=1, total_score=10, updated_at=NOW))
    await session.commit()
    top = await session.scalar(sa.select(LeaderboardCache).order_by(LeaderboardCache.rank))
    assert top is not None
    assert top.rank == 1


async def test_deleting_a_learner_erases_their_rows(session: AsyncSession) -> None:
    user = _user(1)
    session.add(user)
    await session.flush()
    session.add(ActivityLog(user_id=user.id, activity_type=ActivityType.LOGIN, created_at=NOW))
    await session.commit()
    await session.execute(sa.delete(User).where(User.id == user.id))
    await session.commit()
    assert await session.scalar(sa.select(sa.func.count()).select_from(ActivityLog)) == 0


async def test_a_module_with_lessons_cannot_be_deleted(session: AsyncSession) -> None:
    module = _module()
    session.add_all(
        [
            module,
            Lesson(module=module, title="L", order=1, slug="l", created_at=NOW, updated_at=NOW),
        ]
    )
    await session.commit()
    with pytest.raises(IntegrityError):
        await session.execute(sa.delete(Module).where(Module.id == module.id))


async def test_times_come_back_as_aware_utc(session: AsyncSession) -> None:
    session.add(_user(1, last_seen_at=datetime(2026, 3, 29, 1, 30, 15, 987654, tzinfo=UTC)))
    await session.commit()
    session.expunge_all()
    seen = await session.scalar(sa.select(User.last_seen_at))
    assert seen == datetime(2026, 3, 29, 1, 30, 15, tzinfo=UTC)
