"""The seed schema, exactly as documented.

Revision ID: 0001_seed_schema
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_seed_schema"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PROGRESS_STATUS = sa.Enum(
    "NOT_STARTED", "IN_PROGRESS", "COMPLETED", name="progressstatus", create_constraint=False
)
ACHIEVEMENT_TYPE = sa.Enum(
    "LESSON_COMPLETED",
    "MODULE_COMPLETED",
    "STREAK",
    "CHALLENGES_SOLVED",
    "MILESTONE",
    name="achievementtype",
    create_constraint=False,
)
ACTIVITY_TYPE = sa.Enum(
    "LESSON_STARTED",
    "LESSON_COMPLETED",
    "CHALLENGE_ATTEMPTED",
    "CHALLENGE_SOLVED",
    "ACHIEVEMENT_EARNED",
    "LOGIN",
    name="activitytype",
    create_constraint=False,
)

MYSQL_TABLE = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_unicode_ci",
}


def timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("username", sa.String(100), nullable=True),
        sa.Column("first_name", sa.String(100), nullable=True),
        sa.Column("last_name", sa.String(100), nullable=True),
        sa.Column("language_code", sa.String(10), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        *timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        **MYSQL_TABLE,
    )
    op.create_index(op.f("ix_users_telegram_id"), "users", ["telegram_id"], unique=True)

    op.create_table(
        "modules",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.Column("is_published", sa.Boolean(), server_default=sa.false(), nullable=False),
        *timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_modules")),
        **MYSQL_TABLE,
    )
    op.create_index(op.f("ix_modules_order"), "modules", ["order"])

    op.create_table(
        "lessons",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.Column("estimated_duration", sa.Integer(), nullable=True),
        sa.Column("is_published", sa.Boolean(), server_default=sa.false(), nullable=False),
        *timestamps(),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["modules.id"],
            name=op.f("fk_lessons_module_id_modules"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lessons")),
        **MYSQL_TABLE,
    )
    op.create_index(op.f("ix_lessons_module_id"), "lessons", ["module_id"])
    op.create_index(op.f("ix_lessons_module_id_order"), "lessons", ["module_id", "order"])

    op.create_table(
        "user_progress",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("status", PROGRESS_STATUS, nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        *timestamps(),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_progress_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_user_progress_lesson_id_lessons"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_progress")),
        sa.UniqueConstraint(
            "user_id", "lesson_id", name=op.f("uq_user_progress_user_id_lesson_id")
        ),
        **MYSQL_TABLE,
    )
    op.create_index(op.f("ix_user_progress_user_id_status"), "user_progress", ["user_id", "status"])
    op.create_index(
        op.f("ix_user_progress_lesson_id_status"), "user_progress", ["lesson_id", "status"]
    )

    op.create_table(
        "achievements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("type", ACHIEVEMENT_TYPE, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("icon", sa.String(100), nullable=True),
        sa.Column("points", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_achievements")),
        **MYSQL_TABLE,
    )
    op.create_index(op.f("ix_achievements_type"), "achievements", ["type"])

    op.create_table(
        "user_achievements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("achievement_id", sa.Integer(), nullable=False),
        sa.Column("earned_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_achievements_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["achievement_id"],
            ["achievements.id"],
            name=op.f("fk_user_achievements_achievement_id_achievements"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_achievements")),
        sa.UniqueConstraint(
            "user_id", "achievement_id", name=op.f("uq_user_achievements_user_id_achievement_id")
        ),
        **MYSQL_TABLE,
    )
    op.create_index(
        op.f("ix_user_achievements_user_id_earned_at"),
        "user_achievements",
        ["user_id", "earned_at"],
    )

    op.create_table(
        "leaderboard_cache",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(sa.quoted_name("rank", quote=True), sa.Integer(), nullable=False),
        sa.Column("total_score", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("lessons_completed", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("achievements_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_leaderboard_cache_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leaderboard_cache")),
        sa.UniqueConstraint("user_id", name=op.f("uq_leaderboard_cache_user_id")),
        **MYSQL_TABLE,
    )
    op.create_index(op.f("ix_leaderboard_cache_rank"), "leaderboard_cache", ["rank"])
    op.create_index(
        op.f("ix_leaderboard_cache_rank_total_score"), "leaderboard_cache", ["rank", "total_score"]
    )

    op.create_table(
        "activity_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("activity_type", ACTIVITY_TYPE, nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("entity_type", sa.String(50), nullable=True),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_activity_log_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_log")),
        **MYSQL_TABLE,
    )
    op.create_index(op.f("ix_activity_log_user_id"), "activity_log", ["user_id"])
    op.create_index(op.f("ix_activity_log_activity_type"), "activity_log", ["activity_type"])
    op.create_index(op.f("ix_activity_log_created_at"), "activity_log", ["created_at"])
    op.create_index(
        op.f("ix_activity_log_user_id_activity_type_created_at"),
        "activity_log",
        ["user_id", "activity_type", "created_at"],
    )


def downgrade() -> None:
    for table in (
        "activity_log",
        "leaderboard_cache",
        "user_achievements",
        "achievements",
        "user_progress",
        "lessons",
        "modules",
        "users",
    ):
        op.drop_table(table)
