"""Indexes for the scheduler: learners due in a time slot, stats by last active day.

Revision ID: 0004_scheduler_indexes
Revises: 0003_default_achievements
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004_scheduler_indexes"
down_revision: str | None = "0003_default_achievements"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_users_time_zone_lesson_minute"), "users", ["time_zone", "lesson_minute"]
    )
    op.create_index(op.f("ix_user_stats_last_active_date"), "user_stats", ["last_active_date"])


def downgrade() -> None:
    op.drop_index(op.f("ix_user_stats_last_active_date"), table_name="user_stats")
    op.drop_index(op.f("ix_users_time_zone_lesson_minute"), table_name="users")
