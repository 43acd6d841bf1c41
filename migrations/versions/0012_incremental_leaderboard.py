"""An incremental leaderboard: ranks per points value, and where the last refresh stopped.

Ranking all learners with RANK() on every refresh rewrote a million stored ranks when
one learner moved. Now the refresh rewrites only the learners whose points or
visibility changed (found from the points ledger after the last refresh's ledger id,
and from the hidden learners of the last refresh), and ranks are looked up per points
value in `leaderboard_ranks`. `leaderboard_cache.week_rank` goes; the seed's `rank`
column stays (written as 0). The first refresh after the upgrade rebuilds the cache.

Revision ID: 0012_incremental_leaderboard
Revises: 0011_streaks_leagues_reminders
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_incremental_leaderboard"
down_revision: str | None = "0011_streaks_leagues_reminders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("leaderboard_cache") as batch:
        batch.drop_index("ix_leaderboard_cache_week_rank")
        batch.drop_column("week_rank")
        batch.create_index("ix_leaderboard_cache_total_score_user_id", ["total_score", "user_id"])
        batch.create_index("ix_leaderboard_cache_week_points_user_id", ["week_points", "user_id"])
    op.create_index("ix_users_show_on_leaderboard", "users", ["show_on_leaderboard"])
    op.create_table(
        "leaderboard_ranks",
        sa.Column("week", sa.Boolean(), nullable=False),
        sa.Column("points", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("learners", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("week", "points"),
    )
    op.create_table(
        "leaderboard_hidden",
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "leaderboard_refresh",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("refreshed_at", sa.DateTime(), nullable=False),
        sa.Column("week_start", sa.DateTime(), nullable=False),
        sa.Column("ledger_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("leaderboard_refresh")
    op.drop_table("leaderboard_hidden")
    op.drop_table("leaderboard_ranks")
    op.drop_index("ix_users_show_on_leaderboard", table_name="users")
    with op.batch_alter_table("leaderboard_cache") as batch:
        batch.drop_index("ix_leaderboard_cache_week_points_user_id")
        batch.drop_index("ix_leaderboard_cache_total_score_user_id")
        batch.add_column(sa.Column("week_rank", sa.Integer(), nullable=True))
        batch.create_index("ix_leaderboard_cache_week_rank", ["week_rank"])
    # The old job ranks the week on its next run; until then the weekly board is empty.
