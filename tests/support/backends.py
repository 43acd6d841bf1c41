"""Which backends a test needs, and what to say loudly when one is missing.

Outside CI a missing MySQL server or Redis skips those tests with a loud line at the end of
the run (see conftest's terminal summary); under CI=true it fails the test instead.
"""

from __future__ import annotations

import os

import pytest

from tests.support import databases

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
mysql_skipped: list[str] = []
redis_skipped: list[str] = []


def require_backend(backend: str) -> None:
    if backend != "mysql":
        return
    reason = databases.mysql_unavailable_reason()
    if reason is None:
        return
    message = (
        f"MySQL server {databases.mysql_server_url().render_as_string()} not answering: {reason}"
    )
    if IN_CI:
        pytest.fail(message)
    mysql_skipped.append(message)
    pytest.skip(message)
