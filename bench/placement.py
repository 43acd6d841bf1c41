"""The placement check beside many finished ones, on MariaDB/MySQL.

    .venv/bin/python -m bench.placement [--learners 200000] [--samples 200]

Imports the bundled course (Git essentials: 4 modules, a check of 8 questions), seeds
`--learners` learners, each with a finished check of 8 answers, then, through the real
dispatcher, lets `--samples` fresh learners take the check: p50/p95, SQL statements and
COMMITs per update of its start (the "Check what I know" button), of an answer that asks
the next question, and of the last answer (the result), printed beside the baseline
measured in the same run by the same learners: `/modules` (targets: the start and an
answer within a few statements of the baseline, p95 ≤ 1.2 × its p95).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

from aiogram import Bot, Dispatcher
from aiogram.methods import SendPoll
from aiogram.types import CallbackQuery, Chat, Message, PollAnswer, Update, User
from sqlalchemy import func, select, text

from bench.common import (
    StatementCounter,
    create_numbers,
    current_kind,
    peak_rss_mb,
    percentile,
    throwaway_mysql,
)
from bot.entry.app import build_bot, build_dispatcher
from bot.entry.offline import OfflineSession
from bot.rules.clock import SystemClock
from bot.rules.content import import_course
from bot.telegram.callbacks import PlacementAction, PlacementCb
from db.engine import create_engine, create_session_factory
from db.migrate import upgrade_to_head
from db.models import Course, QuizQuestion

FIRST_ID = 1_000_000_000
COURSE = Path(__file__).resolve().parents[1] / "content" / "git-essentials"
ANSWERS = 8  # per seeded check


async def seed(url: str, learners: int, samples: int) -> int:
    """The course, learners in it (the last `samples` without a check), and the others'
    finished checks with their answers, generated inside the server. The course's id."""
    engine = create_engine(url)
    factory = create_session_factory(engine)
    async with factory() as session:
        await import_course(session, COURSE, SystemClock())
        await session.commit()
        course_id = await session.scalar(select(Course.id))
        first_question = await session.scalar(select(func.min(QuizQuestion.id)))
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    async with engine.begin() as conn:
        await create_numbers(conn)
        statements = [
            "INSERT INTO users (telegram_id, first_name, is_active, time_zone, lesson_minute,"
            " reminders_enabled, show_on_leaderboard, role, onboarded_at, last_seen_at,"
            " current_course_id, created_at, updated_at) SELECT :first + n,"
            " CONCAT('Learner ', n), 1, 'UTC', 540, 1, 1, 'LEARNER', :now, :now, :course,"
            " :now, :now FROM seq WHERE n < :learners",
            "INSERT INTO user_stats (user_id, updated_at) SELECT id, :now FROM users",
            "INSERT INTO user_journeys (user_id, course_id, status, started_at, created_at,"
            " updated_at) SELECT id, :course, 'ACTIVE', :now, :now, :now FROM users",
            "INSERT INTO assessment_results (user_id, course_id, status, attempt, question_ids,"
            " scores, modules_total, modules_tested_out, started_at, ended_at)"
            " SELECT id, :course, 'FINISHED', 1, '[]', '{}', 4, 1, :now, :now FROM users"
            " WHERE telegram_id < :first + :learners - :samples",
            f"INSERT INTO placement_answers (check_id, question_id, attempt, poll_id,"
            f" option_order, option_ids, is_correct, answered_at, created_at)"
            f" SELECT a.id, :question + k.n, 1, CONCAT('seed-', a.id, '-', k.n), '[0, 1, 2]',"
            f" '[0]', 1, :now, :now FROM assessment_results a JOIN seq k ON k.n < {ANSWERS}",
        ]
        values = {
            "now": now,
            "course": course_id,
            "learners": learners,
            "samples": samples,
            "first": FIRST_ID,
            "question": first_question,
        }
        for statement in statements:
            await conn.execute(text(statement), values)
    await engine.dispose()
    assert course_id is not None
    return course_id


def _user(telegram_id: int) -> User:
    return User(id=telegram_id, is_bot=False, first_name=f"Learner {telegram_id - FIRST_ID}")


def modules_command(telegram_id: int, index: int) -> Update:
    chat = Chat(id=telegram_id, type="private")
    message = Message(message_id=index, date=datetime.now(UTC), chat=chat,
                      from_user=_user(telegram_id), text="/modules")  # fmt: skip
    return Update(update_id=index, message=message)


def check_button(telegram_id: int, index: int, course_id: int) -> Update:
    message = modules_command(telegram_id, index).message
    data = PlacementCb(action=PlacementAction.CHECK, course_id=course_id).pack()
    callback = CallbackQuery(id=str(index), from_user=_user(telegram_id), chat_instance="c",
                             message=message, data=data)  # fmt: skip
    return Update(update_id=index, callback_query=callback)


def answer(telegram_id: int, index: int, poll_id: str, option: int) -> Update:
    poll_answer = PollAnswer(
        poll_id=poll_id,
        option_ids=[option],
        option_persistent_ids=[str(option)],
        user=_user(telegram_id),
    )
    return Update(update_id=index, poll_answer=poll_answer)


class Timer:
    """Feeds updates, one kind of work at a time; seconds per update by kind."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, offline: OfflineSession) -> None:
        self.dispatcher, self.bot, self.offline = dispatcher, bot, offline
        self.times: dict[str, list[float]] = {}

    async def feed(self, kind: str, update: Update) -> SendPoll | None:
        """The update, timed; the quiz poll it sent, if any (with its id in `last_poll_id`)."""
        self.offline.calls.clear()
        self.offline.results.clear()
        token = current_kind.set(kind)
        try:
            started = time.perf_counter()
            await self.dispatcher.feed_update(self.bot, update)
            self.times.setdefault(kind, []).append(time.perf_counter() - started)
        finally:
            current_kind.reset(token)
        for call, result in zip(self.offline.calls, self.offline.results, strict=True):
            if isinstance(call, SendPoll):
                self.last_poll_id = result.poll.id
                return call
        return None


async def run(url: str, learners: int, samples: int) -> None:
    await upgrade_to_head(url)
    started = time.perf_counter()
    course_id = await seed(url, learners, samples)
    checks = learners - samples
    print(
        f"seeded {learners:,} learners, {checks:,} finished checks with"
        f" {checks * ANSWERS:,} answers in {time.perf_counter() - started:.1f} s"
    )
    engine = create_engine(url)
    counter = StatementCounter(engine)
    offline = OfflineSession()
    bot = build_bot("42:BENCH", session=offline)
    dispatcher = build_dispatcher(create_session_factory(engine), SystemClock())
    timer = Timer(dispatcher, bot, offline)
    index = 1
    for n in range(learners - samples, learners):
        telegram_id = FIRST_ID + n
        await timer.feed("/modules (baseline)", modules_command(telegram_id, index))
        poll = await timer.feed("check: start", check_button(telegram_id, index + 1, course_id))
        index += 2
        number = 1
        while poll is not None:
            assert poll.correct_option_ids is not None
            right = number <= 2  # the first module's questions
            option = poll.correct_option_ids[0] if right else (poll.correct_option_ids[0] + 1) % 3
            kind = "check: last answer (result)" if number == ANSWERS else "check: an answer"
            poll = await timer.feed(kind, answer(telegram_id, index, timer.last_poll_id, option))
            index += 1
            number += 1
    for kind, values in timer.times.items():
        values.sort()
        print(
            f"{kind}: p50 {1000 * percentile(values, 0.5):.1f} ms, p95"
            f" {1000 * percentile(values, 0.95):.1f} ms;"
            f" {counter.statements[kind] / len(values):.2f} statements and"
            f" {counter.commits[kind] / len(values):.2f} COMMITs per update,"
            f" over {len(values)} updates"
        )
    await engine.dispose()
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=200_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--mysql", help="server URL (default: BENCH_MYSQL_URL or root@127.0.0.1)")
    args = parser.parse_args()
    with throwaway_mysql(args.mysql) as url:
        asyncio.run(run(url, args.learners, args.samples))


if __name__ == "__main__":
    main()
