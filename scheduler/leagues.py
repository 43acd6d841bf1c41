"""The league-week job: place this week's new earners, close a finished week once, and
send the result messages claimed at the close through the one sender.

Closing a week and claiming its messages happen in one transaction, so a crash either
closed the week with every message claimed or did nothing; the messages go out in
batches (`RESULT_BATCH` per run), so a week of many learners is sent over a few runs.
"""

from __future__ import annotations

from datetime import timedelta

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.observability.metrics import PUSHES_BY_KIND
from bot.rules.clock import Clock
from bot.rules.learners import learner_locale
from bot.rules.motivation.leagues import (
    WEEK,
    close_week,
    pending_results,
    place_newcomers,
    week_start_of,
    weeks_to_close,
)
from bot.telegram.views import motivation
from db.enums import DeliveryKind, DeliveryStatus
from scheduler.report import JobReport
from scheduler.sender import Outgoing, Sender

RESULT_BATCH = 2000  # about a minute of sending at Telegram's broadcast rate
LAST_SECOND = timedelta(seconds=1)


async def run_league_week(
    session_factory: async_sessionmaker[AsyncSession], sender: Sender, clock: Clock, i18n: I18n
) -> JobReport:
    now = clock.now()
    report = JobReport("league-week")
    async with session_factory() as session:
        async with session.begin():
            for week in await weeks_to_close(session, now):
                # Earners of the week's last minutes, before the job saw them, still count.
                await place_newcomers(session, week_start_of(week) + WEEK - LAST_SECOND)
                report.due += int(await close_week(session, week, now))
        async with session.begin():
            await place_newcomers(session, now)
        async with session.begin():
            results = await pending_results(session, RESULT_BATCH)
            messages = []
            for result in results:
                user = result.user
                locale = learner_locale(
                    (user.language, user.language_code), i18n.available_locales, i18n.default_locale
                )
                with i18n.context(), i18n.use_locale(locale):
                    text = motivation.league_result(result.place, result.tier, result.new_tier)
                messages.append(
                    Outgoing(user.telegram_id, user.id, text, delivery_id=result.delivery_id)
                )
    report.claimed = len(messages)
    outcomes = await sender.send_all(messages)
    report.outcomes = {status.name: count for status, count in outcomes.items()}
    PUSHES_BY_KIND.labels(kind=DeliveryKind.LEAGUE_RESULT.name.lower()).inc(
        outcomes[DeliveryStatus.SENT]
    )
    return report
