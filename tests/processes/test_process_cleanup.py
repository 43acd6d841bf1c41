"""A process test that fails leaves nothing running: the processes it started, and their
children, are killed when it ends, before the fixtures it used (its database) are torn
down. Checked on a pytest run of its own, whose one test fails with a process running."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import ROOT
from tests.support.processes import ending, patience, running

INNER = '''
import os
import sys
from pathlib import Path

import pytest

from tests.processes.conftest import processes_stopped_at_the_end  # the fixture under test
from tests.support.processes import running, spawn

PIDS = Path(os.environ["PIDS"])
# A process with a child of its own, as `uv run` or a shell would have.
FAMILY = (
    "import subprocess, sys, time\\n"
    "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\\n"
    "print(child.pid, flush=True)\\n"
    "time.sleep(600)\\n"
)


@pytest.fixture
def database():
    """Stands for the database the process uses: torn down after the process is gone."""
    yield
    pids = [int(pid) for pid in PIDS.read_text().split()]
    PIDS.with_suffix(".at_teardown").write_text(
        " ".join("running" if running(pid) else "gone" for pid in pids)
    )


async def test_fails_with_its_processes_running(database):
    process = await spawn(sys.executable, "-c", FAMILY, env=dict(os.environ))
    child = int(await process.stdout.readline())
    PIDS.write_text(f"{process.pid} {child}")
    if os.environ.get("HOW") == "killed":
        os.kill(os.getpid(), 9)  # the test run itself is killed: no teardown at all
    assert False, "a test that fails while its processes run"
'''


def run_inner(tmp_path: Path, how: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_inner.py").write_text(INNER)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "-o", "asyncio_mode=auto", "--rootdir", str(tmp_path), "test_inner.py"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PIDS": str(tmp_path / "pids"), "HOW": how},
        capture_output=True, text=True, timeout=patience(120), check=False,
    )  # fmt: skip


def started(tmp_path: Path) -> list[int]:
    pids = tmp_path / "pids"
    return [int(pid) for pid in pids.read_text().split()] if pids.exists() else []


@pytest.fixture
def leftovers(tmp_path: Path) -> Iterator[None]:
    """What a broken cleanup left behind is no longer this test's child: kill it here."""
    yield
    for pid in started(tmp_path):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def test_a_failed_test_leaves_no_process_running(tmp_path: Path, leftovers: None) -> None:
    result = run_inner(tmp_path, "failed")
    assert "1 failed" in result.stdout, result.stdout + result.stderr
    assert [pid for pid in started(tmp_path) if running(pid)] == []
    assert (tmp_path / "pids.at_teardown").read_text() == "gone gone"


def test_a_killed_test_run_takes_its_processes_with_it(tmp_path: Path, leftovers: None) -> None:
    result = run_inner(tmp_path, "killed")
    assert result.returncode == -signal.SIGKILL, result.stdout + result.stderr
    process, _its_child = started(tmp_path)
    # The kernel kills it as its parent ends (its own children are not covered).
    with ending({process}) as still_running:
        assert not still_running(patience(30)), "the process outlived the killed test run"
