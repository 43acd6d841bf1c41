"""This week's points and rank in the leaderboard cache.

The weekly board used to sum the ledger on every request; at a million learners that
took seconds. The leaderboard job now ranks the week too, so the weekly board and a
learner's weekly rank are index lookups.

Revision ID: 0007_weekly_rank
Revises: 0005_admin_actions
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_weekly_rank"
down_revision: str | None = "0005_admin_actions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("leaderboard_cache") as batch:
        batch.add_column(
            sa.Column("week_points", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch.add_column(sa.Column("week_rank", sa.Integer(), nullable=True))
        batch.create_index(op.f("ix_leaderboard_cache_week_rank"), ["week_rank"])


def downgrade() -> None:
    with op.batch_alter_table("leaderboard_cache") as batch:
        batch.drop_index(op.f("ix_leaderboard_cache_week_rank"))
        batch.drop_column("week_rank")
        batch.drop_column("week_points")
