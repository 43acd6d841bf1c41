"""`learnbot demo`: chat with the real dispatcher and handlers in the terminal.

No token, no network: an offline Bot API session records what the bot sends and the
demo prints it. Buttons are numbered, and so are a quiz poll's options: type the
number to press or answer. Commands are typed as in Telegram (/learn, /modules…).
"""

from __future__ import annotations

import asyncio
import html
import itertools
import logging
import re
from datetime import UTC, datetime
from typing import Any

from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageText,
    SendDocument,
    SendMessage,
    SendPhoto,
    SendPoll,
    TelegramMethod,
)
from aiogram.types import (
    CallbackQuery,
    Chat,
    InlineKeyboardMarkup,
    Message,
    PollAnswer,
    Update,
    User,
)

from bot.entry.app import build_bot, build_dispatcher
from bot.entry.config import Settings
from bot.entry.offline import OfflineSession
from bot.entry.runner import prepare_database
from bot.rules.clock import SystemClock
from db.engine import create_session_factory, is_sqlite

DEMO_DATABASE = "sqlite+aiosqlite:///learnbot-demo.db"
DEMO_USER = User(id=1001, is_bot=False, first_name="Demo", language_code="en")
BOLD, DIM, RESET = "\033[1m", "\033[2m", "\033[0m"


def to_terminal(text: str) -> str:
    """Telegram HTML to terminal text: bold kept, other tags dropped, entities decoded."""
    text = re.sub(r"</?(b|strong)>", lambda m: RESET if m.group(0)[1] == "/" else BOLD, text)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


class Terminal:
    def __init__(self) -> None:
        self.buttons: list[tuple[str, str]] = []  # (label, callback data)
        self.button_message_id = 0
        self.poll: tuple[str, int] | None = None  # (poll id, option count)

    def show(self, method: TelegramMethod[Any], result: Any) -> None:
        if isinstance(method, SendMessage | EditMessageText):
            print(f"\n🤖 {to_terminal(method.text or '')}")
            self._keyboard(method.reply_markup, result)
        elif isinstance(method, SendPhoto):
            print(f"\n🖼  [photo {method.photo}]")
        elif isinstance(method, SendDocument):
            name = getattr(method.document, "filename", None) or method.document
            print(f"\n📎 [document {name}] {to_terminal(method.caption or '')}")
        elif isinstance(method, SendPoll):
            print(f"\n❓ {method.question}")
            for number, option in enumerate(method.options, start=1):
                text = option if isinstance(option, str) else option.text
                print(f"   {number}) {text}")
            poll = result.poll
            self.poll = (poll.id, len(method.options))
            print(f"{DIM}(type the number of your answer){RESET}")
        elif isinstance(method, AnswerCallbackQuery) and method.text:
            print(f"\n💬 {method.text}")

    def _keyboard(self, markup: Any, result: Any) -> None:
        if not isinstance(markup, InlineKeyboardMarkup):
            return
        self.buttons = [
            (button.text, button.callback_data or "")
            for row in markup.inline_keyboard
            for button in row
        ]
        self.button_message_id = result.message_id if isinstance(result, Message) else 0
        for number, (label, _data) in enumerate(self.buttons, start=1):
            print(f"   [{number}] {label}")


async def run_demo(settings: Settings) -> int:
    url = settings.database_url if is_sqlite(settings.database_url) else DEMO_DATABASE
    engine = await prepare_database(url, migrate=True)
    session = OfflineSession()
    terminal = Terminal()
    original = session.make_request

    async def make_request(bot: Any, method: Any, timeout: int | None = None) -> Any:
        result = await original(bot, method, timeout)
        terminal.show(method, result)
        return result

    session.make_request = make_request  # type: ignore[method-assign]
    bot = build_bot("42:DEMO", session=session)
    # The demo learner is an admin too, so /admin, /stats and the rest can be tried.
    dispatcher = build_dispatcher(
        create_session_factory(engine), SystemClock(), admin_ids={DEMO_USER.id}
    )
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    logging.getLogger("learnbot.updates").setLevel(logging.WARNING)
    print(f"{BOLD}LearnBot demo{RESET} — type /start, then numbers to press buttons. Ctrl-D quits.")
    update_ids = itertools.count(1)
    chat = Chat(id=DEMO_USER.id, type="private")
    try:
        while True:
            try:
                line = (await asyncio.to_thread(input, "\n> ")).strip()
            except EOFError:
                break
            if not line:
                continue
            update = _update(next(update_ids), line, terminal, chat)
            await dispatcher.feed_update(bot, update)
    finally:
        await engine.dispose()
    return 0


def _update(update_id: int, line: str, terminal: Terminal, chat: Chat) -> Update:
    now = datetime.now(UTC)
    if line.isdigit() and terminal.poll is not None and 1 <= int(line) <= terminal.poll[1]:
        poll_id, _count = terminal.poll
        terminal.poll = None
        answer = PollAnswer(
            poll_id=poll_id,
            option_ids=[int(line) - 1],
            option_persistent_ids=[str(int(line) - 1)],
            user=DEMO_USER,
        )
        return Update(update_id=update_id, poll_answer=answer)
    if line.isdigit() and 1 <= int(line) <= len(terminal.buttons):
        message = Message(
            message_id=terminal.button_message_id, date=now, chat=chat, from_user=DEMO_USER
        )
        callback = CallbackQuery(
            id=str(update_id),
            from_user=DEMO_USER,
            chat_instance="demo",
            message=message,
            data=terminal.buttons[int(line) - 1][1],
        )
        return Update(update_id=update_id, callback_query=callback)
    message = Message(
        message_id=10_000 + update_id, date=now, chat=chat, from_user=DEMO_USER, text=line
    )
    return Update(update_id=update_id, message=message)
