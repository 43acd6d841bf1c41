"""Assembling the bot: dispatcher, routers, middlewares, i18n, the command menu."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rules.admin.learners import admin_telegram_ids
from bot.rules.clock import Clock
from bot.rules.course import CourseCache
from bot.telegram.commands import set_commands
from bot.telegram.filters import LearnerKnown, chat_observers
from bot.telegram.fsm_memory import ConversationsInMemory
from bot.telegram.handlers import (
    admin,
    assignments,
    certificates,
    cohorts,
    courses,
    errors,
    fallback,
    groups,
    leaderboard,
    league,
    learn,
    membership,
    modules,
    placement,
    privacy,
    progress,
    quiz,
    review,
    settings,
    start,
)
from bot.telegram.middlewares import (
    CountTelegramCalls,
    DbSessionMiddleware,
    HandlerName,
    InFlight,
    LearnerLocaleMiddleware,
    LearnerMiddleware,
    MetricsMiddleware,
    OneUpdateAtATimePerUser,
    UpdateContext,
)
from bot.telegram.returns import ReturnMiddleware

log = logging.getLogger(__name__)
LOCALES_DIR = Path(__file__).resolve().parent.parent / "telegram" / "locales"
DEFAULT_LOCALE = "en"


def build_i18n() -> I18n:
    return I18n(path=LOCALES_DIR, default_locale=DEFAULT_LOCALE, domain="messages")


def build_bot(
    token: str, *, api_base: str | None = None, session: BaseSession | None = None
) -> Bot:
    if session is None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(api_base)) if api_base else None
    bot = Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    bot.session.middleware(CountTelegramCalls())
    return bot


def build_dispatcher(
    session_factory: async_sessionmaker[AsyncSession],
    clock: Clock,
    *,
    i18n: I18n | None = None,
    course_cache: CourseCache | None = None,
    storage: BaseStorage | None = None,
    events_isolation: BaseEventIsolation | None = None,
    admin_ids: Iterable[int] = (),
) -> Dispatcher:
    """The one dispatcher used by polling, webhooks, the demo, tests and benchmarks.

    One learner's updates are handled one after another: across processes through
    `events_isolation` (a lock on Redis) when given, within this process otherwise.
    """
    # Without Redis, conversations live in this process: only the ones under way are kept.
    dispatcher = Dispatcher(
        storage=storage or ConversationsInMemory(), events_isolation=events_isolation
    )
    i18n = i18n or build_i18n()
    dispatcher["clock"] = clock
    dispatcher["admin_ids"] = frozenset(admin_ids)
    dispatcher["session_factory"] = session_factory
    dispatcher["i18n"] = i18n
    dispatcher["course_cache"] = course_cache or CourseCache()
    in_flight = InFlight()
    dispatcher["in_flight"] = in_flight
    dispatcher.update.outer_middleware(in_flight)
    dispatcher.update.outer_middleware(MetricsMiddleware())
    for observer in chat_observers(dispatcher):
        observer.middleware(HandlerName())
    if events_isolation is None:
        dispatcher.update.outer_middleware(OneUpdateAtATimePerUser())
    dispatcher.update.outer_middleware(DbSessionMiddleware(session_factory))
    dispatcher.update.outer_middleware(UpdateContext())
    dispatcher.update.outer_middleware(LearnerMiddleware())
    LearnerLocaleMiddleware(i18n).setup(dispatcher)
    for observer in (dispatcher.message, dispatcher.callback_query, dispatcher.poll_answer):
        observer.outer_middleware(ReturnMiddleware())  # inside the locale

    learner_routers = [
        certificates.router(),  # first: /verify answers anyone, even mid-onboarding
        start.router(),
        courses.router(),
        learn.router(),
        quiz.router(),  # before review: most poll answers are lesson quizzes'
        review.router(),  # the poll answers the quiz router skips
        placement.router(),  # the rest: a placement check's, else ignored
        modules.router(),
        progress.router(),
        leaderboard.router(),
        cohorts.router(),
        league.router(),
        settings.router(),
        membership.router(),
        privacy.router(),
        assignments.router(),  # last: a free message answers an open field, else falls through
    ]
    cohort_broadcasts = cohorts.broadcast_router()  # a cohort's broadcast: mentors and admins
    for router in (*learner_routers, cohort_broadcasts):
        _for_learners(router)
    # Admin handlers first: a non-admin fails their filter and falls through to the rest.
    dispatcher.include_routers(
        errors.router(),
        groups.router(),
        cohort_broadcasts,
        admin.router(),
        *learner_routers,
        fallback.router(),
    )
    dispatcher.startup.register(on_startup)
    dispatcher.shutdown.register(on_shutdown)
    return dispatcher


def _for_learners(router: Router) -> None:
    for observer in chat_observers(router):
        observer.filter(LearnerKnown())


SHUTDOWN_GRACE = 20.0  # seconds the updates in hand get to finish on SIGTERM


async def on_shutdown(in_flight: InFlight) -> None:
    """Let the updates already taken from Telegram finish before the process exits."""
    if not await in_flight.drained(SHUTDOWN_GRACE):
        log.warning("shutting down with %d update(s) still being handled", in_flight.count)


async def on_startup(
    bot: Bot,
    i18n: I18n,
    admin_ids: frozenset[int],
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """The command menu, for learners and for each admin (ADMIN_IDS and the promoted)."""
    async with session_factory() as session:
        admins = await admin_telegram_ids(session, admin_ids)
    await set_commands(bot, i18n, admins)
