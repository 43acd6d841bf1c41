"""Admin actions in the activity log.

Adds ADMIN_ACTION to the activity types, so every admin action (broadcasts, content
imports, publishing, resets, role changes) is an `activity_log` row with who, what
and when.

Revision ID: 0005_admin_actions
Revises: 0004_scheduler_indexes
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_admin_actions"
down_revision: str | None = "0004_scheduler_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEED_TYPES = (
    "LESSON_STARTED",
    "LESSON_COMPLETED",
    "CHALLENGE_ATTEMPTED",
    "CHALLENGE_SOLVED",
    "ACHIEVEMENT_EARNED",
    "LOGIN",
)


def activity_type(*values: str) -> sa.Enum:
    return sa.Enum(*values, name="activitytype", create_constraint=False)


def upgrade() -> None:
    with op.batch_alter_table("activity_log") as batch:
        batch.alter_column(
            "activity_type",
            existing_type=activity_type(*SEED_TYPES),
            type_=activity_type(*SEED_TYPES, "ADMIN_ACTION"),
            existing_nullable=False,
        )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM activity_log WHERE activity_type = 'ADMIN_ACTION'"))
    with op.batch_alter_table("activity_log") as batch:
        batch.alter_column(
            "activity_type",
            existing_type=activity_type(*SEED_TYPES, "ADMIN_ACTION"),
            type_=activity_type(*SEED_TYPES),
            existing_nullable=False,
        )
