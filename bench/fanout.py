"""Scheduled fan-out at 100,000 learners on MariaDB/MySQL.

    .venv/bin/python -m bench.fanout [--learners 100000] [--messages 5000] [--rounds 5]

Prints: the time to select the learners due in one slot and the query plan (it must use an
index); the sender's throughput to a local Bot API stand-in over HTTP (a separate process):
a broadcast to `--messages` learners through the broadcasts job, ledger claims (one INSERT …
SELECT), batched loading and outcomes included, with the rate limit raised out of the way;
in the same run, alternating with it, the baseline it is judged against: a bare aiohttp loop
posting the same sendMessage requests to the same stand-in at the same concurrency (target:
the sender ≥ 0.7 × the baseline, the median of `--rounds` paired rounds); then a broadcast at
the default limit: the highest count in any one-second window (must be ≤ 25); duplicates over
every run (must be 0); peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.utils.i18n import I18n
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.common import peak_rss_mb, throwaway_mysql
from bot.entry.app import build_bot, build_i18n
from bot.rules.clock import FixedClock
from bot.rules.reach.pushes import DAILY_LESSON_GRACE, due_for_daily_lesson, slot
from db.engine import create_engine, create_session_factory
from db.enums import BroadcastStatus
from db.migrate import upgrade_to_head
from db.models import Broadcast
from scheduler.broadcasts import deliver_broadcasts
from scheduler.sender import Sender

FIRST_ID = 2_000_000_000
CONCURRENCY = 32
UNLIMITED = 1_000_000  # messages/s: the limiter never waits, the machinery is measured
PACED = 250  # learners of the broadcast at the default limit
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


@dataclass
class Process:
    """What a scheduler process holds for its life: the engine, the bot, the i18n."""

    factory: async_sessionmaker[AsyncSession]
    bot: Bot
    i18n: I18n

    def sender(self, rate: float) -> Sender:
        return Sender(self.bot, self.factory, FixedClock(datetime.now(UTC)), rate=rate,
                      concurrency=CONCURRENCY, paid_broadcast=rate > 30)  # fmt: skip


async def broadcast(process: Process, sender: Sender, language: str) -> tuple[int, float]:
    """A broadcast to the learners speaking `language`, delivered by the broadcasts job
    (claims, batches, sender, outcomes); returns (messages, seconds)."""
    clock = FixedClock(datetime.now(UTC))
    async with process.factory() as session, session.begin():
        session.add(Broadcast(text="📚 Today's lesson", audience={"language": language},
                              status=BroadcastStatus.SENDING, started_at=clock.now()))  # fmt: skip
    started = time.perf_counter()
    report = await deliver_broadcasts(process.factory, sender, process.bot, clock, process.i18n)
    elapsed = time.perf_counter() - started
    assert report.outcomes == {"SENT": report.claimed}, report
    return report.claimed, elapsed


async def bare_aiohttp(base: str, count: int, concurrency: int = CONCURRENCY) -> float:
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


async def speak(url: str, language: str, first: int, count: int) -> None:
    """Give `count` learners from the `first`-th on the language a broadcast picks them by."""
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE users SET language = :language"
                " WHERE telegram_id >= :lo AND telegram_id < :hi"
            ),
            {"language": language, "lo": FIRST_ID + first, "hi": FIRST_ID + first + count},
        )
    await engine.dispose()


def duplicates(calls: list[dict[str, Any]]) -> int:
    return sum(n - 1 for n in Counter(c["params"]["chat_id"] for c in calls).values())


async def throughput(process: Process, base: str, messages: int, rounds: int) -> None:
    """The sender against the bare loop, round after round, each round a pair run one
    after the other (so a busy moment of the machine weighs on both)."""
    sender = process.sender(rate=UNLIMITED)
    sender_rates, baselines, copies = [], [], 0
    for _ in range(rounds):
        baselines.append(await bare_aiohttp(base, messages))
        await reset_stub(base)
        sent, elapsed = await broadcast(process, sender, "eo")
        calls = await stub_calls(base)
        assert len(calls) == sent == messages, (len(calls), sent)
        copies += duplicates(calls)
        sender_rates.append(sent / elapsed)
        await reset_stub(base)
    ratios = [ours / bare for ours, bare in zip(sender_rates, baselines, strict=True)]
    print(
        "sender (the broadcasts job: ledger claims, batches, outcomes), limit out of the way,"
        f" {CONCURRENCY} at a time, {messages} messages a round:"
        f" median {statistics.median(sender_rates):,.0f} messages/s ({_each(sender_rates)})"
    )
    print(
        f"baseline, bare aiohttp loop, {CONCURRENCY} at a time:"
        f" median {statistics.median(baselines):,.0f} messages/s ({_each(baselines)})"
    )
    print(
        f"sender / baseline, round by round: {', '.join(f'{r:.2f}' for r in ratios)};"
        f" median {statistics.median(ratios):.2f} (target ≥ 0.7); duplicates: {copies}"
    )


async def run(url: str, learners: int, messages: int, rounds: int) -> None:
    started = time.perf_counter()
    await seed(url, learners)
    await speak(url, "eo", 0, messages)
    await speak(url, "ia", messages, PACED)
    print(f"seeded {learners:,} learners in {time.perf_counter() - started:.1f} s")
    await due_in_one_slot(url)
    stub, base = await start_stub()
    engine = create_engine(url)
    bot = build_bot("42:FANOUT", api_base=base)
    process = Process(create_session_factory(engine), bot, build_i18n())
    try:
        await throughput(process, base, messages, rounds)
        await broadcast(process, process.sender(rate=25), "ia")
        calls = await stub_calls(base)
        busiest = busiest_second([c["at"] for c in calls])
        print(f"default limit 25/s: busiest one-second window {busiest} messages"
              f" over {len(calls)}; duplicates: {duplicates(calls)}")  # fmt: skip
    finally:
        await bot.session.close()
        await engine.dispose()
        stub.terminate()
        await stub.wait()
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


def _each(rates: list[float]) -> str:
    return ", ".join(f"{rate:,.0f}" for rate in rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--mysql", help="server URL (default: BENCH_MYSQL_URL or root@127.0.0.1)")
    args = parser.parse_args()
    with throwaway_mysql(args.mysql) as url:
        asyncio.run(run(url, args.learners, args.messages, args.rounds))


if __name__ == "__main__":
    main()
