"""The `learnbot` command (also `python -m bot`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.config import ConfigError, Settings, load_settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="learnbot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("config", help="validate the configuration and print it (secrets hidden)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"learnbot: configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command == "config":
        return show_config(settings)
    return 1


def show_config(settings: Settings) -> int:
    for name, value in settings.model_dump().items():
        print(f"{name.upper()}={value if value is not None else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
