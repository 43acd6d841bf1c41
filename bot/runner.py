"""Starting LearnBot: the database made ready, then long polling; content imports."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_bot, build_dispatcher
from bot.config import Settings
from bot.services import content
from bot.services.clock import SystemClock
from db.engine import create_engine, create_session_factory, is_sqlite
from db.migrate import current_revision, head_revision, upgrade_to_head

log = logging.getLogger(__name__)
BUNDLED_COURSE = Path(__file__).resolve().parent.parent / "content"


class NotReady(Exception):
    """The database cannot be used as it is; the message tells the operator what to do."""


async def prepare_database(url: str, *, migrate: bool, bundled: bool = True) -> AsyncEngine:
    """An engine on a database at the schema head, with a course in it.

    SQLite is brought to head and given the bundled course automatically; a server
    database is only migrated when asked (`--migrate`), otherwise an old schema stops
    the start with a clear message.
    """
    engine = create_engine(url)
    current, head = await current_revision(engine), head_revision(url)
    if current != head:
        if not (migrate or is_sqlite(url)):
            await engine.dispose()
            raise NotReady(
                f"the database schema is at {current or 'nothing'}, this code needs {head}: "
                "run `alembic upgrade head` (or `learnbot run --migrate`)"
            )
        log.info("upgrading the database schema from %s to %s", current, head)
        await upgrade_to_head(url)
    if bundled and is_sqlite(url):
        await import_bundled_course_if_empty(engine)
    return engine


async def import_bundled_course_if_empty(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    async with factory() as session, session.begin():
        if await content.has_content(session):
            return
        course = content.load_course(BUNDLED_COURSE)
        await content.apply_import(session, course, SystemClock())
        log.info("imported the bundled course %r", course.title)


async def run_polling(settings: Settings, *, migrate: bool) -> int:
    if settings.bot_token is None:
        print("learnbot: configuration error: BOT_TOKEN is required to run", file=sys.stderr)
        return 2
    try:
        engine = await prepare_database(settings.database_url, migrate=migrate)
    except NotReady as exc:
        print(f"learnbot: {exc}", file=sys.stderr)
        return 2
    bot = build_bot(settings.bot_token.get_secret_value(), api_base=settings.telegram_api_base)
    dispatcher = build_dispatcher(create_session_factory(engine), SystemClock())
    try:
        await bot.delete_webhook(drop_pending_updates=False)
        await dispatcher.start_polling(bot, handle_signals=True)
    finally:
        await bot.session.close()
        await engine.dispose()
    return 0


async def import_content(settings: Settings, path: Path, *, dry_run: bool) -> int:
    try:
        course = content.load_course(path)
    except content.CourseInvalid as exc:
        for problem in exc.problems:
            print(f"{path}: {problem}", file=sys.stderr)
        print(f"learnbot: {len(exc.problems)} problem(s); nothing imported", file=sys.stderr)
        return 1
    try:
        engine = await prepare_database(settings.database_url, migrate=False, bundled=False)
    except NotReady as exc:
        print(f"learnbot: {exc}", file=sys.stderr)
        return 2
    factory = create_session_factory(engine)
    try:
        async with factory() as session, session.begin():
            if dry_run:
                plan = await content.plan_import(session, course)
            else:
                plan = await content.apply_import(session, course, SystemClock())
    finally:
        await engine.dispose()
    for line in plan.lines():
        print(line)
    verb = "would change" if dry_run else "changed"
    print("nothing to change" if plan.is_empty else f"{verb}: {len(plan.lines())} item(s)")
    return 0
