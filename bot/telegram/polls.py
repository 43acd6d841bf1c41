"""A question as a native quiz poll: the one way, for lesson quizzes, reviews and the demo."""

from __future__ import annotations

from aiogram import Bot
from aiogram.methods import SendPoll
from aiogram.types import InputPollOption

from bot.rules.course import QuestionInfo
from bot.rules.shuffle import shown_positions

POLL_QUESTION_LIMIT = 300


def quiz_poll(
    chat_id: int, question: QuestionInfo, order: tuple[int, ...], *, counter: str
) -> SendPoll:
    """`question` as a quiz poll, its options in `order` (position i shows the course's
    option ``order[i]``) with the right answers marked where they stand in that order;
    `counter` ("2/5") goes before the question when the whole fits Telegram's limit."""
    title = question.question
    if len(counter) + 3 + len(title) <= POLL_QUESTION_LIMIT:
        title = f"{counter} · {title}"
    correct = shown_positions(order, question.correct_option_ids)
    return SendPoll(
        chat_id=chat_id,
        question=title,
        options=[
            InputPollOption(text=question.options[index], text_parse_mode=None) for index in order
        ],
        type="quiz",
        is_anonymous=False,
        correct_option_ids=correct,
        allows_multiple_answers=len(correct) > 1,
        explanation=question.explanation,
        explanation_parse_mode=None,
        question_parse_mode=None,
    )


async def send_quiz_poll(
    bot: Bot, chat_id: int, question: QuestionInfo, order: tuple[int, ...], *, counter: str
) -> str:
    """Send the poll `quiz_poll` builds; returns Telegram's poll id."""
    sent = await bot(quiz_poll(chat_id, question, order, counter=counter))
    assert sent.poll is not None
    return sent.poll.id
