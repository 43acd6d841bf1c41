"""Starting LearnBot: the database made ready, then long polling; content imports."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from aiogram import Bot
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.redis import RedisStorage
from aiohttp import web
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.entry.app import build_bot, build_dispatcher, build_i18n
from bot.entry.config import Settings
from bot.entry.webhook import build_app, webhook_path
from bot.rules import content
from bot.rules.clock import Clock, FixedClock, SystemClock
from bot.rules.course import CourseCache
from db.engine import create_engine, create_session_factory, is_sqlite
from db.migrate import current_revision, head_revision, upgrade_to_head
from scheduler.jobs import Jobs
from scheduler.leader import Leadership
from scheduler.names import JobName
from scheduler.runner import job_table, run_scheduler
from scheduler.sender import Sender

log = logging.getLogger(__name__)
BUNDLED_COURSE = Path(__file__).resolve().parents[2] / "content"


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


def build_jobs(
    settings: Settings, engine: AsyncEngine, bot: Bot, clock: Clock, course_cache: CourseCache
) -> Jobs:
    factory = create_session_factory(engine)
    sender = Sender(
        bot,
        factory,
        clock,
        rate=settings.send_rate,
        concurrency=settings.send_concurrency,
        paid_broadcast=settings.paid_broadcast,
    )
    return Jobs(factory, sender, clock, build_i18n(), course_cache, bot=bot)


def fsm_storage(settings: Settings) -> BaseStorage | None:
    """Redis when REDIS_URL is set, so a conversation (a broadcast being composed)
    survives a restart and works whichever bot process gets the next update."""
    return RedisStorage.from_url(settings.redis_url) if settings.redis_url else None


class CannotStart(Exception):
    """The command cannot run as configured; the message says why, in one line."""


@asynccontextmanager
async def bot_and_database(
    settings: Settings, *, migrate: bool = False
) -> AsyncIterator[tuple[Bot, AsyncEngine]]:
    """The bot and a ready database for a command, closed again when it ends."""
    if settings.bot_token is None:
        raise CannotStart("configuration error: BOT_TOKEN is required to run")
    try:
        engine = await prepare_database(settings.database_url, migrate=migrate)
    except NotReady as exc:
        raise CannotStart(str(exc)) from None
    bot = build_bot(settings.bot_token.get_secret_value(), api_base=settings.telegram_api_base)
    try:
        yield bot, engine
    finally:
        await bot.session.close()
        await engine.dispose()


async def run_polling(settings: Settings, *, migrate: bool, scheduler: bool = True) -> int:
    """Long polling; the scheduled jobs run in the same process unless told otherwise."""
    async with bot_and_database(settings, migrate=migrate) as (bot, engine):
        clock, course_cache = SystemClock(), CourseCache()
        dispatcher = build_dispatcher(
            create_session_factory(engine),
            clock,
            course_cache=course_cache,
            admin_ids=settings.admin_ids,
            storage=fsm_storage(settings),
        )
        stop = asyncio.Event()
        jobs_task = None
        if scheduler:
            jobs = build_jobs(settings, engine, bot, clock, course_cache)
            jobs_task = asyncio.create_task(
                run_scheduler(jobs, Leadership(engine), stop, settings.scheduler_lease_seconds)
            )
        try:
            await bot.delete_webhook(drop_pending_updates=False)
            await dispatcher.start_polling(bot, handle_signals=True)
        finally:
            stop.set()
            if jobs_task is not None:
                await jobs_task
    return 0


async def run_webhook(settings: Settings) -> int:
    """The webhook server (no scheduler: run `learnbot scheduler` beside it)."""
    if not settings.webhook_url or settings.webhook_secret is None:
        raise CannotStart("configuration error: webhook mode needs WEBHOOK_URL and WEBHOOK_SECRET")
    secret = settings.webhook_secret.get_secret_value()
    async with bot_and_database(settings) as (bot, engine):
        storage = fsm_storage(settings)
        dispatcher = build_dispatcher(
            create_session_factory(engine),
            SystemClock(),
            admin_ids=settings.admin_ids,
            storage=storage,
        )
        redis = storage.redis if isinstance(storage, RedisStorage) else None
        app = build_app(
            dispatcher,
            bot,
            engine,
            secret=secret,
            path=webhook_path(settings.webhook_url),
            redis=redis,
        )
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
        await dispatcher.emit_startup(bot=bot, **dispatcher.workflow_data)
        await bot.set_webhook(
            settings.webhook_url,
            secret_token=secret,
            allowed_updates=dispatcher.resolve_used_update_types(),
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        log.info("webhook server on %s:%s", settings.webhook_host, settings.webhook_port)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()
    return 0


async def run_scheduler_only(settings: Settings) -> int:
    """The scheduled jobs alone, until SIGTERM or SIGINT."""
    async with bot_and_database(settings) as (bot, engine):
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        jobs = build_jobs(settings, engine, bot, SystemClock(), CourseCache())
        await run_scheduler(jobs, Leadership(engine), stop, settings.scheduler_lease_seconds)
    return 0


async def run_one_job(settings: Settings, name: JobName, at: datetime | None) -> int:
    """One job, once, as if the time were `at`: the same code and the same ledger."""
    async with bot_and_database(settings) as (bot, engine):
        clock: Clock = FixedClock(at) if at is not None else SystemClock()
        report = await job_table(build_jobs(settings, engine, bot, clock, CourseCache()))[name]()
    print(report)
    return 0


async def check_health(settings: Settings) -> int:
    """0 when the database (and Redis, when configured) answers, 1 otherwise."""
    engine = create_engine(settings.database_url)
    healthy = True
    try:
        async with asyncio.timeout(5), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except (DBAPIError, OSError, TimeoutError) as exc:
        print(f"learnbot: database unavailable: {exc}", file=sys.stderr)
        healthy = False
    finally:
        await engine.dispose()
    if settings.redis_url:
        redis = Redis.from_url(settings.redis_url)
        try:
            async with asyncio.timeout(5):
                await redis.ping()
        except (RedisError, OSError, TimeoutError) as exc:
            print(f"learnbot: redis unavailable: {exc}", file=sys.stderr)
            healthy = False
        finally:
            await redis.aclose()
    return 0 if healthy else 1


async def import_content(
    settings: Settings, path: Path, *, dry_run: bool, strict: bool = False
) -> int:
    try:
        course = content.load_course(path)
    except content.CourseInvalid as exc:
        for problem in exc.problems:
            print(f"{path}: {problem}", file=sys.stderr)
        print(f"learnbot: {len(exc.problems)} problem(s); nothing imported", file=sys.stderr)
        return 1
    skew = content.answer_skew(course)
    if skew is not None and strict:
        print(f"{path}: {skew}", file=sys.stderr)
        print("learnbot: --strict: nothing imported", file=sys.stderr)
        return 1
    if skew is not None:
        print(f"warning: {skew}")
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
