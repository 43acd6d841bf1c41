"""Quizzes that teach: shuffled options, course-fitted achievements, the level curve,
certificates.

- `quiz_polls.option_order`: the order in which a poll showed its options (NULL: polls
  sent before shuffling, in the course file's order).
- `course_details`: the course's title and description, written by imports.
- `certificates`: one per learner and course title, with a unique verification code.
- Achievements no learner of a short course could earn (50 lessons, a 30-day streak,
  2,000 points) become course-relative ones; "Halfway there" is added. Rows keep their
  ids, so anything already earned stays earned.
- `user_stats.level` follows the new curve: level n from 50·n·(n−1) points.

Revision ID: 0009_quizzes_that_teach
Revises: 0008_stats_for_every_learner
Create Date: 2026-12-01
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0009_quizzes_that_teach"
down_revision: str | None = "0008_stats_for_every_learner"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEVEL_STEP = 50
OLD_POINTS_PER_LEVEL = 100

# old slug -> (slug, type, icon, points, criteria, title, description); and back.
REPLACED = {
    "lessons-50": (
        (
            "course-complete",
            "LESSON_COMPLETED",
            "🎓",
            200,
            {"lessons_percent": 100},
            "Graduate",
            "Finish every lesson of the course.",
        ),
        (
            "lessons-50",
            "LESSON_COMPLETED",
            "🏛",
            200,
            {"lessons_completed": 50},
            "Scholar",
            "Complete 50 lessons.",
        ),
    ),
    "streak-30": (
        (
            "streak-14",
            "STREAK",
            "🌟",
            150,
            {"streak_days": 14},
            "Unstoppable",
            "Learn 14 days in a row.",
        ),
        (
            "streak-30",
            "STREAK",
            "🌟",
            300,
            {"streak_days": 30},
            "Unstoppable",
            "Learn 30 days in a row.",
        ),
    ),
    "points-2000": (
        (
            "points-top",
            "MILESTONE",
            "🏆",
            0,
            {"points_percent": 90},
            "Top of the class",
            "Earn 90 percent of the points the course's lessons give.",
        ),
        ("points-2000", "MILESTONE", "🏆", 0, {"points": 2000}, "2,000 club", "Earn 2,000 points."),
    ),
}
ADDED = (
    "course-half",
    "LESSON_COMPLETED",
    "🧭",
    50,
    {"lessons_percent": 50},
    "Halfway there",
    "Finish half of the course's lessons.",
)
# The default achievements after this revision (the tests keep these rows between tests).
SLUGS = [
    "first-lesson",
    "first-module",
    "lessons-10",
    "course-half",
    "course-complete",
    "streak-3",
    "streak-7",
    "streak-14",
    "perfect-10",
    "points-500",
    "points-top",
]

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
user_stats = sa.table(
    "user_stats", sa.column("points", sa.Integer()), sa.column("level", sa.Integer())
)


def _values(row: tuple) -> dict:
    slug, kind, icon, points, criteria, title, description = row
    return {
        "slug": slug,
        "type": kind,
        "icon": icon,
        "points": points,
        "criteria": json.dumps(criteria),
        "title": title,
        "description": description,
    }


def upgrade() -> None:
    with op.batch_alter_table("quiz_polls") as batch:
        batch.add_column(sa.Column("option_order", sa.JSON(), nullable=True))
    op.create_table(
        "course_details",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_details")),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
    )
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("learner_name", sa.String(length=200), nullable=False),
        sa.Column("course_title", sa.String(length=200), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_certificates_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("code", name=op.f("uq_certificates_code")),
        sa.UniqueConstraint(
            "user_id", "course_title", name=op.f("uq_certificates_user_id_course_title")
        ),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
    )
    for old, (new, _) in REPLACED.items():
        op.execute(achievements.update().where(achievements.c.slug == old).values(**_values(new)))
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    op.bulk_insert(achievements, [{**_values(ADDED), "created_at": now}])
    _relevel(lambda n: LEVEL_STEP * n * (n - 1))


def downgrade() -> None:
    _relevel(lambda n: OLD_POINTS_PER_LEVEL * (n - 1))
    added = sa.select(achievements.c.id).where(achievements.c.slug == ADDED[0])
    op.execute(user_achievements.delete().where(user_achievements.c.achievement_id.in_(added)))
    op.execute(achievements.delete().where(achievements.c.slug == ADDED[0]))
    for new, old in REPLACED.values():
        op.execute(
            achievements.update().where(achievements.c.slug == new[0]).values(**_values(old))
        )
    op.drop_table("certificates")
    op.drop_table("course_details")
    with op.batch_alter_table("quiz_polls") as batch:
        batch.drop_column("option_order")


def _relevel(threshold) -> None:
    """Set every learner's level from their points, one UPDATE per level in use."""
    top = op.get_bind().scalar(sa.select(sa.func.max(user_stats.c.points))) or 0
    level = 1
    while threshold(level) <= top:
        op.execute(
            user_stats.update()
            .where(
                user_stats.c.points >= threshold(level), user_stats.c.points < threshold(level + 1)
            )
            .values(level=level)
        )
        level += 1
