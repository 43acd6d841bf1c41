"""HTTP load on `learnbot webhook`: one process, then two, behind no balancer.

    .venv/bin/python -m bench.webhook [--learners 1000] [--seconds 5]

This process is the load generator; the webhook servers and the Bot API stand-in run
as separate processes on loopback, on a throwaway MariaDB/MySQL database. Offered
load rises step by step (open loop: requests start on schedule whether or not earlier
ones have answered) until p95 passes 100 ms; each step prints requests/s achieved and
p50/p95/p99. The mix is the chat part of bench/updates.py: /learn, /modules, the
lesson button, /progress (quiz answers need poll ids from the stand-in; they are
measured in bench/updates.py).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import socket
import sys
import time
from datetime import UTC, datetime
from typing import Any

import aiohttp
from sqlalchemy import text

from bench.common import percentile, throwaway_mysql
from bot.entry.database import BUNDLED_COURSE
from bot.rules import content
from bot.rules.clock import SystemClock
from bot.telegram.callbacks import LessonCb
from db.engine import create_engine, create_session_factory
from db.migrate import upgrade_to_head

SECRET = "bench-secret"
FIRST_ID = 30_000_000
LEVELS = (50, 100, 200, 400, 800, 1600)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def seed(url: str, learners: int) -> int:
    await upgrade_to_head(url)
    engine = create_engine(url)
    factory = create_session_factory(engine)
    async with factory() as session, session.begin():
        await content.apply_import(
            session, content.load_course(BUNDLED_COURSE / "git-essentials"), SystemClock()
        )
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO users (telegram_id, first_name, is_active, time_zone, lesson_minute,"
                " reminders_enabled, show_on_leaderboard, role, onboarded_at, last_seen_at,"
                " created_at, updated_at) VALUES (:id, 'Bench', 1, 'UTC', 540, 1, 1, 'LEARNER',"
                " :now, :now, :now, :now)"
            ),
            [{"id": FIRST_ID + n, "now": now} for n in range(learners)],
        )
        await conn.execute(
            text("INSERT INTO user_stats (user_id, updated_at) SELECT id, created_at FROM users")
        )
        lesson = await conn.scalar(
            text("SELECT id FROM lessons ORDER BY module_id, `order` LIMIT 1")
        )
    await engine.dispose()
    return int(lesson)


def update(n: int, learners: int, lesson_id: int) -> dict[str, Any]:
    user_id = FIRST_ID + n % learners
    user = {"id": user_id, "is_bot": False, "first_name": "Bench", "language_code": "en"}
    chat = {"id": user_id, "type": "private"}
    kind = n % 4
    if kind == 2:
        message = {"message_id": 1, "date": int(time.time()), "chat": chat}
        return {"update_id": n, "callback_query": {
            "id": str(n), "from": user, "chat_instance": "b", "message": message,
            "data": LessonCb(lesson_id=lesson_id).pack()}}  # fmt: skip
    command = ("/learn", "/modules", "", "/progress")[kind]
    return {"update_id": n, "message": {"message_id": n, "date": int(time.time()), "chat": chat,
                                        "from": user, "text": command}}  # fmt: skip


async def start_servers(
    url: str, stub_base: str, count: int
) -> tuple[list[asyncio.subprocess.Process], list[int]]:
    processes, ports = [], []
    for _ in range(count):
        port = free_port()
        env = {**os.environ, "BOT_TOKEN": "42:WB", "TELEGRAM_API_BASE": stub_base,
               "DATABASE_URL": url, "WEBHOOK_URL": f"http://127.0.0.1:{port}/hook",
               "WEBHOOK_SECRET": SECRET, "WEBHOOK_HOST": "127.0.0.1",
               "WEBHOOK_PORT": str(port), "METRICS_PORT": str(free_port()),
               "LOG_LEVEL": "WARNING"}  # fmt: skip
        processes.append(await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "webhook", env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        ))  # fmt: skip
        ports.append(port)
    async with aiohttp.ClientSession() as http:
        for port in ports:
            for _ in range(200):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
    return processes, ports


async def offered(
    ports: list[int], rate: int, seconds: float, counter: itertools.count[int], learners: int,
    lesson_id: int,
) -> tuple[float, list[float], int]:  # fmt: skip
    """Send `rate` requests a second for `seconds`; returns achieved rate, latencies, errors."""
    latencies: list[float] = []
    errors = 0
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def one(n: int) -> None:
            nonlocal errors
            port = ports[n % len(ports)]
            started = time.perf_counter()
            try:
                async with http.post(f"http://127.0.0.1:{port}/hook", headers=headers,
                                     json=update(n, learners, lesson_id)) as response:  # fmt: skip
                    await response.read()
                    if response.status != 200:
                        errors += 1
            except aiohttp.ClientError:
                errors += 1
            latencies.append(time.perf_counter() - started)

        total = int(rate * seconds)
        began = time.perf_counter()
        tasks = []
        for i in range(total):
            delay = began + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)  # the open-loop schedule of the load generator
            tasks.append(asyncio.create_task(one(next(counter))))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - began
    return len(latencies) / elapsed, sorted(latencies), errors


async def run(url: str, learners: int, seconds: float) -> None:
    lesson_id = await seed(url, learners)
    stub = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.botapi_stub",
        "--port",
        "0",
        stdout=asyncio.subprocess.PIPE,
    )
    assert stub.stdout is not None
    stub_base = (await stub.stdout.readline()).decode().strip()
    counter = itertools.count(1)
    try:
        for count in (1, 2):
            processes, ports = await start_servers(url, stub_base, count)
            print(f"\n{count} webhook process(es)")
            columns = ("offered/s", "achieved/s", "p50 ms", "p95 ms", "p99 ms", "errors")
            print("{:>10} {:>11} {:>7} {:>7} {:>7} {:>7}".format(*columns))
            try:
                for rate in LEVELS:
                    achieved, lat, errors = await offered(
                        ports, rate, seconds, counter, learners, lesson_id
                    )
                    p50, p95, p99 = (1000 * percentile(lat, f) for f in (0.5, 0.95, 0.99))
                    print(
                        f"{rate:10d} {achieved:11.0f} {p50:7.1f} {p95:7.1f} {p99:7.1f} {errors:7d}"
                    )
                    if p95 > 100:
                        print(f"knee: p95 passed 100 ms at {rate}/s offered")
                        break
                    await asyncio.sleep(2)  # let background handling drain between steps
            finally:
                for process in processes:
                    process.terminate()
                await asyncio.gather(*(p.wait() for p in processes))
    finally:
        stub.terminate()
        await stub.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--mysql", help="server URL (default: BENCH_MYSQL_URL or root@127.0.0.1)")
    args = parser.parse_args()
    with throwaway_mysql(args.mysql) as url:
        asyncio.run(run(url, args.learners, args.seconds))


if __name__ == "__main__":
    main()
