"""One way to answer a button: edit the message it sits on, else send a new one; and one
way for a handler that serves a command and a button alike to acknowledge either."""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InaccessibleMessage, InlineKeyboardMarkup, Message

NOT_MODIFIED = "message is not modified"


async def acknowledge(event: Message | CallbackQuery) -> None:
    """A pressed button is answered (once, first, so Telegram stops its spinner); a command
    needs nothing."""
    if isinstance(event, CallbackQuery):
        await event.answer()


async def show(
    callback: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Show ``text`` in place of the message whose button was pressed.

    When that message can no longer be edited (too old, deleted, or not accessible to the
    bot), the text is sent as a new message instead, so the learner always sees the answer.
    It never answers the callback itself: the handler does that exactly once, first.
    """
    message = callback.message
    if message is not None and not isinstance(message, InaccessibleMessage):
        try:
            await message.edit_text(text, reply_markup=markup)
            return
        except TelegramBadRequest as exc:
            if NOT_MODIFIED in str(exc):
                return
    bot = callback.bot
    if bot is None:
        raise RuntimeError("a callback query without a bot cannot be answered")
    await bot.send_message(callback.from_user.id, text, reply_markup=markup)
