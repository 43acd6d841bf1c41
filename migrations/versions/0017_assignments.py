"""Assignments: submissions (each version of a learner's answers), their verdicts, the
learners' field outputs, a lesson's assignment and required fields, and a delivery kind for
a reviewer's daily note of work waiting over 48 hours.

Revision ID: 0017_assignments
Revises: 0016_placement
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_assignments"
down_revision: str | None = "0016_placement"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = (
    "DAILY_LESSON",
    "STREAK_REMINDER",
    "BROADCAST",
    "REMINDERS_PAUSED",
    "LEAGUE_RESULT",
    "COHORT_BOARD",
)
NEW_KIND = "REVIEWS_WAITING"
STATUSES = ("DRAFT", "SUBMITTED", "RETURNED", "ACCEPTED")


def delivery_kind(*values: str) -> sa.Enum:
    return sa.Enum(*values, name="deliverykind", create_constraint=False)


def upgrade() -> None:
    with op.batch_alter_table("lessons") as batch:
        batch.add_column(sa.Column("assignment", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("requires_fields", sa.JSON(), nullable=True))
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(*STATUSES, name="submissionstatus", create_constraint=False),
            nullable=False,
        ),
        sa.Column("cohort_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("asking", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["lesson_id"], ["lessons.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "lesson_id", "version"),
    )
    op.create_index("ix_submissions_lesson_id", "submissions", ["lesson_id"])
    op.create_index("ix_submissions_cohort_id", "submissions", ["cohort_id"])
    op.create_index("ix_submissions_status_submitted_at", "submissions", ["status", "submitted_at"])
    op.create_index("ix_submissions_user_id_status", "submissions", ["user_id", "status"])
    op.create_index(
        "ix_submissions_status_cohort_id_submitted_at",
        "submissions",
        ["status", "cohort_id", "submitted_at"],
    )
    op.create_table(
        "submission_reviews",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reviewer_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("submission_id"),
    )
    op.create_index("ix_submission_reviews_reviewer_id", "submission_reviews", ["reviewer_id"])
    op.create_table(
        "field_outputs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("field_id", sa.String(length=64), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "field_id"),
    )
    op.create_index("ix_field_outputs_submission_id", "field_outputs", ["submission_id"])
    with op.batch_alter_table("deliveries") as batch:
        batch.alter_column(
            "kind",
            existing_type=delivery_kind(*KINDS),
            type_=delivery_kind(*KINDS, NEW_KIND),
            existing_nullable=False,
        )


def downgrade() -> None:
    op.execute(sa.text(f"DELETE FROM deliveries WHERE kind = '{NEW_KIND}'"))
    with op.batch_alter_table("deliveries") as batch:
        batch.alter_column(
            "kind",
            existing_type=delivery_kind(*KINDS, NEW_KIND),
            type_=delivery_kind(*KINDS),
            existing_nullable=False,
        )
    op.drop_table("field_outputs")
    op.drop_table("submission_reviews")
    op.drop_table("submissions")
    with op.batch_alter_table("lessons") as batch:
        batch.drop_column("requires_fields")
        batch.drop_column("assignment")
