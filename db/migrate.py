"""Schema state and upgrades from code (Alembic, the same revisions operators run).

The migrations and their Alembic configuration live at the repository root
(`migrations/`, `alembic.ini`); a built wheel carries them inside this package
(`db/migrations/`, `db/alembic.ini`), so an installed `learnbot` finds them as
package data and `alembic -c …/db/alembic.ini` works outside a checkout.

Checking the schema (`head_revision`, `current_revision`) does not load Alembic: every
start of the bot checks it, and Alembic with Mako and the revision modules would stay
in the bot's memory for good (about 20 MB). Alembic is imported only to upgrade.
"""

from __future__ import annotations

import ast
import asyncio
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, String, column, inspect, select, table
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

CHECKOUT = Path(__file__).resolve().parent.parent
VERSION_TABLE = "alembic_version"  # Alembic's default; migrations/env.py keeps it


class SchemaHistoryError(Exception):
    """The migrations or the version table are not one straight line."""


def shipped(name: str) -> Path:
    """`name` as package data of `db` (an installed wheel), else from the checkout."""
    packaged = Path(str(files("db") / name))
    return packaged if packaged.exists() else CHECKOUT / name


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config(str(shipped("alembic.ini")))
    config.set_main_option("script_location", str(shipped("migrations")))
    config.attributes["database_url"] = url
    config.attributes["configure_logger"] = False
    return config


def head_revision(versions: Path | None = None) -> str | None:
    """The newest revision of the shipped migrations (None when there are none), as
    `alembic heads` gives it, read from the revision files' `revision` and
    `down_revision` assignments (in `versions`, default: the shipped ones)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (versions or shipped("migrations") / "versions").glob("*.py"):
        assigned = _assignments(path)
        if "revision" not in assigned:
            continue
        revisions.add(str(assigned["revision"]))
        match assigned.get("down_revision"):
            case str() as down:
                parents.add(down)
            case tuple() | list() as downs:  # a merge revision
                parents.update(str(down) for down in downs)
    heads = revisions - parents
    if len(heads) > 1:
        raise SchemaHistoryError(f"the migrations have several heads: {', '.join(sorted(heads))}")
    return next(iter(heads), None)


def _assignments(path: Path) -> dict[str, object]:
    """The module-level `name = literal` assignments of a revision file."""
    found: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name):
            try:
                found[target.id] = ast.literal_eval(value)
            except ValueError:
                continue
    return found


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database's schema is at (None: no schema yet)."""
    async with engine.connect() as conn:
        return await conn.run_sync(_current_revision)


def _current_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    version_num = column("version_num", String)
    found = list(conn.scalars(select(version_num).select_from(table(VERSION_TABLE))))
    if len(found) > 1:
        raise SchemaHistoryError(f"{VERSION_TABLE} holds several revisions: {', '.join(found)}")
    return found[0] if found else None


async def upgrade_to_head(url: str) -> None:
    """Run `alembic upgrade head` (in a thread: Alembic's env.py runs its own loop)."""
    from alembic import command

    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
