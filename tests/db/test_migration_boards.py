"""Migration 0013 (leaderboards through time) with rows in the tables: the cache's rows and
seed columns survive both ways, the refresh state is cleared so the next refresh rebuilds,
and the downgrade gives the week flag's rank table back."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import command

from tests.support.databases import alembic_config, sync_engine

BEFORE = "0012_incremental_leaderboard"
NOW = datetime(2026, 12, 7, 8, 0)


def test_0013_keeps_the_cache_clears_the_refresh_state_and_downgrades(fresh_database: str) -> None:
    config = alembic_config(fresh_database)
    command.upgrade(config, BEFORE)
    engine = sync_engine(fresh_database)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO users (id, telegram_id, first_name, is_active, time_zone,"
                " created_at, updated_at) VALUES (1, 5, 'Ada', 1, 'UTC', :now, :now)"
            ),
            {"now": NOW},
        )
        conn.execute(
            sa.text(
                "INSERT INTO leaderboard_cache (user_id, `rank`, total_score, week_points,"
                " updated_at) VALUES (1, 0, 120, 30, :now)"
            ),
            {"now": NOW},
        )
        conn.execute(sa.text("INSERT INTO leaderboard_ranks VALUES (0, 120, 1, 1), (1, 30, 1, 1)"))
        conn.execute(
            sa.text("INSERT INTO leaderboard_refresh VALUES (1, :now, :now, 7)"), {"now": NOW}
        )
    command.upgrade(config, "head")
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT total_score, week_points, day_points, month_points FROM leaderboard_cache"
            )
        ).one()
        assert tuple(row) == (120, 30, 0, 0)
        assert conn.scalar(sa.text("SELECT COUNT(*) FROM leaderboard_refresh")) == 0
        assert conn.scalar(sa.text("SELECT COUNT(*) FROM leaderboard_snapshots")) == 0
    command.downgrade(config, BEFORE)
    with engine.begin() as conn:
        assert conn.scalar(sa.text("SELECT total_score FROM leaderboard_cache")) == 120
        conn.execute(sa.text("INSERT INTO leaderboard_ranks VALUES (1, 30, 1, 1)"))
        assert "leaderboard_snapshots" not in sa.inspect(conn).get_table_names()
    engine.dispose()
