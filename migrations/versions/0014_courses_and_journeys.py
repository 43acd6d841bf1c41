"""Several courses: a catalogue, prerequisites, journeys and a pause.

- `courses` (slug, title, description, language, order, published) replaces the one-row
  `course_details`; the course it described (or, without one, the modules already there)
  becomes the first course, its slug made from its title ("Git essentials" → git-essentials).
- `course_prerequisites` and `module_prerequisites`: graphs of what unlocks what. Every
  module of the first course gets the rule it had, "the module before" (by order).
- `modules.course_id`; a module's slug is unique within its course, no longer school-wide.
- `user_journeys` (the original design's): one per learner and course. Every learner gets a journey
  through the first course: ACTIVE (from their first lesson, or from when they registered),
  or COMPLETED at their certificate's date.
- `users.current_course_id` (every learner follows the first course, as they did),
  `users.paused_from` / `paused_until`; `certificates.course_id` (the first course's).
- Points, the ledger, review cards and progress point at lessons, which keep their ids: they
  move with the lessons, untouched.

Downgrade: the first course (by order) becomes `course_details` again; the modules of other
courses are unpublished (the old schema shows one course) and, where their slug collides with
another module's, renamed `<slug>-<course id>`.

Revision ID: 0014_courses_and_journeys
Revises: 0013_leaderboards_through_time
Create Date: 2026-12-07
"""

import itertools
import re
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0014_courses_and_journeys"
down_revision: str | None = "0013_leaderboards_through_time"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIRST_COURSE = 1
SLUG_LIMIT = 64
TABLE_OPTIONS = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_unicode_ci",
}

courses = sa.table(
    "courses",
    sa.column("id", sa.Integer),
    sa.column("slug", sa.String),
    sa.column("title", sa.String),
    sa.column("description", sa.Text),
    sa.column("order", sa.Integer),
    sa.column("is_published", sa.Boolean),
    sa.column("created_at", sa.DateTime),
    sa.column("updated_at", sa.DateTime),
)
course_details = sa.table(
    "course_details",
    sa.column("id", sa.Integer),
    sa.column("title", sa.String),
    sa.column("description", sa.Text),
    sa.column("updated_at", sa.DateTime),
)
modules = sa.table(
    "modules",
    sa.column("id", sa.Integer),
    sa.column("course_id", sa.Integer),
    sa.column("slug", sa.String),
    sa.column("order", sa.Integer),
    sa.column("is_published", sa.Boolean),
)
module_prerequisites = sa.table(
    "module_prerequisites",
    sa.column("module_id", sa.Integer),
    sa.column("required_module_id", sa.Integer),
)
journeys = sa.table(
    "user_journeys",
    sa.column("user_id", sa.Integer),
    sa.column("course_id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("started_at", sa.DateTime),
    sa.column("completed_at", sa.DateTime),
    sa.column("created_at", sa.DateTime),
    sa.column("updated_at", sa.DateTime),
)
progress = sa.table(
    "user_progress",
    sa.column("user_id", sa.Integer),
    sa.column("started_at", sa.DateTime),
    sa.column("created_at", sa.DateTime),
)
certificates = sa.table(
    "certificates",
    sa.column("user_id", sa.Integer),
    sa.column("course_id", sa.Integer),
    sa.column("issued_at", sa.DateTime),
)
users = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("created_at", sa.DateTime),
    sa.column("current_course_id", sa.Integer),
)


def course_slug(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:SLUG_LIMIT].strip("-")
    return slug or "course"


def upgrade() -> None:
    op.create_table(
        "courses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=10), nullable=True),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.Column("is_published", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
        sa.UniqueConstraint("slug", name=op.f("uq_courses_slug")),
        **TABLE_OPTIONS,
    )
    op.create_index(op.f("ix_courses_order"), "courses", ["order"])
    op.create_table(
        "course_prerequisites",
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("required_course_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_course_prerequisites_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["required_course_id"],
            ["courses.id"],
            name=op.f("fk_course_prerequisites_required_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "course_id", "required_course_id", name=op.f("pk_course_prerequisites")
        ),
        **TABLE_OPTIONS,
    )
    op.create_index(
        op.f("ix_course_prerequisites_required_course_id"),
        "course_prerequisites",
        ["required_course_id"],
    )
    bind = op.get_bind()
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    details = bind.execute(
        sa.select(course_details.c.title, course_details.c.description).order_by(
            course_details.c.id
        )
    ).first()
    has_modules = bind.execute(sa.select(modules.c.id).limit(1)).first() is not None
    if details is not None or has_modules:
        title = details.title if details is not None else "LearnBot course"
        bind.execute(
            courses.insert().values(
                id=FIRST_COURSE,
                slug=course_slug(title),
                title=title,
                description=details.description if details is not None else None,
                order=1,
                is_published=True,
                created_at=now,
                updated_at=now,
            )
        )

    with op.batch_alter_table("modules") as batch:
        batch.add_column(sa.Column("course_id", sa.Integer(), nullable=True))
    bind.execute(modules.update().values(course_id=FIRST_COURSE))
    with op.batch_alter_table("modules") as batch:
        batch.alter_column("course_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(
            op.f("fk_modules_course_id_courses"),
            "courses",
            ["course_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch.create_index(op.f("ix_modules_course_id"), ["course_id"])
        batch.drop_constraint(op.f("uq_modules_slug"), type_="unique")
        batch.create_unique_constraint(op.f("uq_modules_course_id_slug"), ["course_id", "slug"])

    op.create_table(
        "module_prerequisites",
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("required_module_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["modules.id"],
            name=op.f("fk_module_prerequisites_module_id_modules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["required_module_id"],
            ["modules.id"],
            name=op.f("fk_module_prerequisites_required_module_id_modules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "module_id", "required_module_id", name=op.f("pk_module_prerequisites")
        ),
        **TABLE_OPTIONS,
    )
    op.create_index(
        op.f("ix_module_prerequisites_required_module_id"),
        "module_prerequisites",
        ["required_module_id"],
    )
    chain = list(bind.scalars(sa.select(modules.c.id).order_by(modules.c.order, modules.c.id)))
    if len(chain) > 1:
        bind.execute(
            module_prerequisites.insert(),
            [
                {"module_id": later, "required_module_id": earlier}
                for earlier, later in itertools.pairwise(chain)
            ],
        )

    op.create_table(
        "user_journeys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("ACTIVE", "COMPLETED", "PAUSED", name="journeystatus", create_constraint=False),
            server_default="ACTIVE",
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_user_journeys_course_id_courses"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_journeys_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_journeys")),
        sa.UniqueConstraint(
            "user_id", "course_id", name=op.f("uq_user_journeys_user_id_course_id")
        ),
        **TABLE_OPTIONS,
    )
    op.create_index(op.f("ix_user_journeys_course_id"), "user_journeys", ["course_id"])
    if chain:
        started = sa.func.min(sa.func.coalesce(progress.c.started_at, progress.c.created_at))
        bind.execute(
            journeys.insert().from_select(
                ["user_id", "course_id", "status", "started_at", "created_at", "updated_at"],
                sa.select(
                    progress.c.user_id,
                    sa.literal(FIRST_COURSE),
                    sa.literal("ACTIVE"),
                    started,
                    sa.literal(now),
                    sa.literal(now),
                ).group_by(progress.c.user_id),
            )
        )
        # Learners without a lesson yet follow the first course too: their journey starts
        # when they registered.
        bind.execute(
            journeys.insert().from_select(
                ["user_id", "course_id", "status", "started_at", "created_at", "updated_at"],
                sa.select(
                    users.c.id,
                    sa.literal(FIRST_COURSE),
                    sa.literal("ACTIVE"),
                    users.c.created_at,
                    sa.literal(now),
                    sa.literal(now),
                ).where(users.c.id.not_in(sa.select(journeys.c.user_id))),
            )
        )
        finished = (
            sa.select(sa.func.min(certificates.c.issued_at))
            .where(certificates.c.user_id == journeys.c.user_id)
            .scalar_subquery()
        )
        bind.execute(
            journeys.update()
            .where(journeys.c.user_id.in_(sa.select(certificates.c.user_id)))
            .values(status="COMPLETED", completed_at=finished)
        )

    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("current_course_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("paused_from", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("paused_until", sa.DateTime(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_users_current_course_id_courses"),
            "courses",
            ["current_course_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(op.f("ix_users_current_course_id"), ["current_course_id"])
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("course_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_certificates_course_id_courses"),
            "courses",
            ["course_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(op.f("ix_certificates_course_id"), ["course_id"])
    if chain or details is not None:
        bind.execute(users.update().values(current_course_id=FIRST_COURSE))
        bind.execute(certificates.update().values(course_id=FIRST_COURSE))
    op.drop_table("course_details")


def downgrade() -> None:
    op.create_table(
        "course_details",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_details")),
        **TABLE_OPTIONS,
    )
    bind = op.get_bind()
    first = bind.execute(
        sa.select(courses.c.id, courses.c.title, courses.c.description, courses.c.updated_at)
        .order_by(courses.c.order, courses.c.id)
        .limit(1)
    ).first()
    if first is not None:
        bind.execute(
            course_details.insert().values(
                id=1, title=first.title, description=first.description, updated_at=first.updated_at
            )
        )
        others = bind.execute(
            sa.select(modules.c.id, modules.c.course_id, modules.c.slug)
            .where(modules.c.course_id != first.id)
            .order_by(modules.c.id)
        ).all()
        taken = set(bind.scalars(sa.select(modules.c.slug).where(modules.c.course_id == first.id)))
        for module_id, course_id, slug in others:
            if slug in taken:
                slug = f"{slug[: SLUG_LIMIT - 12]}-{course_id}"
            taken.add(slug)
            bind.execute(
                modules.update()
                .where(modules.c.id == module_id)
                .values(slug=slug, is_published=False)
            )

    with op.batch_alter_table("certificates") as batch:
        batch.drop_constraint(op.f("fk_certificates_course_id_courses"), type_="foreignkey")
        batch.drop_index(op.f("ix_certificates_course_id"))
        batch.drop_column("course_id")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("fk_users_current_course_id_courses"), type_="foreignkey")
        batch.drop_index(op.f("ix_users_current_course_id"))
        batch.drop_column("paused_until")
        batch.drop_column("paused_from")
        batch.drop_column("current_course_id")
    op.drop_table("user_journeys")
    op.drop_table("module_prerequisites")
    with op.batch_alter_table("modules") as batch:
        batch.drop_constraint(op.f("fk_modules_course_id_courses"), type_="foreignkey")
        batch.drop_index(op.f("ix_modules_course_id"))
        batch.drop_constraint(op.f("uq_modules_course_id_slug"), type_="unique")
        batch.create_unique_constraint(op.f("uq_modules_slug"), ["slug"])
        batch.drop_column("course_id")
    op.drop_table("course_prerequisites")
    op.drop_table("courses")
