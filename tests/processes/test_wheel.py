"""The built wheel works on its own: installed into a fresh virtual environment outside
the repository, `learnbot demo` teaches a lesson from the course the wheel carries, and
`alembic` migrates a database through the configuration the wheel carries."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.databases import ROOT
from tests.support.demo import DemoChat
from tests.support.processes import patience


def uv(*args: str, cwd: Path = ROOT) -> str:
    uv_binary = shutil.which("uv")
    assert uv_binary is not None, "uv is needed to build and install the wheel"
    result = subprocess.run(
        [uv_binary, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=patience(600),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def outside_the_checkout() -> dict[str, str]:
    """The environment without anything pointing back into the repository."""
    unset = {"PYTHONPATH", "VIRTUAL_ENV", "BOT_TOKEN", "DATABASE_URL", "REDIS_URL", "ADMIN_IDS"}
    return {name: value for name, value in os.environ.items() if name not in unset}


def install_wheel(tmp_path: Path) -> Path:
    """Build the wheel, install it with the lock's versions; the new venv's bin/."""
    uv("build", "--wheel", "--out-dir", str(tmp_path / "dist"))
    (wheel,) = (tmp_path / "dist").glob("learnbot-*.whl")
    requirements = tmp_path / "requirements.txt"
    uv(
        "export",
        "--frozen",
        "--no-dev",
        "--no-hashes",
        "--no-emit-project",
        "--quiet",
        "--output-file",
        str(requirements),
    )
    venv = tmp_path / "venv"
    uv("venv", "--quiet", "--python", sys.executable, str(venv))
    uv(
        "pip",
        "install",
        "--quiet",
        "--python",
        str(venv / "bin" / "python"),
        "-r",
        str(requirements),
        str(wheel),
    )
    return venv / "bin"


def run(command: list[str], cwd: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=cwd,
        env={**outside_the_checkout(), **settings},
        capture_output=True,
        text=True,
        timeout=patience(180),
        check=False,
    )


async def test_the_installed_wheel_teaches_a_lesson_and_migrates_a_database(
    tmp_path: Path,
) -> None:
    bin_dir = install_wheel(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = run([str(bin_dir / "python"), "-c", "import bot, db; print(bot.__file__)"], elsewhere)
    assert where.stdout.startswith(str(tmp_path / "venv")), where

    demo = await DemoChat.start(
        [str(bin_dir / "learnbot"), "demo"],
        cwd=elsewhere,
        env=outside_the_checkout(),
        course=ROOT / "content" / "git-essentials",
    )
    await demo.say("/start")
    await demo.press("Berlin")
    catalogue = await demo.press("08:00")  # the wheel carries every bundled course
    assert "Collaborating on GitHub — 🔒 needs «Git essentials»" in catalogue
    await demo.press("Git essentials")
    await demo.press("Start")  # the card's
    await demo.press("from the beginning")  # not the placement check
    await demo.press("Start")  # the first lesson's
    await demo.press("quiz")
    assert "Passed: 4 of 4" in await demo.pass_quiz()
    code, errors = await demo.quit()
    assert (code, errors) == (0, "")

    ini = run(
        [
            str(bin_dir / "python"),
            "-c",
            "from importlib.resources import files; print(files('db') / 'alembic.ini')",
        ],
        elsewhere,
    ).stdout.strip()
    assert ini.startswith(str(tmp_path / "venv"))
    database = {"DATABASE_URL": "sqlite+aiosqlite:///operator.db"}
    upgraded = run([str(bin_dir / "alembic"), "-c", ini, "upgrade", "head"], elsewhere, **database)
    assert upgraded.returncode == 0, upgraded.stderr
    current = run([str(bin_dir / "alembic"), "-c", ini, "current"], elsewhere, **database)
    assert "(head)" in current.stdout, current
    imported = run([str(bin_dir / "learnbot"), "content", "import"], elsewhere, **database)
    assert imported.returncode == 0, imported.stderr
    assert "lesson what-is-git" in imported.stdout
