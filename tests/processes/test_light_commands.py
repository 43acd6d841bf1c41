"""`learnbot health` (the Docker HEALTHCHECK) and `learnbot config` never import aiogram:
it costs seconds of CPU, and neither talks to Telegram (`bench/startup.py` times them)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.databases import ROOT
from tests.support.processes import patience


def imported_modules(stderr: str) -> set[str]:
    """The modules `python -X importtime` reported loading."""
    return {
        line.rsplit("|", 1)[-1].strip()
        for line in stderr.splitlines()
        if line.startswith("import time:")
    }


@pytest.mark.parametrize("command", ["health", "config"])
def test_health_and_config_run_without_importing_aiogram(tmp_path: Path, command: str) -> None:
    (tmp_path / "bot.db").touch()
    env = {**os.environ, "DATABASE_URL": "sqlite+aiosqlite:///bot.db", "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot", command],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=patience(120),
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    modules = imported_modules(result.stderr)
    assert "bot.entry.cli" in modules
    assert not {name for name in modules if name.split(".")[0] == "aiogram"}
