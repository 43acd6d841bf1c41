"""`learnbot export learners PATH` as an operator runs it: a real process, no aiogram."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from tests.support.factories import make_user
from tests.support.processes import patience

ROOT = Path(__file__).resolve().parents[2]
# Runs the command as `learnbot` does, then says whether aiogram was imported on the way.
PROGRAM = (
    "import sys\n"
    "from bot.entry.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "print('aiogram imported' if 'aiogram' in sys.modules else 'no aiogram', file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def learnbot(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DATABASE_URL": database_url, "LOG_FORMAT": "text"}
    return subprocess.run(
        [sys.executable, "-c", PROGRAM, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=patience(180),
    )


async def test_export_learners_writes_one_row_per_learner_without_importing_aiogram(
    session: AsyncSession, database_url: str, tmp_path: Path
) -> None:
    for telegram_id in (11, 12, 13):
        await make_user(session, telegram_id, first_name=f"Learner {telegram_id}")
    await session.commit()
    target = tmp_path / "learners.csv"

    done = learnbot(database_url, "export", "learners", str(target))

    assert done.returncode == 0, done.stderr
    assert "no aiogram" in done.stderr
    with target.open(newline="", encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    assert [row["telegram_id"] for row in rows] == ["11", "12", "13"]
    assert rows[0]["first_name"] == "Learner 11"


async def test_export_to_a_path_that_cannot_be_written_ends_with_one_line(
    session: AsyncSession, database_url: str, tmp_path: Path
) -> None:
    done = learnbot(database_url, "export", "learners", str(tmp_path / "missing" / "x.csv"))

    assert done.returncode == 2
    first, *_rest = done.stderr.splitlines()
    assert first.startswith("learnbot: cannot write ")
    assert "Traceback" not in done.stderr
