"""Opening the database for a command: at the schema head, with a course, or refused.

No aiogram here: the content import uses it too.
"""

from __future__ import annotations

import logging
from importlib.resources import files
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.entry.deferred import defer_mysql_rsa
from bot.entry.failures import NotReady, require_existing
from db.engine import create_engine, create_session_factory, is_sqlite
from db.migrate import CHECKOUT, current_revision, head_revision, upgrade_to_head

log = logging.getLogger(__name__)


def _bundled_course() -> Path:
    """The courses a built wheel carries as package data (`bot/course`), else the checkout's."""
    packaged = Path(str(files("bot") / "course"))
    return packaged if packaged.is_dir() else CHECKOUT / "content"


BUNDLED_COURSE = _bundled_course()


async def prepare_database(url: str, *, migrate: bool, bundled: bool = True) -> AsyncEngine:
    """An engine on a database at the schema head, with a course in it.

    SQLite is brought to head and given the bundled course automatically; a server
    database is only migrated when asked (`--migrate`), otherwise an old schema stops
    the start with a clear message.
    """
    defer_mysql_rsa()  # before the engine loads the MySQL driver
    engine = create_engine(url)
    try:
        current, head = await current_revision(engine), head_revision()
        if current != head:
            if not (migrate or is_sqlite(url)):
                raise NotReady(
                    f"the database schema is at {current or 'nothing'}, this code needs {head}: "
                    "run `alembic upgrade head` (or `learnbot run --migrate`)"
                )
            log.info("upgrading the database schema from %s to %s", current, head)
            await upgrade_to_head(url)
        if bundled and is_sqlite(url):
            await import_bundled_course_if_empty(engine)
    except BaseException:
        await engine.dispose()
        raise
    return engine


async def open_at_head(url: str) -> AsyncEngine:
    """An engine on an existing database already at the schema head; nothing is written."""
    require_existing(url)
    engine = create_engine(url)
    try:
        current, head = await current_revision(engine), head_revision()
        if current != head:
            raise NotReady(
                f"the database schema is at {current or 'nothing'}, this code needs {head}: "
                "run `alembic upgrade head` first (a dry run changes nothing)"
            )
    except BaseException:
        await engine.dispose()
        raise
    return engine


async def import_bundled_course_if_empty(engine: AsyncEngine) -> None:
    # Here, not at the top: a bot on a server database never imports content (YAML).
    from bot.rules import content
    from bot.rules.clock import SystemClock

    factory = create_session_factory(engine)
    async with factory() as session, session.begin():
        if await content.has_content(session):
            return
        courses = content.load_courses(BUNDLED_COURSE)
        await content.apply_import(session, courses, SystemClock())
        log.info("imported the bundled courses %s", ", ".join(repr(c.title) for c in courses))
