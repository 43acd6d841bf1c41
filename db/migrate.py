"""Schema state and upgrades from code (Alembic, the same revisions operators run).

The migrations and their Alembic configuration live at the repository root
(`migrations/`, `alembic.ini`); a built wheel carries them inside this package
(`db/migrations/`, `db/alembic.ini`), so an installed `learnbot` finds them as
package data and `alembic -c …/db/alembic.ini` works outside a checkout.
"""

from __future__ import annotations

import asyncio
from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

CHECKOUT = Path(__file__).resolve().parent.parent


def shipped(name: str) -> Path:
    """`name` as package data of `db` (an installed wheel), else from the checkout."""
    packaged = Path(str(files("db") / name))
    return packaged if packaged.exists() else CHECKOUT / name


def alembic_config(url: str) -> Config:
    config = Config(str(shipped("alembic.ini")))
    config.set_main_option("script_location", str(shipped("migrations")))
    config.attributes["database_url"] = url
    config.attributes["configure_logger"] = False
    return config


def head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def upgrade_to_head(url: str) -> None:
    """Run `alembic upgrade head` (in a thread: Alembic's env.py runs its own loop)."""
    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
