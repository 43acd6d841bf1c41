"""Scheduled fan-out at 100,000 learners on MariaDB/MySQL.

    .venv/bin/python -m bench.fanout [--learners 100000] [--messages 5000]

Prints: the time to select the learners due in one slot and the query plan (it
must use an index); the sender's throughput to a local Bot API stand-in over HTTP
(a separate process) with the limit raised to 1,000/s (target ≥ 1,000 messages/s);
the highest count in any one-second window under the default limit (must be ≤ 25);
duplicates (must be 0); peak RSS (target ≤ 200 MB). In the same run, the baseline the
sender is judged against: a bare aiohttp loop posting the same sendMessage requests to the
same stand-in at the same concurrency (target: the sender, ledger included, ≥ 0.7 × it).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import aiohttp
from sqlalchemy import text

from bench.common import peak_rss_mb, throwaway_mysql
from bot.entry.app import build_bot
from bot.rules.clock import FixedClock
from bot.rules.pushes import DAILY_LESSON_GRACE, due_for_daily_lesson, slot
from db.engine import create_engine, create_session_factory
from db.enums import DeliveryKind, DeliveryStatus
from db.migrate import upgrade_to_head
from db.models import Delivery
from scheduler.sender import Outgoing, Sender

FIRST_ID = 2_000_000_000
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Honolulu"]


async def seed(url: str, learners: int) -> None:
    await upgrade_to_head(url)
    engine = create_engine(url)
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TEMPORARY TABLE digits (d INT PRIMARY KEY)"))
        await conn.execute(
            text("INSERT INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)")
        )
        await conn.execute(text(
            "CREATE TEMPORARY TABLE seq AS SELECT a.d + 10*b.d + 100*c.d + 1000*d.d"
            " + 10000*e.d + 100000*f.d AS n FROM digits a, digits b, digits c, digits d,"
            " digits e, digits f"
        ))  # fmt: skip
        zones = " ".join(f"WHEN {i} THEN '{zone}'" for i, zone in enumerate(ZONES))
        await conn.execute(
            text(
                "INSERT INTO users (telegram_id, first_name, is_active, time_zone, lesson_minute,"
                " reminders_enabled, show_on_leaderboard, role, onboarded_at, created_at,"
                f" updated_at) SELECT :first + n, 'Learner', 1, CASE n % {len(ZONES)} {zones}"
                " END, (n * 7) % 1440, 1, 1, 'LEARNER', :now, :now, :now FROM seq WHERE n < :count"
            ),
            {"first": FIRST_ID, "now": now, "count": learners},
        )
    await engine.dispose()


async def due_in_one_slot(url: str) -> None:
    engine = create_engine(url)
    factory = create_session_factory(engine)
    at = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    window = slot("Europe/Berlin", at, DAILY_LESSON_GRACE)
    async with factory() as session:
        started = time.perf_counter()
        due = await due_for_daily_lesson(session, window)  # the job's own query
        elapsed = time.perf_counter() - started
        plan = await session.execute(
            text(
                "EXPLAIN SELECT id FROM users WHERE time_zone = :zone"
                " AND lesson_minute BETWEEN :lo AND :hi"
            ),
            {"zone": window.zone, "lo": window.first_minute, "hi": window.last_minute},
        )
        rows = [dict(row._mapping) for row in plan]
    await engine.dispose()
    print(
        f"due in one slot (Berlin {window.first_minute // 60:02d}:00–"
        f"{window.last_minute // 60:02d}:00): {len(due)} learners in {1000 * elapsed:.0f} ms"
    )
    for row in rows:
        print(f"  plan: table={row.get('table')} type={row.get('type')} key={row.get('key')}"
              f" rows={row.get('rows')} extra={row.get('Extra')}")  # fmt: skip


async def start_stub() -> tuple[asyncio.subprocess.Process, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.support.botapi_stub", "--port", "0",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    base = (await process.stdout.readline()).decode().strip()
    return process, base


async def stub_calls(base: str) -> list[dict[str, Any]]:
    async with aiohttp.ClientSession() as http, http.get(f"{base}/_stub/calls") as response:
        body = await response.json()
    return [call for call in body["calls"] if call["method"] == "sendMessage"]


async def reset_stub(base: str) -> None:
    async with aiohttp.ClientSession() as http, http.post(f"{base}/_stub/reset"):
        pass


async def send(url: str, base: str, count: int, rate: float, offset: int) -> float:
    """Claim `count` ledger rows and send them through the sender; returns seconds."""
    engine = create_engine(url)
    factory = create_session_factory(engine)
    now = datetime.now(UTC)
    async with factory() as session:
        ids = (await session.scalars(
            text("SELECT id FROM users ORDER BY id LIMIT :count OFFSET :offset"),
            {"count": count, "offset": offset},
        )).all()  # fmt: skip
        session.add_all(
            Delivery(user_id=user_id, kind=DeliveryKind.BROADCAST, dedup_key=f"bench{rate}",
                     status=DeliveryStatus.PENDING, claimed_at=now)
            for user_id in ids
        )  # fmt: skip
        await session.commit()
        rows = (await session.execute(
            text("SELECT d.id, d.user_id, u.telegram_id FROM deliveries d JOIN users u"
                 " ON u.id = d.user_id WHERE d.dedup_key = :key"), {"key": f"bench{rate}"}
        )).all()  # fmt: skip
    bot = build_bot("42:FANOUT", api_base=base)
    sender = Sender(bot, factory, FixedClock(now), rate=rate, concurrency=32,
                    paid_broadcast=rate > 30)  # fmt: skip
    messages = [
        Outgoing(chat_id=telegram_id, user_id=user_id, text="📚 Today's lesson",
                 delivery_id=delivery_id)
        for delivery_id, user_id, telegram_id in rows
    ]  # fmt: skip
    started = time.perf_counter()
    outcomes = await sender.send_all(messages)
    elapsed = time.perf_counter() - started
    await bot.session.close()
    await engine.dispose()
    assert outcomes == Counter({DeliveryStatus.SENT: len(messages)}), outcomes
    return elapsed


async def bare_aiohttp(base: str, count: int, concurrency: int = 32) -> float:
    """Messages/s of a plain aiohttp loop posting sendMessage, `concurrency` at a time."""
    url = f"{base}/bot42:FANOUT/sendMessage"
    chat_ids = iter(range(FIRST_ID, FIRST_ID + count))
    async with aiohttp.ClientSession() as http:

        async def worker() -> None:
            for chat_id in chat_ids:
                payload = {"chat_id": chat_id, "text": "📚 Today's lesson", "parse_mode": "HTML"}
                async with http.post(url, json=payload) as response:
                    await response.read()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return count / (time.perf_counter() - started)


def busiest_second(times: list[float]) -> int:
    times.sort()
    best, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


async def run(url: str, learners: int, messages: int) -> None:
    started = time.perf_counter()
    await seed(url, learners)
    print(f"seeded {learners:,} learners in {time.perf_counter() - started:.1f} s")
    await due_in_one_slot(url)
    stub, base = await start_stub()
    try:
        elapsed = await send(url, base, messages, rate=1000, offset=0)
        calls = await stub_calls(base)
        print(f"sender, limit 1000/s: {len(calls)} messages in {elapsed:.2f} s ="
              f" {len(calls) / elapsed:,.0f} messages/s")  # fmt: skip
        duplicates = sum(n - 1 for n in Counter(c["params"]["chat_id"] for c in calls).values())
        await reset_stub(base)
        baseline = await bare_aiohttp(base, messages)
        print(f"baseline, bare aiohttp loop: {baseline:,.0f} messages/s; the sender"
              f" {len(calls) / elapsed:,.0f} = {len(calls) / elapsed / baseline:.2f} × baseline"
              " (target ≥ 0.7)")  # fmt: skip
        await reset_stub(base)
        await send(url, base, 250, rate=25, offset=messages)
        calls = await stub_calls(base)
        busiest = busiest_second([c["at"] for c in calls])
        print(f"default limit 25/s: busiest one-second window {busiest} messages"
              f" over {len(calls)}")  # fmt: skip
        duplicates += sum(n - 1 for n in Counter(c["params"]["chat_id"] for c in calls).values())
        print(f"duplicates: {duplicates}")
    finally:
        stub.terminate()
        await stub.wait()
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--mysql", help="server URL (default: BENCH_MYSQL_URL or root@127.0.0.1)")
    args = parser.parse_args()
    with throwaway_mysql(args.mysql) as url:
        asyncio.run(run(url, args.learners, args.messages))


if __name__ == "__main__":
    main()
