"""`learnbot export learners PATH`: the admins' CSV from the shell (imports no aiogram)."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError

from bot.entry.config import Settings
from bot.rules.privacy.learners_csv import write_learners_csv
from db.engine import create_engine, create_session_factory

STDOUT = Path("-")


async def export_learners(settings: Settings, path: Path) -> int:
    """Write every learner's progress as CSV to `path` ("-": standard output)."""
    engine = create_engine(settings.database_url)
    try:
        with _open(path) as out:
            async with create_session_factory(engine)() as session:
                count = await write_learners_csv(session, out)
    except OSError as exc:
        print(f"learnbot: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        print(f"learnbot: database error: {reason}", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()
    print(f"learnbot: {count} learners written to {path}", file=sys.stderr)
    return 0


def _open(path: Path) -> nullcontext[TextIO] | TextIO:
    if path == STDOUT:
        return nullcontext(sys.stdout)
    return path.open("w", newline="", encoding="utf-8")
