"""The memory of a polling bot: `bench.updates` runs this in a process of its own.

    python -m bench.polling_bot URL FIRST_TELEGRAM_ID LEARNERS CONCURRENCY LESSONS

The process starts as `learnbot run` does on a server database (the CLI and the runner
imported, the schema head checked, no migration, the bot's `getMe`, `/metrics` served,
the dispatcher built as polling builds it, the scheduler's jobs built), then the
learners FIRST_TELEGRAM_ID … play the bench's conversations through the dispatcher,
CONCURRENCY at a time, against the offline Bot API session. The database is seeded by
the parent beforehand, so neither seeding nor migrations count here.

Prints two figures (MB), the peak RSS after the start and the peak RSS at the end.
The scheduler's jobs are built, not run (a push run is `bench.fanout`'s), and the bench's
own modules (the offline session, the conversation) stand in for aiohttp's Bot API
session, so the figure is, if anything, a little above a real `learnbot run`'s.
"""

from __future__ import annotations

import asyncio
import os
import sys

import bot.entry.cli  # noqa: F401  (`learnbot run` starts there)
from bench.common import own_peak_rss_mb
from bench.updates import BenchSession, Learner, play_all
from bot.entry.app import build_bot
from bot.entry.config import load_settings
from bot.entry.database import prepare_database
from bot.entry.metrics_server import serve_metrics
from bot.entry.runner import build_jobs, polling_dispatcher
from bot.rules.clock import SystemClock
from bot.rules.course import CourseCache
from scheduler.runner import build_scheduler

TOKEN = "123456:BENCH-polling-bot-memory-0000000000"


async def polling_bot(
    url: str, first: int, learners: int, concurrency: int, lessons: list[tuple[int, int]]
) -> tuple[float, float]:
    """(peak RSS after the start, peak RSS after the conversations), in MB."""
    settings = load_settings(bot_token=TOKEN, database_url=url, redis_url=None)
    engine = await prepare_database(url, migrate=False)
    session = BenchSession(poll_prefix=f"polling-bot-{os.getpid()}")  # unlike the parent's
    bot = build_bot(TOKEN, session=session)
    await bot.me()
    async with serve_metrics(engine, "127.0.0.1", 0):  # port 0: any free port
        clock, course_cache = SystemClock(), CourseCache()
        dispatcher = polling_dispatcher(settings, engine, clock, course_cache)
        build_scheduler(build_jobs(settings, engine, bot, clock, course_cache), set())
        await dispatcher.emit_startup(bot=bot, dispatcher=dispatcher, **dispatcher.workflow_data)
        started = own_peak_rss_mb()
        players = [Learner(first + i, dispatcher, bot, session) for i in range(learners)]
        await play_all(players, lessons, concurrency)
        await dispatcher.emit_shutdown(bot=bot, dispatcher=dispatcher, **dispatcher.workflow_data)
    await engine.dispose()
    return started, own_peak_rss_mb()


def main() -> None:
    url, first, learners, concurrency, lessons = sys.argv[1:6]
    pairs = [tuple(int(n) for n in pair.split(":")) for pair in lessons.split(",")]
    started, peak = asyncio.run(
        polling_bot(url, int(first), int(learners), int(concurrency), pairs)  # type: ignore[arg-type]
    )
    print(f"{started:.1f} {peak:.1f}")


if __name__ == "__main__":
    main()
