"""A placement check: skip what you already know.

`courses.placement_per_module` and `placement_questions` (the check a course offers, from
`placement:` in course.yaml), `user_progress.tested_out` (a lesson done by a check, not
taken), `assessment_results` (one row per learner and course: the questions drawn, the
score per module, when) and `placement_answers` (each question asked, its poll and answer).

Revision ID: 0016_placement
Revises: 0015_cohorts
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_placement"
down_revision: str | None = "0015_cohorts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("courses") as batch:
        batch.add_column(sa.Column("placement_per_module", sa.SmallInteger(), nullable=True))
        batch.add_column(sa.Column("placement_questions", sa.JSON(), nullable=True))
    with op.batch_alter_table("user_progress") as batch:
        batch.add_column(
            sa.Column("tested_out", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "assessment_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "IN_PROGRESS",
                "FINISHED",
                "ABANDONED",
                name="placementstatus",
                create_constraint=False,
            ),
            nullable=False,
        ),
        sa.Column("attempt", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("question_ids", sa.JSON(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=True),
        sa.Column("modules_total", sa.SmallInteger(), nullable=True),
        sa.Column("modules_tested_out", sa.SmallInteger(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "course_id"),
    )
    op.create_index("ix_assessment_results_course_id", "assessment_results", ["course_id"])
    op.create_table(
        "placement_answers",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("check_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.String(length=128), nullable=False),
        sa.Column("option_order", sa.JSON(), nullable=False),
        sa.Column("option_ids", sa.JSON(), nullable=True),
        sa.Column("is_correct", sa.Boolean(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["check_id"], ["assessment_results.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["question_id"], ["quiz_questions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("check_id", "attempt", "question_id"),
        sa.UniqueConstraint("poll_id"),
    )
    op.create_index("ix_placement_answers_question_id", "placement_answers", ["question_id"])


def downgrade() -> None:
    # Their indexes go with them (MySQL refuses to drop an index a foreign key needs).
    op.drop_table("placement_answers")
    op.drop_table("assessment_results")
    with op.batch_alter_table("user_progress") as batch:
        batch.drop_column("tested_out")
    with op.batch_alter_table("courses") as batch:
        batch.drop_column("placement_questions")
        batch.drop_column("placement_per_module")
