"""One-shot operator commands: `learnbot jobs run` and `learnbot content import`.

Neither creates a database: a SQLite file that does not exist is refused (a mistyped
path would otherwise become an empty database). A dry run writes nothing at all.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from bot.entry.config import Settings
from bot.entry.database import open_at_head, prepare_database
from bot.entry.failures import FAILED, CannotStart, NotReady, require_existing
from bot.rules import content
from bot.rules.clock import Clock, FixedClock, SystemClock
from db.engine import create_session_factory
from db.enums import DeliveryStatus
from scheduler.names import JobName

# Jobs that never send a message, so they need no BOT_TOKEN.
SENDS_NOTHING = frozenset(
    {JobName.LEADERBOARD, JobName.LEADERBOARD_REBUILD, JobName.DASHBOARD_DAYS}
)
# The bot object such a job is built with is never asked to send; any well-formed token does.
UNUSED_TOKEN = "0:unused"


async def run_one_job(settings: Settings, name: JobName, at: datetime | None) -> int:
    """One job, once, as if the time were `at`: the same code and the same ledger.

    Exits non-zero when a delivery failed (Telegram refused it or never answered).
    """
    from bot.entry.app import build_bot
    from bot.entry.runner import build_jobs
    from bot.rules.course import CourseCache
    from scheduler.runner import job_table

    if settings.bot_token is None and name not in SENDS_NOTHING:
        raise CannotStart(f"configuration error: BOT_TOKEN is required: `{name}` sends messages")
    try:
        require_existing(settings.database_url)
        engine = await prepare_database(settings.database_url, migrate=False, bundled=False)
    except NotReady as exc:
        raise CannotStart(str(exc)) from None
    token = settings.bot_token.get_secret_value() if settings.bot_token else UNUSED_TOKEN
    bot = build_bot(token, api_base=settings.telegram_api_base)
    try:
        clock: Clock = FixedClock(at) if at is not None else SystemClock()
        jobs = build_jobs(settings, engine, bot, clock, CourseCache())
        report = await job_table(jobs)[name]()
    finally:
        await bot.session.close()
        await engine.dispose()
    print(report)
    failed = report.outcomes.get(DeliveryStatus.FAILED.name, 0)
    if failed:
        print(f"learnbot: {name}: {failed} delivery(ies) failed", file=sys.stderr)
        return FAILED
    return 0


def _refused(path: Path, exc: content.CourseInvalid) -> int:
    for problem in exc.problems:
        print(f"{path}: {problem}", file=sys.stderr)
    print(f"learnbot: {len(exc.problems)} problem(s); nothing imported", file=sys.stderr)
    return FAILED


async def import_content(
    settings: Settings,
    path: Path,
    *,
    dry_run: bool,
    strict: bool = False,
    rename_from: str | None = None,
) -> int:
    try:
        courses = content.load_courses(path)
    except content.CourseInvalid as exc:
        return _refused(path, exc)
    skews = [(c, skew) for c in courses if (skew := content.answer_skew(c)) is not None]
    for course, skew in skews:
        where = path / course.folder if course.folder else path
        print(
            f"{where}: {skew}" if strict else f"warning: {skew}",
            file=sys.stderr if strict else sys.stdout,
        )
    if skews and strict:
        print("learnbot: --strict: nothing imported", file=sys.stderr)
        return FAILED
    try:
        if dry_run:
            engine = await open_at_head(settings.database_url)
        else:
            require_existing(settings.database_url)
            engine = await prepare_database(settings.database_url, migrate=False, bundled=False)
    except NotReady as exc:
        raise CannotStart(str(exc)) from None
    factory = create_session_factory(engine)
    try:
        async with factory() as session, session.begin():
            if dry_run:
                plan = await content.plan_import(session, courses, rename_from)
            else:
                plan = await content.apply_import(session, courses, SystemClock(), rename_from)
    except content.CourseInvalid as exc:
        return _refused(path, exc)
    finally:
        await engine.dispose()
    for line in plan.lines():
        print(line)
    verb = "would change" if dry_run else "changed"
    print("nothing to change" if plan.is_empty else f"{verb}: {len(plan.lines())} item(s)")
    return 0
