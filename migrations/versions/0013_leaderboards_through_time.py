"""Leaderboards through time: today's and this month's points, ranks per board, snapshots.

`leaderboard_cache` gains today's and this month's points (each with the index its board
is read from), `leaderboard_ranks` is keyed by board (day, week, month, all time) instead
of a week flag, and `leaderboard_snapshots` keeps the top 100 of each week and month that
ended. The refresh state is cleared, so the first refresh after the upgrade rebuilds the
cache with the new columns; history starts with the first week or month that ends after.

Revision ID: 0013_leaderboards_through_time
Revises: 0012_incremental_leaderboard
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_leaderboards_through_time"
down_revision: str | None = "0012_incremental_leaderboard"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BOARDS = ("DAY", "WEEK", "MONTH", "ALL_TIME")


def board_column(name: str) -> sa.Column[str]:
    return sa.Column(
        name, sa.Enum(*BOARDS, name="boardperiod", create_constraint=False), nullable=False
    )


def upgrade() -> None:
    with op.batch_alter_table("leaderboard_cache") as batch:
        for name in ("day_points", "month_points"):
            batch.add_column(
                sa.Column(name, sa.Integer(), server_default=sa.text("0"), nullable=False)
            )
            batch.create_index(f"ix_leaderboard_cache_{name}_user_id", [name, "user_id"])
    # Rewritten whole by every refresh: nothing in it to carry over.
    op.drop_table("leaderboard_ranks")
    op.create_table(
        "leaderboard_ranks",
        board_column("board"),
        sa.Column("points", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("learners", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("board", "points"),
    )
    op.create_table(
        "leaderboard_snapshots",
        board_column("period"),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("period", "starts_on", "user_id"),
    )
    op.create_index(
        "ix_leaderboard_snapshots_user_id_rank", "leaderboard_snapshots", ["user_id", "rank"]
    )
    op.execute("DELETE FROM leaderboard_refresh")


def downgrade() -> None:
    op.drop_table("leaderboard_snapshots")
    op.drop_table("leaderboard_ranks")
    op.create_table(
        "leaderboard_ranks",
        sa.Column("week", sa.Boolean(), nullable=False),
        sa.Column("points", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("learners", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("week", "points"),
    )
    with op.batch_alter_table("leaderboard_cache") as batch:
        for name in ("month_points", "day_points"):
            batch.drop_index(f"ix_leaderboard_cache_{name}_user_id")
            batch.drop_column(name)
    # The old refresh rebuilds everything (its ranks included) on its next run.
    op.execute("DELETE FROM leaderboard_refresh")
