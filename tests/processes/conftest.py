"""Every process a test starts is stopped when the test ends, passed or failed.

`tests.support.processes.spawn` starts each process in a session of its own and hands
this test a finalizer that kills the process group; being the test item's, it runs
before the fixtures the test depends on are torn down (a database is not dropped under
a process still using it), and after those that were set up after the process started
(a fixture that stops its process itself, gracefully, still does). Processes started
any other way (a demo, a one-shot command) that outlive the test are killed at its end.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator

import pytest

from tests.support import processes


@pytest.fixture(autouse=True)
def processes_stopped_at_the_end(request: pytest.FixtureRequest) -> Iterator[None]:
    before = processes.children(os.getpid())
    request.node.addfinalizer(lambda: kill_the_rest(before))
    processes.on_test_end = request.node.addfinalizer
    yield
    processes.on_test_end = None


def kill_the_rest(before: set[int]) -> None:
    """Kill this test's children that outlived it (one with a group of its own: the group)."""
    for pid in processes.children(os.getpid()) - before:
        try:
            is_leader = os.getpgid(pid) == pid
        except ProcessLookupError:
            continue
        if is_leader:
            processes.kill_group(pid)
            continue
        with processes.ending({pid}) as still_running:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            assert not still_running(processes.patience(30)), f"{pid} still runs after SIGKILL"
