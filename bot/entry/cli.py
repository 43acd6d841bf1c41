"""The `learnbot` command (also `python -m bot`).

Without a command: the bot when BOT_TOKEN is set, the terminal demo otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot.entry.config import ConfigError, Settings, load_settings
from bot.observability.logs import setup_logging
from scheduler.names import JobName


def instant(value: str) -> datetime:
    """An ISO-8601 instant; a time without an offset is taken as UTC."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 instant: {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="learnbot", description="LearnBot: a Telegram bot that teaches."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = commands.add_parser("run", help="long polling, with the scheduler in-process")
    run.add_argument(
        "--migrate", action="store_true", help="upgrade a server database's schema first"
    )
    run.add_argument(
        "--no-scheduler", action="store_true", help="leave the jobs to another process"
    )
    commands.add_parser("webhook", help="the webhook server, with /healthz and /metrics")
    commands.add_parser("scheduler", help="run the scheduled jobs only")
    commands.add_parser("health", help="exit 0 when the database (and Redis) answer: HEALTHCHECK")
    jobs = commands.add_parser("jobs", help="scheduled jobs")
    jobs_commands = jobs.add_subparsers(dest="jobs_command", required=True)
    job = jobs_commands.add_parser("run", help="run one job once, as if at --at")
    job.add_argument("job", choices=sorted(JobName), type=JobName)
    job.add_argument("--at", type=instant, help="ISO-8601 instant (default: now)")
    commands.add_parser("demo", help="chat with the bot in the terminal (SQLite, no token)")
    content = commands.add_parser("content", help="course content")
    content_commands = content.add_subparsers(dest="content_command", required=True)
    importer = content_commands.add_parser("import", help="import a course directory")
    importer.add_argument("path", type=Path)
    importer.add_argument(
        "--dry-run", action="store_true", help="show what would change, change nothing"
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
        return 2
    setup_logging(settings.log_format, settings.log_level)
    command = args.command or ("run" if settings.bot_token else "demo")
    if command == "export":  # before the runner: exporting needs no aiogram
        from bot.entry.export import export_learners

        return asyncio.run(export_learners(settings, args.path))
    from bot.entry.runner import CannotStart

    try:
        if command == "run":
            from bot.entry.runner import run_polling

            return asyncio.run(
                run_polling(
                    settings,
                    migrate=getattr(args, "migrate", False),
                    scheduler=not getattr(args, "no_scheduler", False),
                )
            )
        if command == "webhook":
            from bot.entry.runner import run_webhook

            return asyncio.run(run_webhook(settings))
        if command == "health":
            from bot.entry.runner import check_health

            return asyncio.run(check_health(settings))
        if command == "scheduler":
            from bot.entry.runner import run_scheduler_only

            return asyncio.run(run_scheduler_only(settings))
        if command == "jobs":
            from bot.entry.runner import run_one_job

            return asyncio.run(run_one_job(settings, args.job, args.at))
        if command == "demo":
            from bot.entry.demo import run_demo

            return asyncio.run(run_demo(settings))
        if command == "content":
            from bot.entry.runner import import_content

            return asyncio.run(import_content(settings, args.path, dry_run=args.dry_run))
        return show_config(settings)
    except CannotStart as exc:
        print(f"learnbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def show_config(settings: Settings) -> int:
    for name, value in settings.model_dump().items():
        print(f"{name.upper()}={value if value is not None else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
