"""Cohorts and mentors: classes with their members, mentors and a linked group chat.

`cohorts` (name, the optional course its members start, invite code, joining open or
closed, who created it, the linked group),
`cohort_members` (joined, left: the row stays when a learner leaves), `cohort_roles` (the
MENTOR role, scoped to one cohort), and a delivery kind for the weekly board posted to a
cohort's group (one ledger row per cohort and week).

Revision ID: 0015_cohorts
Revises: 0014_courses_and_journeys
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_cohorts"
down_revision: str | None = "0014_courses_and_journeys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("DAILY_LESSON", "STREAK_REMINDER", "BROADCAST", "REMINDERS_PAUSED", "LEAGUE_RESULT")
NEW_KIND = "COHORT_BOARD"
ACTIVITY_TYPES = (
    "LESSON_STARTED",
    "LESSON_COMPLETED",
    "CHALLENGE_ATTEMPTED",
    "CHALLENGE_SOLVED",
    "ACHIEVEMENT_EARNED",
    "LOGIN",
    "ADMIN_ACTION",
)
NEW_ACTIVITY = "COHORT_ACTION"


def delivery_kind(*values: str) -> sa.Enum:
    return sa.Enum(*values, name="deliverykind", create_constraint=False)


def activity_type(*values: str) -> sa.Enum:
    return sa.Enum(*values, name="activitytype", create_constraint=False)


def upgrade() -> None:
    with op.batch_alter_table("activity_log") as batch:
        batch.alter_column(
            "activity_type",
            existing_type=activity_type(*ACTIVITY_TYPES),
            type_=activity_type(*ACTIVITY_TYPES, NEW_ACTIVITY),
            existing_nullable=False,
        )
    op.create_table(
        "cohorts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("joining_open", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("group_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("group_linked_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["group_linked_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("group_chat_id"),
    )
    op.create_index("ix_cohorts_course_id", "cohorts", ["course_id"])
    op.create_index("ix_cohorts_created_by", "cohorts", ["created_by"])
    op.create_index("ix_cohorts_group_linked_by", "cohorts", ["group_linked_by"])
    op.create_table(
        "cohort_members",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        sa.Column("left_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cohort_id", "user_id"),
    )
    op.create_index("ix_cohort_members_user_id_left_at", "cohort_members", ["user_id", "left_at"])
    op.create_table(
        "cohort_roles",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum("MENTOR", name="cohortrole", create_constraint=False),
            server_default="MENTOR",
            nullable=False,
        ),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("cohort_id", "user_id"),
    )
    op.create_index("ix_cohort_roles_user_id_role", "cohort_roles", ["user_id", "role"])
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
    op.drop_table("cohort_roles")
    op.drop_table("cohort_members")
    op.drop_table("cohorts")
    op.execute(sa.text(f"DELETE FROM activity_log WHERE activity_type = '{NEW_ACTIVITY}'"))
    with op.batch_alter_table("activity_log") as batch:
        batch.alter_column(
            "activity_type",
            existing_type=activity_type(*ACTIVITY_TYPES, NEW_ACTIVITY),
            type_=activity_type(*ACTIVITY_TYPES),
            existing_nullable=False,
        )
