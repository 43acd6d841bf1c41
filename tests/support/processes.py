"""Running `learnbot` as a real process against the HTTP stand-in, for process tests.

Every process started here runs in a session (and process group) of its own, and is
killed with its whole group when the test that started it ends, passed or failed (see
tests/processes/conftest.py): a failed test never leaves a scheduler holding a lease.

Waits are for events (a log line, a row, a Bot API call); their deadlines only stop a
test that would otherwise hang, and scale with TEST_TIME_FACTOR (see `patience`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import select
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import create_engine, create_session_factory
from tests.support import databases
from tests.support.backends import IN_CI, require_backend
from tests.support.botapi_stub import BotAPIStub

# How much slower than an idle 2-core machine this one may be: deadlines are multiplied
# by it. The bases are already several times what an idle machine needs.
TIME_FACTOR = float(os.environ.get("TEST_TIME_FACTOR") or (3 if IN_CI else 1))


def patience(seconds: float) -> float:
    """The deadline for a wait that takes well under `seconds` on an idle machine."""
    return seconds * TIME_FACTOR


# Where the test under way has its processes stopped (set by tests/processes/conftest.py):
# a finalizer of the test item, so it runs before the fixtures it depends on are torn down.
on_test_end: Callable[[Callable[[], object]], object] | None = None


# Run in the child before the command: the child is killed when the test run ends however
# it ends (SIGKILLed too), as it no longer shares the terminal's hang-up and Ctrl-C.
DIES_WITH_ITS_PARENT = (
    "import ctypes, os, signal, sys\n"
    "ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)\n"  # PR_SET_PDEATHSIG
    "if os.getppid() != int(sys.argv[1]):\n"  # the parent ended before that
    "    os._exit(1)\n"
    "os.execvp(sys.argv[2], sys.argv[2:])\n"
)


async def spawn(
    *command: str,
    env: dict[str, str],
    cwd: Path = databases.ROOT,
    stdout: int = asyncio.subprocess.PIPE,
    stderr: int = asyncio.subprocess.STDOUT,
) -> asyncio.subprocess.Process:
    """Start `command` in a new session, to be killed with its group when the test ends."""
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-c", DIES_WITH_ITS_PARENT, str(os.getpid()), *command),
        cwd=cwd,
        env=env,
        stdout=stdout,
        stderr=stderr,
        start_new_session=True,
    )
    if on_test_end is not None:
        on_test_end(lambda: kill_group(process.pid))
    return process


def kill_group(pgid: int) -> None:
    """SIGKILL process group `pgid` and wait until every process in it has ended."""
    members = processes_where(lambda fields: int(fields[2]) == pgid)
    if not members:
        return
    with ending(members) as still_running:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        left = still_running(patience(30))
    assert not left, f"processes {sorted(left)} still run after SIGKILL"


@contextlib.contextmanager
def ending(pids: set[int]) -> Iterator[Callable[[float], set[int]]]:
    """Watch `pids` (from now on, so a number reused later is not mistaken for one of
    them); the block gets a wait that returns those still running after its timeout."""
    handles: dict[int, int] = {}
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            handles[os.pidfd_open(pid)] = pid

    def still_running(timeout: float) -> set[int]:
        deadline = time.monotonic() + timeout
        while handles and (remaining := deadline - time.monotonic()) > 0:
            readable, _, _ = select.select(list(handles), [], [], remaining)  # when one ends
            for handle in readable:
                os.close(handle)
                del handles[handle]
        return set(handles.values())

    try:
        yield still_running
    finally:
        for handle in handles:
            os.close(handle)


def processes_where(test: Callable[[list[str]], bool]) -> set[int]:
    """The running processes whose /proc/PID/stat fields after the name (state, parent,
    process group, …) pass `test`."""
    found = set()
    for entry in Path("/proc").iterdir():
        fields = _stat(int(entry.name)) if entry.name.isdigit() else None
        if fields is not None and fields[0] not in ("Z", "X") and test(fields):
            found.add(int(entry.name))
    return found


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def running(pid: int) -> bool:
    """Whether process `pid` exists and has not ended (a zombie has)."""
    fields = _stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def children(pid: int) -> set[int]:
    """The running processes whose parent is `pid`."""
    return processes_where(lambda fields: int(fields[1]) == pid)


def free_port() -> int:
    """A local port for a process to listen on, drawn below the kernel's ephemeral range:
    a port from that range (bind to port 0) may be taken by any outgoing connection on the
    machine (to MySQL, to the stand-in) before the process binds it, and then it cannot
    start."""
    first_ephemeral = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    while True:
        port = random.randrange(10_000, first_ephemeral)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


def environment(stub: BotAPIStub, url: str, **extra: str) -> dict[str, str]:
    """The environment of a `learnbot` process on the stand-in and database `url`; its
    metrics on a port of its own, so several processes can run side by side."""
    return {
        **os.environ,
        "BOT_TOKEN": "42:PROC",
        "TELEGRAM_API_BASE": stub.base_url,
        "DATABASE_URL": url,
        "METRICS_HOST": "127.0.0.1",
        "METRICS_PORT": str(free_port()),
        "LOG_FORMAT": "json",
        **extra,
    }


async def learnbot(*args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    """`python -m bot ARGS` with its log lines (stderr too) on its stdout pipe."""
    return await spawn(sys.executable, "-m", "bot", *args, env=env)


async def log_line(
    process: asyncio.subprocess.Process,
    starts: str | tuple[str, ...],
    timeout: float = patience(180),
) -> str:
    """The first log message of `process` that starts with `starts` (or one of them;
    lines are read as they come; a process that ends before writing it fails the wait)."""
    assert process.stdout is not None
    seen: list[str] = []
    try:
        async with asyncio.timeout(timeout):
            while line := await process.stdout.readline():
                try:
                    message = str(json.loads(line).get("message", ""))
                except ValueError:
                    message = line.decode(errors="replace")
                if message.startswith(starts):
                    return message
                seen.append(message)
    except TimeoutError:
        raise AssertionError(
            f"no {starts!r} logged within {timeout:.0f} s; the last lines: {seen[-10:]}"
        ) from None
    raise AssertionError(f"the process ended without logging {starts!r}; it logged {seen[-10:]}")


async def stop(process: asyncio.subprocess.Process, timeout: float = patience(60)) -> str:
    """SIGTERM `process`, wait for it to end and return what it wrote since last read."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
    output, _ = await asyncio.wait_for(process.communicate(), timeout)
    return (output or b"").decode(errors="replace")


async def scrape(port: int) -> str:
    """The text of `/metrics` on 127.0.0.1:port."""
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/metrics") as r:
        assert r.status == 200
        return await r.text()


def sample(body: str, series: str) -> float:
    """The value of one series (`name{labels}` as Prometheus prints it), 0 when absent."""
    for line in body.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@contextlib.contextmanager
def mysql_databases(tmp_path: Path, count: int) -> Iterator[list[str]]:
    """`count` empty throwaway databases on the one MySQL server, as a shared server holds
    several LearnBots' (its named locks are the server's, not a database's)."""
    require_backend("mysql")
    with contextlib.ExitStack() as stack:
        yield [
            stack.enter_context(databases.throwaway_database("mysql", tmp_path))
            for _ in range(count)
        ]


@asynccontextmanager
async def seeded_mysql(
    tmp_path: Path, seed: Callable[[AsyncSession], Awaitable[object]]
) -> AsyncIterator[str]:
    """A throwaway MySQL database at head with `seed`'s rows committed, for tests of
    several processes (SQLite is one process's database)."""
    require_backend("mysql")
    with databases.throwaway_database("mysql", tmp_path) as url:
        await asyncio.to_thread(databases.upgrade, url)
        engine = create_engine(url)
        async with create_session_factory(engine)() as session:
            await seed(session)
            await session.commit()
        await engine.dispose()
        yield url
