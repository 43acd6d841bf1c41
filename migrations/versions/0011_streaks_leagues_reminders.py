"""Fair streaks, weekly leagues and reminders that follow the learner.

`user_stats` gains the end of the last counted streak day (as a UTC instant, so a
change of time zone can never add a day), the freezes held, the frozen days, the
pending "a freeze saved your streak" notice, the learner's usual learning hour and
their league tier. Two tables hold the league weeks and their groups; the delivery
ledger gains the reminders-paused and league-result kinds.

Revision ID: 0011_streaks_leagues_reminders
Revises: 0010_review_cards
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_streaks_leagues_reminders"
down_revision: str | None = "0010_review_cards"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("DAILY_LESSON", "STREAK_REMINDER", "BROADCAST")
NEW_KINDS = ("REMINDERS_PAUSED", "LEAGUE_RESULT")


def delivery_kind(*values: str) -> sa.Enum:
    return sa.Enum(*values, name="deliverykind", create_constraint=False)


def upgrade() -> None:
    with op.batch_alter_table("user_stats") as batch:
        batch.add_column(sa.Column("streak_day_ends_at", sa.DateTime(), nullable=True))
        batch.add_column(
            sa.Column(
                "streak_freezes", sa.SmallInteger(), server_default=sa.text("0"), nullable=False
            )
        )
        batch.add_column(
            sa.Column("frozen_days", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch.add_column(sa.Column("last_frozen_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("freeze_notice", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("usual_hour", sa.SmallInteger(), nullable=True))
        batch.add_column(
            sa.Column("league_tier", sa.SmallInteger(), server_default=sa.text("0"), nullable=False)
        )
    with op.batch_alter_table("deliveries") as batch:
        batch.alter_column(
            "kind",
            existing_type=delivery_kind(*KINDS),
            type_=delivery_kind(*KINDS, *NEW_KINDS),
            existing_nullable=False,
        )
    op.create_table(
        "league_weeks",
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("placed_through", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("week"),
    )
    op.create_table(
        "league_members",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("tier", sa.SmallInteger(), nullable=False),
        sa.Column("group_no", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.Column("place", sa.Integer(), nullable=True),
        sa.Column("group_size", sa.Integer(), nullable=True),
        sa.Column("new_tier", sa.SmallInteger(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["week"], ["league_weeks.week"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "week"),
    )
    op.create_index(
        "ix_league_members_week_tier_group_no", "league_members", ["week", "tier", "group_no"]
    )


def downgrade() -> None:
    op.drop_table("league_members")  # with its indexes (MySQL keeps one for the week key)
    op.drop_table("league_weeks")
    kinds = ", ".join(f"'{kind}'" for kind in NEW_KINDS)
    op.execute(sa.text(f"DELETE FROM deliveries WHERE kind IN ({kinds})"))
    with op.batch_alter_table("deliveries") as batch:
        batch.alter_column(
            "kind",
            existing_type=delivery_kind(*KINDS, *NEW_KINDS),
            type_=delivery_kind(*KINDS),
            existing_nullable=False,
        )
    with op.batch_alter_table("user_stats") as batch:
        for column in (
            "league_tier",
            "usual_hour",
            "freeze_notice",
            "last_frozen_date",
            "frozen_days",
            "streak_freezes",
            "streak_day_ends_at",
        ):
            batch.drop_column(column)
