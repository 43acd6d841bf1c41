"""/review: due review cards as native quiz polls, one at a time, then a summary."""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InputPollOption, Message, PollAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.review_sessions import (
    NothingDue,
    ReviewTurn,
    answer_review_poll,
    record_review_poll,
    start_review,
)
from bot.telegram import texts_quiz, texts_review
from bot.telegram.callbacks import ReviewCb
from bot.telegram.filters import IsReviewPoll
from bot.telegram.lessons import POLL_QUESTION_LIMIT
from db.models import User


def router() -> Router:
    router = Router(name="review")
    router.message.register(review_command, Command("review"))
    router.callback_query.register(review_pressed, ReviewCb.filter())
    router.poll_answer.register(review_answered, IsReviewPoll())
    return router


async def review_command(
    message: Message, learner: User, session: AsyncSession, now: datetime, bot: Bot
) -> None:
    await begin(bot, session, learner, now)


async def review_pressed(
    callback: CallbackQuery, learner: User, session: AsyncSession, now: datetime, bot: Bot
) -> None:
    await callback.answer()
    await begin(bot, session, learner, now)


async def begin(bot: Bot, session: AsyncSession, learner: User, now: datetime) -> None:
    outcome = await start_review(session, learner, now)
    match outcome:
        case NothingDue():
            await bot.send_message(
                learner.telegram_id, texts_review.nothing_due(outcome, learner.time_zone)
            )
        case ReviewTurn():
            if outcome.number == 1:
                await bot.send_message(
                    learner.telegram_id, texts_review.review_intro(outcome.total)
                )
            await ask(bot, session, learner, outcome, now)


async def review_answered(
    poll_answer: PollAnswer, learner: User, session: AsyncSession, now: datetime, bot: Bot
) -> None:
    outcome = await answer_review_poll(
        session, learner, poll_answer.poll_id, poll_answer.option_ids, now
    )
    if outcome.turn is not None:
        await ask(bot, session, learner, outcome.turn, now)
    elif outcome.summary is not None:
        for chunk in texts_quiz.missed_questions(outcome.summary.missed):
            await bot.send_message(learner.telegram_id, chunk)
        await bot.send_message(
            learner.telegram_id, texts_review.review_summary(outcome.summary, learner.time_zone)
        )


async def ask(
    bot: Bot, session: AsyncSession, learner: User, turn: ReviewTurn, now: datetime
) -> None:
    """Send the card as a quiz poll with its options in the session's shuffled order."""
    question = turn.question
    prefix = f"🔁 {turn.number}/{turn.total} · "
    title = question.question
    if len(prefix) + len(title) <= POLL_QUESTION_LIMIT:
        title = prefix + title
    correct = turn.correct_positions
    sent = await bot.send_poll(
        learner.telegram_id,
        question=title,
        options=[InputPollOption(text=option, text_parse_mode=None) for option in turn.options],
        type="quiz",
        is_anonymous=False,
        correct_option_ids=correct,
        allows_multiple_answers=len(correct) > 1,
        explanation=question.explanation,
        explanation_parse_mode=None,
        question_parse_mode=None,
    )
    assert sent.poll is not None
    record_review_poll(session, learner, turn, sent.poll.id, now)
