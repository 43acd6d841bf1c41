"""/review: due review cards as native quiz polls, one at a time, then a summary."""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message, PollAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.course import CourseMap
from bot.rules.learning.pause import end_pause
from bot.rules.review.sessions import (
    NothingDue,
    ReviewTurn,
    answer_review_poll,
    record_review_poll,
    start_review,
)
from bot.telegram.callbacks import ReviewCb
from bot.telegram.filters import IsReviewPoll
from bot.telegram.polls import send_quiz_poll
from bot.telegram.reply import acknowledge
from bot.telegram.views import learning, review
from db.models import User


def router() -> Router:
    router = Router(name="review")
    router.message.register(begin, Command("review"))
    router.callback_query.register(begin, ReviewCb.filter())
    router.poll_answer.register(review_answered, IsReviewPoll())
    return router


async def begin(
    event: Message | CallbackQuery, learner: User, session: AsyncSession, now: datetime, bot: Bot
) -> None:
    """/review and the review button: the next card of the open session, or a new one."""
    await acknowledge(event)
    outcome = await start_review(session, learner, now)
    match outcome:
        case NothingDue():
            await bot.send_message(
                learner.telegram_id, review.nothing_due(outcome, learner.time_zone)
            )
        case ReviewTurn():
            if learner.paused_until is not None:  # a review ends a pause
                await end_pause(session, learner, now)
            if outcome.number == 1:
                await bot.send_message(learner.telegram_id, review.review_intro(outcome.total))
            await ask(bot, session, learner, outcome, now)


async def review_answered(
    poll_answer: PollAnswer,
    learner: User,
    session: AsyncSession,
    now: datetime,
    course: CourseMap,
    bot: Bot,
) -> None:
    outcome = await answer_review_poll(
        session, course, learner, poll_answer.poll_id, poll_answer.option_ids, now
    )
    if outcome.turn is not None:
        await ask(bot, session, learner, outcome.turn, now)
    elif outcome.summary is not None:
        for chunk in learning.missed_questions(outcome.summary.missed):
            await bot.send_message(learner.telegram_id, chunk)
        await bot.send_message(
            learner.telegram_id, review.review_summary(outcome.summary, learner.time_zone)
        )


async def ask(
    bot: Bot, session: AsyncSession, learner: User, turn: ReviewTurn, now: datetime
) -> None:
    """Send the card as a quiz poll with its options in the session's shuffled order."""
    counter = f"🔁 {turn.number}/{turn.total}"
    poll_id = await send_quiz_poll(
        bot, learner.telegram_id, turn.question, turn.order, counter=counter
    )
    record_review_poll(session, learner, turn, poll_id, now)
