"""LearnBot's extensions to the seed schema.

Learner settings and state on `users`; stable slugs on modules, lessons and
achievements (back-filled for rows that already exist); scoring on lessons; quiz
questions and polls; per-learner stats; the points ledger; broadcasts; the delivery
ledger.

Revision ID: 0002_learnbot_extensions
Revises: 0001_seed_schema
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_learnbot_extensions"
down_revision: str | None = "0001_seed_schema"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MYSQL_TABLE = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_unicode_ci",
}
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def enum(*values: str, name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, create_constraint=False)


def add_slug(table: str, prefix: str) -> None:
    """Add a unique NOT NULL slug, back-filling rows made before this revision."""
    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column("slug", sa.String(64), nullable=True))
    op.execute(
        sa.text(f"UPDATE {table} SET slug = CONCAT('{prefix}-', id)")
        if op.get_bind().dialect.name == "mysql"
        else sa.text(f"UPDATE {table} SET slug = '{prefix}-' || id")
    )
    with op.batch_alter_table(table) as batch:
        batch.alter_column("slug", existing_type=sa.String(64), nullable=False)
        batch.create_unique_constraint(op.f(f"uq_{table}_slug"), ["slug"])


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("time_zone", sa.String(64), server_default="UTC", nullable=False)
        )
        batch.add_column(
            sa.Column(
                "lesson_minute", sa.SmallInteger(), server_default=sa.text("540"), nullable=False
            )
        )
        batch.add_column(
            sa.Column("reminders_enabled", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch.add_column(
            sa.Column("show_on_leaderboard", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch.add_column(sa.Column("language", sa.String(10), nullable=True))
        batch.add_column(
            sa.Column(
                "role",
                enum("LEARNER", "ADMIN", name="userrole"),
                server_default="LEARNER",
                nullable=False,
            )
        )
        batch.add_column(sa.Column("onboarded_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("blocked_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(), nullable=True))
        batch.create_index(op.f("ix_users_last_seen_at"), ["last_seen_at"])
        batch.create_index(op.f("ix_users_username"), ["username"])

    add_slug("modules", "module")
    with op.batch_alter_table("modules") as batch:
        batch.add_column(sa.Column("days_between_lessons", sa.Integer(), nullable=True))

    add_slug("lessons", "lesson")
    with op.batch_alter_table("lessons") as batch:
        batch.add_column(
            sa.Column("points", sa.Integer(), server_default=sa.text("50"), nullable=False)
        )
        batch.add_column(
            sa.Column("pass_mark", sa.SmallInteger(), server_default=sa.text("60"), nullable=False)
        )
        batch.add_column(sa.Column("image", sa.String(512), nullable=True))

    add_slug("achievements", "achievement")

    op.create_table(
        "quiz_questions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(300), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("correct_option_ids", sa.JSON(), nullable=False),
        sa.Column("explanation", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_quiz_questions_lesson_id_lessons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_questions")),
        sa.UniqueConstraint("lesson_id", "slug", name=op.f("uq_quiz_questions_lesson_id_slug")),
        **MYSQL_TABLE,
    )
    op.create_index(
        op.f("ix_quiz_questions_lesson_id_order"), "quiz_questions", ["lesson_id", "order"]
    )

    op.create_table(
        "quiz_polls",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("poll_id", sa.String(128), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("option_ids", sa.JSON(), nullable=True),
        sa.Column("is_correct", sa.Boolean(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_quiz_polls_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_quiz_polls_lesson_id_lessons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["quiz_questions.id"],
            name=op.f("fk_quiz_polls_question_id_quiz_questions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_polls")),
        sa.UniqueConstraint("poll_id", name=op.f("uq_quiz_polls_poll_id")),
        sa.UniqueConstraint(
            "user_id",
            "lesson_id",
            "attempt",
            "question_id",
            name=op.f("uq_quiz_polls_user_id_lesson_id_attempt_question_id"),
        ),
        **MYSQL_TABLE,
    )
    op.create_index(op.f("ix_quiz_polls_lesson_id"), "quiz_polls", ["lesson_id"])
    op.create_index(op.f("ix_quiz_polls_question_id"), "quiz_polls", ["question_id"])

    op.create_table(
        "user_stats",
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("points", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("level", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("current_streak", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("longest_streak", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_active_date", sa.Date(), nullable=True),
        sa.Column("lessons_completed", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("perfect_quizzes", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_stats_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_stats")),
        **MYSQL_TABLE,
    )
    op.create_index(op.f("ix_user_stats_points"), "user_stats", ["points"])

    op.create_table(
        "points_ledger",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column(
            "reason",
            enum("LESSON", "FIRST_TRY_BONUS", "ACHIEVEMENT", "ADJUSTMENT", name="pointsreason"),
            nullable=False,
        ),
        sa.Column("award_key", sa.String(64), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=True),
        sa.Column("achievement_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_points_ledger_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_points_ledger_lesson_id_lessons"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["achievement_id"],
            ["achievements.id"],
            name=op.f("fk_points_ledger_achievement_id_achievements"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_ledger")),
        sa.UniqueConstraint(
            "user_id", "award_key", name=op.f("uq_points_ledger_user_id_award_key")
        ),
        **MYSQL_TABLE,
    )
    op.create_index(op.f("ix_points_ledger_lesson_id"), "points_ledger", ["lesson_id"])
    op.create_index(op.f("ix_points_ledger_achievement_id"), "points_ledger", ["achievement_id"])
    op.create_index(
        op.f("ix_points_ledger_created_at_user_id_points"),
        "points_ledger",
        ["created_at", "user_id", "points"],
    )

    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("photo_file_id", sa.String(255), nullable=True),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            enum("DRAFT", "SENDING", "DONE", "CANCELLED", name="broadcaststatus"),
            nullable=False,
        ),
        sa.Column("total", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("sent", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("blocked", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("failed", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("progress_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("progress_message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_broadcasts_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
        **MYSQL_TABLE,
    )
    op.create_index(op.f("ix_broadcasts_created_by"), "broadcasts", ["created_by"])
    op.create_index(op.f("ix_broadcasts_status"), "broadcasts", ["status"])

    op.create_table(
        "deliveries",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            enum("DAILY_LESSON", "STREAK_REMINDER", "BROADCAST", name="deliverykind"),
            nullable=False,
        ),
        sa.Column("dedup_key", sa.String(32), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            enum("PENDING", "SENT", "BLOCKED", "FAILED", name="deliverystatus"),
            server_default="PENDING",
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("error", sa.String(255), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_deliveries_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcasts.id"],
            name=op.f("fk_deliveries_broadcast_id_broadcasts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint(
            "user_id", "kind", "dedup_key", name=op.f("uq_deliveries_user_id_kind_dedup_key")
        ),
        **MYSQL_TABLE,
    )
    op.create_index(
        op.f("ix_deliveries_broadcast_id_status"), "deliveries", ["broadcast_id", "status"]
    )
    op.create_index(op.f("ix_deliveries_status_claimed_at"), "deliveries", ["status", "claimed_at"])


def downgrade() -> None:
    for table in (
        "deliveries",
        "broadcasts",
        "points_ledger",
        "user_stats",
        "quiz_polls",
        "quiz_questions",
    ):
        op.drop_table(table)

    for table in ("achievements", "lessons", "modules"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"uq_{table}_slug"), type_="unique")
            batch.drop_column("slug")
    with op.batch_alter_table("lessons") as batch:
        batch.drop_column("image")
        batch.drop_column("pass_mark")
        batch.drop_column("points")
    with op.batch_alter_table("modules") as batch:
        batch.drop_column("days_between_lessons")

    with op.batch_alter_table("users") as batch:
        batch.drop_index(op.f("ix_users_username"))
        batch.drop_index(op.f("ix_users_last_seen_at"))
        for column in (
            "last_seen_at",
            "blocked_at",
            "onboarded_at",
            "role",
            "language",
            "show_on_leaderboard",
            "reminders_enabled",
            "lesson_minute",
            "time_zone",
        ):
            batch.drop_column(column)
