"""The default achievements, as data.

Criteria vocabulary (JSON object, every key must hold):
  lessons_completed, modules_completed, streak_days, perfect_quizzes, points.

Revision ID: 0003_default_achievements
Revises: 0002_learnbot_extensions
Create Date: 2026-11-25
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0003_default_achievements"
down_revision: str | None = "0002_learnbot_extensions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# slug, type, icon, points, criteria, title, description
DEFAULTS = [
    ("first-lesson", "LESSON_COMPLETED", "🎯", 10, {"lessons_completed": 1},
     "First step", "Complete your first lesson."),
    ("first-module", "MODULE_COMPLETED", "📦", 50, {"modules_completed": 1},
     "Module master", "Complete every lesson of a module."),
    ("lessons-10", "LESSON_COMPLETED", "📚", 50, {"lessons_completed": 10},
     "Bookworm", "Complete 10 lessons."),
    ("lessons-50", "LESSON_COMPLETED", "🏛", 200, {"lessons_completed": 50},
     "Scholar", "Complete 50 lessons."),
    ("streak-3", "STREAK", "🔥", 20, {"streak_days": 3},
     "On fire", "Learn 3 days in a row."),
    ("streak-7", "STREAK", "⚡", 50, {"streak_days": 7},
     "Week warrior", "Learn 7 days in a row."),
    ("streak-30", "STREAK", "🌟", 300, {"streak_days": 30},
     "Unstoppable", "Learn 30 days in a row."),
    ("perfect-10", "CHALLENGES_SOLVED", "💯", 100, {"perfect_quizzes": 10},
     "Sharpshooter", "Pass 10 quizzes with every answer right."),
    ("points-500", "MILESTONE", "🥉", 0, {"points": 500},
     "500 club", "Earn 500 points."),
    ("points-2000", "MILESTONE", "🏆", 0, {"points": 2000},
     "2,000 club", "Earn 2,000 points."),
]  # fmt: skip

achievements = sa.table(
    "achievements",
    sa.column("id", sa.Integer()),
    sa.column("slug", sa.String()),
    sa.column("type", sa.String()),
    sa.column("title", sa.String()),
    sa.column("description", sa.Text()),
    sa.column("icon", sa.String()),
    sa.column("points", sa.Integer()),
    sa.column("criteria", sa.Text()),
    sa.column("created_at", sa.DateTime()),
)
user_achievements = sa.table("user_achievements", sa.column("achievement_id", sa.Integer()))
SLUGS = [row[0] for row in DEFAULTS]


def upgrade() -> None:
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    op.bulk_insert(
        achievements,
        [
            {
                "slug": slug,
                "type": kind,
                "icon": icon,
                "points": points,
                "criteria": json.dumps(criteria),
                "title": title,
                "description": description,
                "created_at": now,
            }
            for slug, kind, icon, points, criteria, title, description in DEFAULTS
        ],
    )


def downgrade() -> None:
    ours = sa.select(achievements.c.id).where(achievements.c.slug.in_(SLUGS))
    op.execute(user_achievements.delete().where(user_achievements.c.achievement_id.in_(ours)))
    op.execute(achievements.delete().where(achievements.c.slug.in_(SLUGS)))
