"""The `reviews-waiting` job: once a day, each reviewer with work waiting over 48 hours
hears how much, once (a delivery-ledger row per reviewer and UTC date, kind
REVIEWS_WAITING; a claimed note not yet sent is sent by the next run)."""

from __future__ import annotations

from collections.abc import Collection

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.observability.metrics import PUSHES_BY_KIND
from bot.rules.assignments.waiting import claim_notes
from bot.rules.clock import Clock
from bot.rules.learners import learner_locale
from bot.telegram.views import assignments
from db.enums import DeliveryKind, DeliveryStatus
from scheduler.report import JobReport
from scheduler.sender import Outgoing, Sender


async def run_reviews_waiting(
    session_factory: async_sessionmaker[AsyncSession],
    sender: Sender,
    clock: Clock,
    i18n: I18n,
    admin_ids: Collection[int],
) -> JobReport:
    now = clock.now()
    report = JobReport("reviews-waiting")
    async with session_factory() as session, session.begin():
        notes = await claim_notes(session, now, admin_ids)
    messages = []
    for note in notes:
        locale = learner_locale((note.language,), i18n.available_locales, i18n.default_locale)
        with i18n.context(), i18n.use_locale(locale):
            text = assignments.reminder_text(note.count)
        messages.append(
            Outgoing(note.telegram_id, note.user_id, text, delivery_id=note.delivery_id)
        )
    report.due = report.claimed = len(messages)
    outcomes = await sender.send_all(messages)
    report.outcomes = {status.name: count for status, count in outcomes.items()}
    PUSHES_BY_KIND.labels(kind=DeliveryKind.REVIEWS_WAITING.name.lower()).inc(
        outcomes[DeliveryStatus.SENT]
    )
    return report
