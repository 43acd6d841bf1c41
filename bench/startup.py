"""Cold start of the `learnbot` commands, each as a whole process.

    .venv/bin/python -m bench.startup [--runs 5]

Times, over --runs fresh processes each, and prints the median and the slowest wall
time, the median CPU time (user + system, which a busy machine disturbs less) and the
peak resident memory of the process:

- `learnbot demo` to its first prompt, in an empty directory (the database created,
  migrated, the course imported, the sample learners added), and again on the demo
  database that first run left (what every later start costs);
- `learnbot health` on a SQLite database at the schema head (the image's HEALTHCHECK,
  which Docker gives 10 s);
- `learnbot config`.

Health and config import no aiogram, so they should stay well under a second.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEARNBOT = [sys.executable, "-m", "bot"]
PROMPT = b"\n> "


@dataclass(frozen=True)
class Run:
    seconds: float  # wall time: to the first prompt (demo) or to the exit
    cpu_seconds: float  # user + system time of the whole process: steady on a busy machine
    peak_rss_mb: float


def environment(**settings: str) -> dict[str, str]:
    unset = {"BOT_TOKEN", "DATABASE_URL", "REDIS_URL", "ADMIN_IDS"}
    base = {name: value for name, value in os.environ.items() if name not in unset}
    return {**base, "PYTHONPATH": str(ROOT), **settings}


def after_exit(process: subprocess.Popen[bytes], seconds: float) -> Run:
    """Wait for the process to end; `seconds` with its CPU time and peak RSS."""
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.returncode == 0, f"exit code {process.returncode}"
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def whole_command(args: list[str], cwd: Path, env: dict[str, str]) -> Run:
    start = time.perf_counter()
    process = subprocess.Popen(
        [*LEARNBOT, *args], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    run = after_exit(process, 0.0)
    return Run(time.perf_counter() - start, run.cpu_seconds, run.peak_rss_mb)


def demo_to_first_prompt(cwd: Path, env: dict[str, str]) -> Run:
    """Wall time to the first prompt; CPU and RSS of the whole process (it quits at once)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [*LEARNBOT, "demo"],
        cwd=cwd,
        env={**env, "PYTHONUNBUFFERED": "1"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stdin is not None
    output = b""
    while not output.endswith(PROMPT):
        chunk = os.read(process.stdout.fileno(), 65536)
        assert chunk, f"the demo ended before its prompt: {output!r}"
        output += chunk
    seconds = time.perf_counter() - start
    process.stdin.close()  # Ctrl-D
    return after_exit(process, seconds)


def measure(name: str, runs: int, once: Callable[[], Run]) -> None:
    results = [once() for _ in range(runs)]
    seconds = sorted(r.seconds for r in results)
    cpu = statistics.median(r.cpu_seconds for r in results)
    rss = max(r.peak_rss_mb for r in results)
    print(
        f"{name:<34} median {statistics.median(seconds):6.2f} s   "
        f"slowest {seconds[-1]:6.2f} s   CPU {cpu:5.2f} s   peak RSS {rss:4.0f} MB   ({runs} runs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lbstartup-") as scratch:
        base = Path(scratch)
        database = base / "health.db"
        url = f"sqlite+aiosqlite:///{database}"
        env = environment(DATABASE_URL=url)
        # In a child process: this one stays small, so the children it forks start small
        # and their peak RSS is their own.
        alembic = Path(sys.executable).parent / "alembic"
        subprocess.run([alembic, "upgrade", "head"], cwd=ROOT, env=env, check=True)
        fresh_dirs = iter(range(args.runs))

        def fresh_demo() -> Run:
            folder = base / f"fresh-{next(fresh_dirs)}"
            folder.mkdir()
            return demo_to_first_prompt(folder, environment())

        kept = base / "kept"
        kept.mkdir()
        measure("learnbot demo (empty directory)", args.runs, fresh_demo)
        shutil.copy(base / "fresh-0" / "learnbot-demo.db", kept / "learnbot-demo.db")
        measure(
            "learnbot demo (existing demo db)",
            args.runs,
            lambda: demo_to_first_prompt(kept, environment()),
        )
        measure("learnbot health", args.runs, lambda: whole_command(["health"], base, env))
        measure("learnbot config", args.runs, lambda: whole_command(["config"], base, env))


if __name__ == "__main__":
    main()
