"""A stats row for every learner.

Registration creates a learner's `user_stats` row; learners who came from the seed
schema (before revision 0002) have none; theirs counts the lessons they completed.
Creating it when a first lesson is
completed would let two concurrent completions race on the insert, so every
learner gets the row now.

Revision ID: 0008_stats_for_every_learner
Revises: 0007_weekly_rank
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_stats_for_every_learner"
down_revision: str | None = "0007_weekly_rank"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        sa.text(
            "INSERT INTO user_stats (user_id, points, level, current_streak, longest_streak,"
            " lessons_completed, perfect_quizzes, updated_at)"
            " SELECT id, 0, 1, 0, 0,"
            " (SELECT COUNT(*) FROM user_progress p"
            "  WHERE p.user_id = users.id AND p.status = 'COMPLETED'),"
            " 0, updated_at FROM users"
            " WHERE NOT EXISTS (SELECT 1 FROM user_stats WHERE user_stats.user_id = users.id)"
        )
    )


def downgrade() -> None:
    # Empty stats rows are harmless under the previous revision: nothing to undo.
    pass
