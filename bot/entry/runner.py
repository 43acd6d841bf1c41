"""Starting LearnBot: long polling, the webhook server, the scheduler alone.

Redis's client and the webhook server are imported by the modes that use them: a polling
bot without REDIS_URL does not hold them in memory.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.entry.app import build_bot, build_dispatcher, build_i18n
from bot.entry.config import Settings
from bot.entry.database import prepare_database
from bot.entry.failures import CannotStart, NotReady
from bot.entry.metrics_server import MetricsPortUnavailable, serve_metrics
from bot.rules.clock import Clock, SystemClock
from bot.rules.course import CourseCache
from db.engine import create_session_factory
from scheduler.jobs import Jobs
from scheduler.leader import Leadership
from scheduler.runner import run_scheduler
from scheduler.sender import Sender

log = logging.getLogger(__name__)


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
    return Jobs(
        factory,
        sender,
        clock,
        build_i18n(),
        course_cache,
        bot=bot,
        rebuild_at=settings.leaderboard_rebuild_at,
        admin_ids=settings.admin_ids,
    )


def fsm_storage(settings: Settings) -> BaseStorage | None:
    """Redis when REDIS_URL is set, so a conversation (a broadcast being composed)
    survives a restart and works whichever bot process gets the next update."""
    if not settings.redis_url:
        return None
    from aiogram.fsm.storage.redis import RedisStorage

    return RedisStorage.from_url(settings.redis_url)


# A learner's update waits for the lock held by their previous one; Redis is asked this often.
ISOLATION_LOCK = {"timeout": 60, "sleep": 0.02}


def events_isolation(storage: BaseStorage | None) -> BaseEventIsolation | None:
    """With Redis, one learner's updates wait for each other whichever process has them
    (a quiz answer arriving while the update that sent the poll still commits)."""
    if storage is None:
        return None
    from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage

    if isinstance(storage, RedisStorage):
        return RedisEventIsolation(storage.redis, lock_kwargs=ISOLATION_LOCK)
    return None


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
        await bot.me()  # the token and the route to Telegram, before anything starts
        yield bot, engine
    finally:
        await bot.session.close()
        await engine.dispose()


@asynccontextmanager
async def long_running(
    settings: Settings, *, migrate: bool = False
) -> AsyncIterator[tuple[Bot, AsyncEngine]]:
    """The bot and the database of a mode that runs until SIGTERM, with `/metrics`
    served on METRICS_PORT meanwhile."""
    async with bot_and_database(settings, migrate=migrate) as (bot, engine):
        try:
            metrics = serve_metrics(engine, settings.metrics_host, settings.metrics_port)
            async with metrics:
                yield bot, engine
        except MetricsPortUnavailable as exc:
            raise CannotStart(str(exc)) from None


def polling_dispatcher(
    settings: Settings, engine: AsyncEngine, clock: Clock, course_cache: CourseCache
) -> Dispatcher:
    """The dispatcher `learnbot run` polls with (bench.polling_bot measures this one)."""
    storage = fsm_storage(settings)
    return build_dispatcher(
        create_session_factory(engine),
        clock,
        course_cache=course_cache,
        admin_ids=settings.admin_ids,
        storage=storage,
        events_isolation=events_isolation(storage),
    )


async def run_polling(settings: Settings, *, migrate: bool, scheduler: bool = True) -> int:
    """Long polling; the scheduled jobs run in the same process unless told otherwise, and
    the dashboard is served on WEBAPP_PORT when WEBAPP_URL is set."""
    async with long_running(settings, migrate=migrate) as (bot, engine), AsyncExitStack() as stack:
        clock, course_cache = SystemClock(), CourseCache()
        dispatcher = polling_dispatcher(settings, engine, clock, course_cache)
        if settings.webapp_url:
            from bot.entry.dashboard import serve_dashboard, set_menu_button, webapp_config

            config = await webapp_config(
                settings, bot, bot.token, create_session_factory(engine), clock, course_cache
            )
            await stack.enter_async_context(
                serve_dashboard(config, settings.webapp_host, settings.webapp_port)
            )
            await set_menu_button(bot, settings.webapp_url)
        stop = asyncio.Event()
        jobs_task = None
        if scheduler:
            jobs = build_jobs(settings, engine, bot, clock, course_cache)
            jobs_task = asyncio.create_task(
                run_scheduler(
                    jobs, Leadership(engine, bot.id), stop, settings.scheduler_lease_seconds
                )
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
    from aiogram.fsm.storage.redis import RedisStorage

    from bot.entry.webhook import build_app, webhook_path
    from bot.webapp.app import ACCESS_LOG_FORMAT

    if not settings.webhook_url or settings.webhook_secret is None:
        raise CannotStart("configuration error: webhook mode needs WEBHOOK_URL and WEBHOOK_SECRET")
    secret = settings.webhook_secret.get_secret_value()
    async with long_running(settings) as (bot, engine):
        storage = fsm_storage(settings)
        dispatcher = build_dispatcher(
            create_session_factory(engine),
            SystemClock(),
            admin_ids=settings.admin_ids,
            storage=storage,
            events_isolation=events_isolation(storage),
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
        if settings.webapp_url:  # the dashboard beside the webhook route, under /app
            from bot.entry.dashboard import set_menu_button, webapp_config
            from bot.webapp.app import mount

            clock = dispatcher["clock"]
            config = await webapp_config(
                settings,
                bot,
                bot.token,
                create_session_factory(engine),
                clock,
                dispatcher["course_cache"],
            )
            mount(app, config)
            await set_menu_button(bot, settings.webapp_url)
        runner = web.AppRunner(app, access_log_format=ACCESS_LOG_FORMAT)
        await runner.setup()  # the dispatcher's startup hooks run here
        await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
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
            # Stop listening, run the shutdown hooks, let the updates taken finish.
            await runner.cleanup()
    return 0


async def run_scheduler_only(settings: Settings) -> int:
    """The scheduled jobs alone, until SIGTERM or SIGINT."""
    async with long_running(settings) as (bot, engine):
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        jobs = build_jobs(settings, engine, bot, SystemClock(), CourseCache())
        await run_scheduler(
            jobs, Leadership(engine, bot.id), stop, settings.scheduler_lease_seconds
        )
    return 0
