"""Alembic environment: async, driven by DATABASE_URL, batch mode on SQLite."""

from __future__ import annotations

import asyncio
import sys
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from bot.entry.config import ConfigError, load_settings
from bot.entry.failures import database_reason, hidden
from db.engine import create_engine, is_sqlite
from db.models import Base

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


# Called from code (`learnbot run`), the caller reports failures; from the `alembic`
# command, a database that cannot be reached is one line, not a traceback.
FROM_CODE = bool(config.attributes.get("database_url"))


def database_url() -> str:
    if FROM_CODE:
        return str(config.attributes["database_url"])
    try:
        return load_settings().database_url
    except ConfigError as exc:
        sys.exit(f"alembic: configuration error: {exc}")


def do_run_migrations(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch mode rebuilds tables; with foreign keys on, SQLite would refuse to
        # drop a parent table. The rebuilt tables keep their constraints.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


async def run_async_migrations(url: str) -> None:
    engine = create_engine(url, sql_mode=config.attributes.get("sql_mode"))
    try:
        try:
            connection = await engine.connect()
        except (DBAPIError, OSError) as exc:
            if FROM_CODE:
                raise
            sys.exit(f"alembic: cannot use the database at {hidden(url)}: {database_reason(exc)}")
        try:
            await connection.run_sync(do_run_migrations)
        finally:
            await connection.close()
    finally:
        await engine.dispose()


def run_migrations_offline(url: str) -> None:
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=is_sqlite(url),
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline(database_url())
else:
    asyncio.run(run_async_migrations(database_url()))
