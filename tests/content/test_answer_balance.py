"""The importer's word on courses whose right answers bunch up in one position."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.entry.cli import main
from bot.rules.content import answer_skew, load_course
from tests.support.databases import upgrade
from tests.support.factories import BUNDLED_COURSE

MINI = Path(__file__).resolve().parents[1] / "support" / "courses" / "mini"


def bunched_course(tmp_path: Path) -> Path:
    """The mini course with one more lesson of ten questions, every right answer first."""
    target = tmp_path / "course"
    shutil.copytree(MINI, target)
    questions = "".join(
        f"  - id: q{n}\n    question: Question {n}?\n    options:\n      - Yes\n      - No\n"
        "    correct: 1\n"
        for n in range(10)
    )
    (target / "01-basics" / "09-bunched.md").write_text(
        f"---\nslug: bunched\ntitle: Bunched\nquestions:\n{questions}---\nBody.\n", encoding="utf-8"
    )
    return target


def test_the_bundled_course_spreads_its_right_answers() -> None:
    assert answer_skew(load_course(BUNDLED_COURSE)) is None


def test_right_answers_mostly_in_one_position_are_reported(tmp_path: Path) -> None:
    skew = answer_skew(load_course(bunched_course(tmp_path)))
    assert skew is not None
    assert skew.position == 1
    assert skew.count > skew.total / 2
    assert str(skew).startswith(f"{skew.count} of {skew.total} questions have their right answer")


def test_dry_run_warns_and_strict_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'import.db'}"
    upgrade(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    course = str(bunched_course(tmp_path))
    assert main(["content", "import", course, "--dry-run"]) == 0
    assert "warning: " in capsys.readouterr().out
    assert main(["content", "import", course, "--dry-run", "--strict"]) == 1
    assert "--strict: nothing imported" in capsys.readouterr().err
