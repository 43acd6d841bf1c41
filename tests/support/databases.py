"""Throwaway test databases on the MySQL server and in SQLite files.

Tests never touch data in the database that DATABASE_URL names: they create their
own databases on that server and drop them afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import URL, make_url

from db.engine import MYSQL8_SQL_MODE

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MYSQL_URL = "mysql+aiomysql://root@127.0.0.1:3306/test"
BACKENDS = ("sqlite", "mysql")


def mysql_server_url() -> URL:
    """The server the MySQL leg runs on: TEST_MYSQL_URL, a MySQL DATABASE_URL, or the default."""
    for name in ("TEST_MYSQL_URL", "DATABASE_URL"):
        value = os.environ.get(name, "")
        if value.startswith("mysql"):
            return make_url(value)
    return make_url(DEFAULT_MYSQL_URL)


def _sync_url(url: URL) -> URL:
    return url.set(drivername="mysql+pymysql")


def mysql_unavailable_reason() -> str | None:
    """None when the MySQL server answers, else why not."""
    engine = sa.create_engine(_sync_url(mysql_server_url()), connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        return str(exc.orig) if exc.orig is not None else str(exc)
    finally:
        engine.dispose()
    return None


@contextmanager
def throwaway_database(backend: str, tmp_dir: Path) -> Iterator[str]:
    """Create an empty database, yield its async URL, drop it afterwards."""
    name = f"lbtest_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    if backend == "sqlite":
        path = tmp_dir / f"{name}.db"
        yield f"sqlite+aiosqlite:///{path}"
        path.unlink(missing_ok=True)
        return
    server = mysql_server_url()
    admin = sa.create_engine(_sync_url(server), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(
                sa.text(
                    f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                )
            )
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()


def alembic_config(url: str) -> Config:
    """An Alembic config for `url`, with MySQL 8's sql_mode, as the operator's CLI runs it."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = url
    config.attributes["sql_mode"] = MYSQL8_SQL_MODE
    config.attributes["configure_logger"] = False
    return config


def sync_engine(url: str) -> sa.Engine:
    """A synchronous engine on the same database (pymysql or sqlite), for migration tests that
    write rows between Alembic steps."""
    parsed = make_url(url)
    driver = "mysql+pymysql" if parsed.get_backend_name() == "mysql" else "sqlite"
    return sa.create_engine(parsed.set(drivername=driver))


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)
