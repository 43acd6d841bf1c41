"""Review cards: spaced repetition of the quiz questions a learner answered.

Four tables: `review_cards` (a learner's card per question and its FSRS state, due
cards one range of the (user_id, retired, due) index), `review_log` (one row per answer),
`review_sessions` and `review_polls` (a /review session and the polls it sent).
A removed question retires its cards: `question_id` is SET NULL, never a broken key.
Points for right review answers get their own ledger reason, REVIEW.

Revision ID: 0010_review_cards
Revises: 0009_quizzes_that_teach
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_review_cards"
down_revision: str | None = "0009_quizzes_that_teach"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MYSQL_TABLE = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_unicode_ci",
}
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
POINTS_REASONS = ("LESSON", "FIRST_TRY_BONUS", "ACHIEVEMENT", "ADJUSTMENT")


def points_reason(*values: str) -> sa.Enum:
    return sa.Enum(*values, name="pointsreason", create_constraint=False)


def fk(column: str, table: str, referred: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{referred}.id"], name=f"fk_{table}_{column}_{referred}", ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "review_cards",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.SmallInteger(), nullable=False),
        sa.Column("step", sa.SmallInteger(), nullable=True),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("difficulty", sa.Float(), nullable=True),
        sa.Column("due", sa.DateTime(), nullable=False),
        sa.Column("last_review", sa.DateTime(), nullable=True),
        sa.Column("reviews", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("retired", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        fk("user_id", "review_cards", "users", "CASCADE"),
        fk("question_id", "review_cards", "quiz_questions", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_review_cards"),
        sa.UniqueConstraint("user_id", "question_id", name="uq_review_cards_user_id_question_id"),
        **MYSQL_TABLE,
    )
    op.create_index("ix_review_cards_question_id", "review_cards", ["question_id"])
    op.create_index(
        "ix_review_cards_user_id_retired_due", "review_cards", ["user_id", "retired", "due"]
    )

    op.create_table(
        "review_log",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("card_id", BIG_ID, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "source",
            sa.Enum("LESSON", "REVIEW", name="reviewsource", create_constraint=False),
            nullable=False,
        ),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(), nullable=False),
        sa.Column("due", sa.DateTime(), nullable=False),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("difficulty", sa.Float(), nullable=True),
        fk("card_id", "review_log", "review_cards", "CASCADE"),
        fk("user_id", "review_log", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_review_log"),
        **MYSQL_TABLE,
    )
    op.create_index("ix_review_log_card_id", "review_log", ["card_id"])
    op.create_index("ix_review_log_reviewed_at", "review_log", ["reviewed_at"])
    op.create_index("ix_review_log_user_id_reviewed_at", "review_log", ["user_id", "reviewed_at"])

    op.create_table(
        "review_sessions",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("card_ids", sa.JSON(), nullable=False),
        sa.Column("right", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("wrong", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        fk("user_id", "review_sessions", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_review_sessions"),
        **MYSQL_TABLE,
    )
    op.create_index(
        "ix_review_sessions_user_id_finished_at", "review_sessions", ["user_id", "finished_at"]
    )

    op.create_table(
        "review_polls",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("poll_id", sa.String(128), nullable=False),
        sa.Column("session_id", BIG_ID, nullable=False),
        sa.Column("card_id", BIG_ID, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("review_number", sa.Integer(), nullable=False),
        sa.Column("option_order", sa.JSON(), nullable=False),
        sa.Column("is_correct", sa.Boolean(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        fk("session_id", "review_polls", "review_sessions", "CASCADE"),
        fk("card_id", "review_polls", "review_cards", "CASCADE"),
        fk("user_id", "review_polls", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_review_polls"),
        sa.UniqueConstraint("poll_id", name="uq_review_polls_poll_id"),
        **MYSQL_TABLE,
    )
    op.create_index("ix_review_polls_session_id", "review_polls", ["session_id"])
    op.create_index("ix_review_polls_card_id", "review_polls", ["card_id"])
    op.create_index("ix_review_polls_user_id", "review_polls", ["user_id"])

    with op.batch_alter_table("points_ledger") as batch:
        batch.alter_column(
            "reason",
            existing_type=points_reason(*POINTS_REASONS),
            type_=points_reason(*POINTS_REASONS, "REVIEW"),
            existing_nullable=False,
        )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM points_ledger WHERE reason = 'REVIEW'"))
    with op.batch_alter_table("points_ledger") as batch:
        batch.alter_column(
            "reason",
            existing_type=points_reason(*POINTS_REASONS, "REVIEW"),
            type_=points_reason(*POINTS_REASONS),
            existing_nullable=False,
        )
    op.drop_table("review_polls")
    op.drop_table("review_sessions")
    op.drop_table("review_log")
    op.drop_table("review_cards")
