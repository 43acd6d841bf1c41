"""`/metrics` (Prometheus' text format) on a port of its own, in every long-running mode.

Polling, webhook and scheduler processes each serve their own registry on
METRICS_HOST:METRICS_PORT, never on the public webhook listener: the scheduler's
series (pushes, 429s, job runs) are only ever moved in the scheduler's process.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.observability.metrics import watch_pool


class MetricsPortUnavailable(Exception):
    """The metrics listener could not be opened; the message says why, in one line."""


async def metrics(_request: web.Request) -> web.Response:
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})


def build_metrics_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/metrics", metrics)
    return app


@asynccontextmanager
async def serve_metrics(engine: AsyncEngine, host: str, port: int) -> AsyncIterator[None]:
    """Serve `/metrics` on host:port while the block runs."""
    watch_pool(engine)
    runner = web.AppRunner(build_metrics_app(), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        raise MetricsPortUnavailable(
            f"METRICS_PORT {port}: cannot listen on {host}:{port}: {exc.strerror or exc}"
        ) from None
    try:
        yield
    finally:
        await runner.cleanup()
