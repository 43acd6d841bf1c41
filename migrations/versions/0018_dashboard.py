"""The dashboard: daily aggregates for the admin's 30-day charts, and the two indexes the
job that writes them reads by (new learners and lessons completed per day).

Revision ID: 0018_dashboard
Revises: 0017_assignments
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_dashboard"
down_revision: str | None = "0017_assignments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dashboard_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("learners", sa.Integer(), nullable=False),
        sa.Column("new_learners", sa.Integer(), nullable=False),
        sa.Column("active", sa.Integer(), nullable=False),
        sa.Column("lessons", sa.Integer(), nullable=False),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.Column("recalled", sa.Integer(), nullable=False),
        sa.Column("usual_hours", sa.JSON(), nullable=True),
        sa.Column("funnel", sa.JSON(), nullable=True),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_index("ix_users_created_at", "users", ["created_at"])
    op.create_index("ix_user_progress_completed_at", "user_progress", ["completed_at"])


def downgrade() -> None:
    op.drop_index("ix_user_progress_completed_at", table_name="user_progress")
    op.drop_index("ix_users_created_at", table_name="users")
    op.drop_table("dashboard_days")
