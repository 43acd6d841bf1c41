"""The `learnbot` command (also `python -m bot`).

Without a command: the bot when BOT_TOKEN is set, the terminal demo otherwise.

The command is chosen before anything heavy is imported: `learnbot health` and
`learnbot config` never load aiogram, so they answer in a fraction of a second.
Every failure an operator can act on ends in one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import NoReturn

from bot.entry.config import ConfigError, Settings, load_settings
from bot.entry.failures import FAILED, CannotStart, describe, hidden
from bot.observability.logs import setup_logging
from scheduler.names import JobName

USAGE_ERROR = 2
INTERRUPTED = 130


class Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line (`learnbot: …`), not the usage text."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"learnbot: {message} (see `{self.prog} --help`)\n")


def instant(value: str) -> datetime:
    """An ISO-8601 instant with its offset: a bare local time would be a guess."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 instant: {value!r}") from exc
    if parsed.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"{value!r} has no time zone; add Z or an offset, e.g. 2026-03-29T07:00:00Z"
        )
    return parsed


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="learnbot", description="LearnBot: a Telegram bot that teaches.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = commands.add_parser("run", help="long polling, with the scheduler in-process")
    run.add_argument(
        "--migrate", action="store_true", help="upgrade a server database's schema first"
    )
    run.add_argument(
        "--no-scheduler", action="store_true", help="leave the jobs to another process"
    )
    commands.add_parser("webhook", help="the webhook server, with /healthz")
    commands.add_parser("scheduler", help="run the scheduled jobs only")
    commands.add_parser("health", help="exit 0 when the database (and Redis) answer: HEALTHCHECK")
    jobs = commands.add_parser("jobs", help="scheduled jobs")
    jobs_commands = jobs.add_subparsers(dest="jobs_command", required=True)
    job = jobs_commands.add_parser("run", help="run one job once, as if at --at")
    job.add_argument("job", choices=sorted(JobName), type=JobName)
    job.add_argument("--at", type=instant, help="ISO-8601 instant with its offset (default: now)")
    commands.add_parser("demo", help="chat with the bot in the terminal (SQLite, no token)")
    content = commands.add_parser("content", help="course content")
    content_commands = content.add_subparsers(dest="content_command", required=True)
    importer = content_commands.add_parser(
        "import", help="import a course folder or a folder of course folders"
    )
    importer.add_argument(
        "path",
        type=Path,
        nargs="?",
        help="a course folder, or a folder of them (default: the bundled courses)",
    )
    importer.add_argument(
        "--rename-from",
        metavar="OLD_SLUG",
        help="confirm that the course's new slug replaces OLD_SLUG (its learners keep going)",
    )
    importer.add_argument(
        "--dry-run", action="store_true", help="show what would change, change nothing"
    )
    importer.add_argument(
        "--strict", action="store_true", help="refuse warnings too (right answers bunched up)"
    )
    export = commands.add_parser("export", help="take data out")
    export_commands = export.add_subparsers(dest="export_command", required=True)
    learners = export_commands.add_parser("learners", help="every learner's progress as CSV")
    learners.add_argument("path", type=Path, help="the CSV file to write ('-': stdout)")
    commands.add_parser("config", help="validate the configuration and print it (secrets hidden)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"learnbot: configuration error: {exc}", file=sys.stderr)
        return USAGE_ERROR
    command = args.command or ("run" if settings.bot_token else "demo")
    if command == "config":
        return show_config(settings)
    if command != "demo":  # the demo keeps the terminal for the chat and logs to a file
        setup_logging(settings.log_format, settings.log_level)
    try:
        return asyncio.run(execute(command, args, settings))
    except CannotStart as exc:
        print(f"learnbot: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        return INTERRUPTED
    except Exception as exc:
        problem = describe(exc, settings)
        if problem is None:
            raise
        print(f"learnbot: {problem}", file=sys.stderr)
        return FAILED


async def execute(command: str, args: argparse.Namespace, settings: Settings) -> int:
    """Run one command; each imports only what it needs."""
    match command:
        case "health":
            from bot.entry.health import check_health

            return await check_health(settings)
        case "content":
            from bot.entry.database import BUNDLED_COURSE
            from bot.entry.operations import import_content

            path = args.path or BUNDLED_COURSE
            return await import_content(
                settings,
                path,
                dry_run=args.dry_run,
                strict=args.strict,
                rename_from=args.rename_from,
            )
        case "jobs":
            from bot.entry.operations import run_one_job

            return await run_one_job(settings, args.job, args.at)
        case "demo":
            from bot.entry.demo import run_demo

            return await run_demo(settings)
        case "export":  # exporting needs no aiogram
            from bot.entry.export import export_learners
            from bot.entry.failures import NotReady, require_existing

            try:
                require_existing(settings.database_url)
            except NotReady as exc:
                raise CannotStart(str(exc)) from None
            return await export_learners(settings, args.path)
    if settings.redis_url and command in ("run", "webhook"):
        from bot.entry.health import ping_redis

        await ping_redis(settings.redis_url)  # fail at start, not at the first update
    from bot.entry import runner

    match command:
        case "run":
            return await runner.run_polling(
                settings,
                migrate=getattr(args, "migrate", False),
                scheduler=not getattr(args, "no_scheduler", False),
            )
        case "webhook":
            return await runner.run_webhook(settings)
        case _:
            return await runner.run_scheduler_only(settings)


def show_config(settings: Settings) -> int:
    """Every setting as NAME=value, as it would be written in .env; secrets hidden."""
    values = settings.model_dump()
    values["admin_ids"] = ",".join(str(i) for i in sorted(settings.admin_ids))
    values["database_url"] = hidden(settings.database_url)
    if settings.redis_url:
        values["redis_url"] = hidden(settings.redis_url)
    for name, value in values.items():
        print(f"{name.upper()}={value if value is not None else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
