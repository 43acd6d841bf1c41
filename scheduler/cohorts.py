"""The `cohort-boards` job: each Monday (UTC), post last week's board of every cohort to its
linked group, once.

On a Monday, the first run claims one delivery-ledger row per linked cohort for the week
(kind COHORT_BOARD; one INSERT … SELECT, a row already claimed skipped), in one transaction.
Each run then sends up to POST_BATCH of the claimed posts through the one sender; the boards
of a batch are read in one statement. A group that answers 403 (the bot was removed) is
unlinked at once and never retried. A group is no learner: nobody is marked blocked.
"""

from __future__ import annotations

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.observability.metrics import PUSHES_BY_KIND
from bot.rules.clock import Clock
from bot.rules.cohorts.boards import claim_weekly_posts, pending_posts, unlink_blocked
from bot.telegram.views import cohorts
from db.enums import DeliveryKind, DeliveryStatus
from scheduler.report import JobReport
from scheduler.sender import Outgoing, Sender

POST_BATCH = 2000  # about a minute and a half at Telegram's broadcast rate
NO_LEARNER = 0  # the sender's user id for a group: no users row has it, so none is blocked


async def run_cohort_boards(
    session_factory: async_sessionmaker[AsyncSession], sender: Sender, clock: Clock, i18n: I18n
) -> JobReport:
    now = clock.now()
    report = JobReport("cohort-boards")
    async with session_factory() as session:
        async with session.begin():
            report.due = await claim_weekly_posts(session, now)
        async with session.begin():
            posts = await pending_posts(session, now, POST_BATCH)
    with i18n.context(), i18n.use_locale(i18n.default_locale):
        messages = [
            Outgoing(
                post.chat_id,
                NO_LEARNER,
                cohorts.weekly_post(post.name, post.top, post.week_began),
                delivery_id=post.delivery_id,
            )
            for post in posts
        ]
    report.claimed = len(messages)
    outcomes = await sender.send_all(messages)
    if outcomes[DeliveryStatus.BLOCKED]:
        async with session_factory() as session, session.begin():
            await unlink_blocked(session, posts)
    report.outcomes = {status.name: count for status, count in outcomes.items()}
    PUSHES_BY_KIND.labels(kind=DeliveryKind.COHORT_BOARD.name.lower()).inc(
        outcomes[DeliveryStatus.SENT]
    )
    return report
