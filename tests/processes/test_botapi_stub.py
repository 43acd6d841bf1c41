"""tests.support.botapi_stub, driven by a real aiogram Bot over HTTP."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.filters import CommandStart
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputPollOption,
    Message,
    PollAnswer,
)

from tests.support.botapi_stub import BotAPIStub, Fault, RecordedCall, UploadedFile
from tests.support.processes import patience, spawn

TOKEN = "42:TEST-token"


@pytest.fixture(scope="module")
async def stub() -> AsyncIterator[BotAPIStub]:
    async with BotAPIStub() as server:
        yield server


@pytest.fixture(scope="module")
async def bot(stub: BotAPIStub) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(stub.base_url))
    client = Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))
    yield client
    await client.session.close()


@pytest.fixture(autouse=True)
def fresh_stub(stub: BotAPIStub) -> None:
    stub.reset()
    stub.max_poll_timeout = 1.0
    stub.token = None


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=label, callback_data=f"cb:{label}")] for label in labels
        ]
    )


# --------------------------------------------------------------------------- basics


async def test_get_me(bot: Bot, stub: BotAPIStub) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.first_name, me.username) == (
        4242,
        True,
        "LearnBot",
        "learnbot_test_bot",
    )
    [call] = stub.calls
    assert (call.method, call.token, call.status, call.params) == ("getMe", TOKEN, 200, {})


async def test_send_message_with_inline_keyboard(bot: Bot, stub: BotAPIStub) -> None:
    sent = await bot.send_message(1001, "<b>Hello</b> &amp; welcome", reply_markup=keyboard("Go"))
    assert isinstance(sent, Message)
    assert sent.message_id == 1
    assert sent.chat.id == 1001
    assert sent.chat.type == "private"
    assert sent.from_user is not None
    assert sent.from_user.id == 4242
    assert sent.text == "<b>Hello</b> &amp; welcome"
    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "cb:Go"

    [params] = stub.calls_of("sendMessage")
    assert params["chat_id"] == 1001  # form values decoded: ints, JSON objects
    assert params["parse_mode"] == "HTML"
    assert params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Go", "callback_data": "cb:Go"}]]
    }
    # message ids increase per chat
    assert (await bot.send_message(1001, "second")).message_id == 2
    assert (await bot.send_message(2002, "other chat")).message_id == 1
    assert [m["text"] for m in stub.chat_history(1001)] == [
        "<b>Hello</b> &amp; welcome",
        "second",
    ]


async def test_send_quiz_poll(bot: Bot, stub: BotAPIStub) -> None:
    sent = await bot.send_poll(
        1001,
        question="What does git init do?",
        options=[InputPollOption(text="Creates a repository"), "Deletes one", "Nothing"],
        type="quiz",
        is_anonymous=False,
        correct_option_ids=[0],
        explanation="It <b>creates</b> .git",
    )
    assert sent.poll is not None
    poll = sent.poll
    assert poll.id == "poll-1"
    assert poll.type == "quiz"
    assert poll.is_anonymous is False
    assert poll.is_closed is False
    assert poll.correct_option_ids == [0]
    assert poll.explanation == "It <b>creates</b> .git"
    assert [(o.text, o.voter_count) for o in poll.options] == [
        ("Creates a repository", 0),
        ("Deletes one", 0),
        ("Nothing", 0),
    ]
    [params] = stub.calls_of("sendPoll")
    assert params["correct_option_ids"] == [0]
    assert params["is_anonymous"] is False
    assert params["options"][1] == "Deletes one"

    second = await bot.send_poll(1001, question="Q2", options=["a", "b"])
    assert second.poll is not None
    assert second.poll.id == "poll-2"
    assert second.poll.type == "regular"
    assert second.poll.is_anonymous is True  # Telegram's default

    stopped = await bot.stop_poll(1001, sent.message_id)
    assert stopped.id == "poll-1"
    assert stopped.is_closed is True
    with pytest.raises(TelegramBadRequest, match="already been closed"):
        await bot.stop_poll(1001, sent.message_id)


async def test_poll_limits_are_enforced(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="correct option"):
        await bot.send_poll(1, question="Q", options=["a", "b"], type="quiz")
    with pytest.raises(TelegramBadRequest, match="poll question is too long"):
        await bot.send_poll(1, question="x" * 301, options=["a", "b"])
    with pytest.raises(TelegramBadRequest, match="explanation is too long"):
        await bot.send_poll(
            1,
            question="Q",
            options=["a", "b"],
            type="quiz",
            correct_option_ids=[1],
            explanation="<i>" + "e" * 201 + "</i>",
        )


async def test_edits(bot: Bot, stub: BotAPIStub) -> None:
    sent = await bot.send_message(7, "Question?", reply_markup=keyboard("A", "B"))
    edited = await bot.edit_message_text(
        "Answered", chat_id=7, message_id=sent.message_id, reply_markup=keyboard("Next")
    )
    assert isinstance(edited, Message)
    assert edited.text == "Answered"
    assert edited.edit_date is not None
    assert edited.reply_markup is not None
    assert edited.reply_markup.inline_keyboard[0][0].text == "Next"

    again = await bot.edit_message_reply_markup(chat_id=7, message_id=sent.message_id)
    assert isinstance(again, Message)
    assert again.reply_markup is None
    stored = stub.message(7, sent.message_id)
    assert stored is not None
    assert stored["text"] == "Answered"
    assert "reply_markup" not in stored

    assert await bot.edit_message_text("inline", inline_message_id="abc") is True
    # a message the stub never saw (sent before it started) can still be edited
    unknown = await bot.edit_message_text("late", chat_id=7, message_id=99)
    assert isinstance(unknown, Message)
    assert unknown.message_id == 99


async def test_other_methods(bot: Bot, stub: BotAPIStub) -> None:
    assert await bot.set_my_commands([BotCommand(command="start", description="Start")])
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == []
    assert await bot.send_chat_action(5, "typing")
    assert await bot.answer_callback_query("123", text="ok")
    assert await bot.delete_message(5, 1)
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count) == ("", 0)
    assert await bot.log_out()  # any other method: true
    assert [c.method for c in stub.calls][-1] == "logOut"
    assert all(isinstance(c.at, float) for c in stub.calls)
    assert [c.at for c in stub.calls] == sorted(c.at for c in stub.calls)


async def test_send_photo_multipart(bot: Bot, stub: BotAPIStub) -> None:
    photo = BufferedInputFile(b"\x89PNG fake image bytes", filename="diagram.png")
    sent = await bot.send_photo(9, photo, caption="A <i>diagram</i>")
    assert sent.photo is not None
    assert sent.photo[0].file_id.startswith("photo-")
    assert sent.caption == "A <i>diagram</i>"
    [params] = stub.calls_of("sendPhoto")
    assert params["photo"].startswith("attach://")
    uploads = [v for v in params.values() if isinstance(v, UploadedFile)]
    assert [(u.filename, u.size) for u in uploads] == [("diagram.png", 21)]
    again = await bot.send_photo(9, sent.photo[0].file_id)
    assert again.photo is not None
    assert again.photo[0].file_id == sent.photo[0].file_id


async def test_text_limits_and_html_parsed_as_telegram_does(bot: Bot, stub: BotAPIStub) -> None:
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(1, "<b> </b>")
    await bot.send_message(1, "😀" * 4096)  # Telegram counts code points: 8,192 UTF-16 units
    with pytest.raises(TelegramBadRequest, match="message text is too long"):
        await bot.send_message(1, "😀" * 4097)
    await bot.send_message(1, "<b>" + "x" * 4096 + "</b>")  # tags do not count
    with pytest.raises(TelegramBadRequest, match=r"can't parse entities: .*start tag \"p\""):
        await bot.send_message(1, "a <p> b")
    await bot.send_message(1, "<b>fine</b>")
    assert len(stub.calls_of("sendMessage", ok=True)) == 3
    assert len(stub.calls_of("sendMessage", ok=False)) == 3


async def test_raw_json_and_get_requests(stub: BotAPIStub) -> None:
    async with aiohttp.ClientSession() as http:
        url = f"{stub.base_url}/bot{TOKEN}"
        async with http.post(f"{url}/sendMessage", json={"chat_id": 3, "text": "[1, 2]"}) as r:
            body = await r.json()
        assert body["ok"] is True
        assert body["result"]["text"] == "[1, 2]"
        async with http.get(f"{url}/getMe") as r:
            assert (await r.json())["result"]["id"] == 4242
        async with http.post(
            f"{url}/sendMessage", data={"chat_id": "3", "text": "true", "reply_markup": "{}"}
        ) as r:
            assert r.status == 200
    params = stub.calls_of("sendMessage")
    assert params[0] == {"chat_id": 3, "text": "[1, 2]"}
    assert params[1] == {"chat_id": 3, "text": "true", "reply_markup": {}}


# --------------------------------------------------------------------------- updates


async def test_get_updates_parses_pushed_updates(bot: Bot, stub: BotAPIStub) -> None:
    quiz = await bot.send_poll(
        555,
        question="Q",
        options=["a", "b"],
        type="quiz",
        correct_option_ids=[1],
        is_anonymous=False,
    )
    assert quiz.poll is not None
    await bot.send_message(555, "Pick one", reply_markup=keyboard("A"))
    pushed = [
        stub.push_update(
            stub.make_message_update(555, "/start deep", first_name="Ann", language_code="de")
        ),
        stub.push_update(stub.make_callback_update(555, "cb:A")),
        stub.push_update(stub.make_poll_answer_update(555, quiz.poll.id, [1])),
    ]
    assert [u["update_id"] for u in pushed] == [1, 2, 3]

    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [1, 2, 3]

    message = updates[0].message
    assert isinstance(message, Message)
    assert message.text == "/start deep"
    assert message.from_user is not None
    assert (message.from_user.first_name, message.from_user.language_code) == ("Ann", "de")
    assert message.chat.id == 555
    assert message.message_id == 3  # after the two bot messages in that chat
    assert message.entities is not None
    assert message.entities[0].type == "bot_command"

    callback = updates[1].callback_query
    assert isinstance(callback, CallbackQuery)
    assert callback.data == "cb:A"
    assert callback.from_user.id == 555
    assert isinstance(callback.message, Message)  # the stored bot message, with its keyboard
    assert callback.message.message_id == 2
    assert callback.message.text == "Pick one"
    assert callback.message.reply_markup is not None

    answer = updates[2].poll_answer
    assert isinstance(answer, PollAnswer)
    assert answer.poll_id == quiz.poll.id
    assert answer.option_ids == [1]
    assert answer.option_persistent_ids == ["1"]
    assert answer.user is not None
    assert answer.user.id == 555


async def test_offset_confirms_updates(bot: Bot, stub: BotAPIStub) -> None:
    for n in range(5):
        stub.push_update(stub.make_message_update(1, f"m{n}"))
    first = await bot.get_updates(limit=2, timeout=0)
    assert [u.update_id for u in first] == [1, 2]
    assert stub.confirmed_offset == 0
    second = await bot.get_updates(offset=3, timeout=0)
    assert [u.update_id for u in second] == [3, 4, 5]
    assert stub.confirmed_offset == 3
    assert await bot.get_updates(offset=6, timeout=0) == []
    assert stub.confirmed_offset == 6
    assert stub.pending_updates == []
    # explicit update ids are kept; new ones continue after the highest
    stub.push_update({"update_id": 100, **stub.make_message_update(1, "x")})
    assert stub.push_update(stub.make_message_update(1, "y"))["update_id"] == 101


async def test_long_poll_returns_when_an_update_arrives(bot: Bot, stub: BotAPIStub) -> None:
    stub.max_poll_timeout = 30.0
    started = time.monotonic()
    polling = asyncio.create_task(bot.get_updates(timeout=25))
    await stub.wait_polling(timeout=patience(20))
    stub.push_update(stub.make_message_update(1, "wake up"))
    updates = await asyncio.wait_for(polling, patience(20))
    assert [u.message.text for u in updates if u.message] == ["wake up"]
    assert time.monotonic() - started < 25  # woken by the update, not by the poll's end


async def test_reset_releases_parked_polls(bot: Bot, stub: BotAPIStub) -> None:
    stub.max_poll_timeout = 30.0
    polling = asyncio.create_task(bot.get_updates(timeout=25))
    await stub.wait_polling(timeout=patience(20))
    stub.reset()
    assert await asyncio.wait_for(polling, patience(20)) == []
    assert stub.calls == []  # the old request is not recorded after the reset


async def test_long_poll_timeout_is_capped(bot: Bot, stub: BotAPIStub) -> None:
    stub.max_poll_timeout = 0.05
    started = time.monotonic()
    assert await bot.get_updates(timeout=30) == []
    assert time.monotonic() - started < 30  # the cap ended the poll, not its own timeout
    [call] = stub.calls_of("getUpdates")
    assert call["timeout"] == 30


async def test_allowed_updates_filter(bot: Bot, stub: BotAPIStub) -> None:
    stub.push_update(stub.make_message_update(1, "hi"))
    stub.push_update(stub.make_poll_answer_update(1, "poll-9", [0]))
    updates = await bot.get_updates(timeout=0, allowed_updates=["poll_answer"])
    assert [u.poll_answer is not None for u in updates] == [True]


async def test_webhook_blocks_get_updates(bot: Bot, stub: BotAPIStub) -> None:
    stub.push_update(stub.make_message_update(1, "pending"))
    assert await bot.set_webhook("https://example.com/hook")
    assert (await bot.get_webhook_info()).url == "https://example.com/hook"
    with pytest.raises(TelegramConflictError):
        await bot.get_updates(timeout=0)
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates(timeout=0) == []


async def test_dispatcher_polling_end_to_end(stub: BotAPIStub) -> None:
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer(f"Hi, {message.from_user.first_name if message.from_user else ''}!")

    session = AiohttpSession(api=TelegramAPIServer.from_base(stub.base_url))
    polling_bot = Bot(TOKEN, session=session)
    task = asyncio.create_task(
        dp.start_polling(polling_bot, handle_signals=False, polling_timeout=10)
    )
    try:
        await stub.wait_polling(timeout=patience(20))
        stub.push_update(stub.make_message_update(77, "/start", first_name="Bea"))
        call = await stub.wait_for(
            lambda c: c.method == "sendMessage" and c.chat_id == 77, timeout=patience(20)
        )
        assert call.params["text"] == "Hi, Bea!"
        await stub.wait_until(lambda: stub.confirmed_offset == 2, timeout=patience(20))
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(task, patience(20))


# --------------------------------------------------------------------------- waiting


async def test_wait_for_is_event_driven(bot: Bot, stub: BotAPIStub) -> None:
    waiter = asyncio.create_task(
        stub.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == 8)
    )
    await bot.send_message(7, "not this one")
    await bot.send_message(8, "this one")
    call = await asyncio.wait_for(waiter, patience(20))
    assert isinstance(call, RecordedCall)
    assert call.params["text"] == "this one"
    # calls recorded earlier count, a method name works as the predicate
    assert (await stub.wait_for("sendMessage")).params["text"] == "not this one"
    assert (await stub.wait_for("sendMessage", start=1)).params["text"] == "this one"
    with pytest.raises(TimeoutError, match="last calls: sendMessage"):
        await stub.wait_for("sendPoll", timeout=0.05)


async def test_wait_for_count(bot: Bot, stub: BotAPIStub) -> None:
    waiter = asyncio.create_task(stub.wait_for_count("sendMessage", 3))
    for n in range(3):
        await bot.send_message(n + 1, f"n{n}")
    assert [p["text"] for p in await asyncio.wait_for(waiter, 5)] == ["n0", "n1", "n2"]


# --------------------------------------------------------------------------- faults


async def test_429_is_retry_after(bot: Bot, stub: BotAPIStub) -> None:
    stub.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(1, "hi")
    assert caught.value.retry_after == 7
    assert "Too Many Requests: retry after 7" in str(caught.value)
    failed = stub.calls[-1]
    assert failed.status == 429
    assert failed.response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    sent = await bot.send_message(1, "hi")  # the fault was used up
    assert sent.message_id == 1  # the failed call did not use a message id


async def test_403_is_forbidden(bot: Bot, stub: BotAPIStub) -> None:
    stub.fail_next("sendMessage", times=2, status=403)
    for _ in range(2):
        with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
            await bot.send_message(1, "hi")
    await bot.send_message(1, "hi")


async def test_500_is_server_error(bot: Bot, stub: BotAPIStub) -> None:
    stub.fail_next("*", status=500)
    with pytest.raises(TelegramServerError):
        await bot.get_me()


async def test_dropped_connection_is_network_error(bot: Bot, stub: BotAPIStub) -> None:
    stub.fail_next("sendMessage", drop_connection=True)
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(1, "hi")
    assert stub.calls[-1].status is None
    assert (await bot.send_message(1, "again")).text == "again"


async def test_faults_per_chat(bot: Bot, stub: BotAPIStub) -> None:
    stub.fail_next("sendMessage", status=403, chat_id=13)
    await bot.send_message(12, "not affected")
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(13, "blocked")

    stub.fault_hook = lambda method, params: (
        Fault.blocked() if params.get("chat_id") in {20, 21} else None
    )
    for chat in (20, 21):
        with pytest.raises(TelegramForbiddenError):
            await bot.send_message(chat, "x")
    await bot.send_message(22, "x")
    stub.fault_hook = lambda method, params: Fault.too_many_requests(3)
    with pytest.raises(TelegramRetryAfter):
        await bot.send_poll(22, question="Q", options=["a", "b"])


async def test_slow_answers(bot: Bot, stub: BotAPIStub) -> None:
    stub.fault_hook = lambda method, params: Fault.slow(0.05) if method == "getMe" else None
    started = time.monotonic()
    assert (await bot.get_me()).id == 4242
    assert time.monotonic() - started >= 0.05
    stub.fail_next("sendMessage", status=500, delay=0.05)
    with pytest.raises(TelegramServerError):
        await bot.send_message(1, "x")
    assert time.monotonic() - started >= 0.1


async def test_wrong_token_is_unauthorized(bot: Bot, stub: BotAPIStub) -> None:
    stub.token = "1:other"
    with pytest.raises(TelegramUnauthorizedError):
        await bot.get_me()


# --------------------------------------------------------------------------- standalone


async def test_standalone_process() -> None:
    process = await spawn(
        sys.executable, "-m", "tests.support.botapi_stub", "--port", "0", env=dict(os.environ)
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), patience(60))
        base_url = line.decode().strip()
        assert base_url.startswith("http://127.0.0.1:")
        async with aiohttp.ClientSession() as http:
            async with http.post(
                f"{base_url}/_stub/updates", json={"message": {"message_id": 1}}
            ) as r:
                assert (await r.json())["update_ids"] == [1]
            async with http.post(f"{base_url}/bot{TOKEN}/getUpdates", data={"timeout": "0"}) as r:
                assert [u["update_id"] for u in (await r.json())["result"]] == [1]
            async with http.get(f"{base_url}/_stub/calls?method=getUpdates") as r:
                calls = (await r.json())["calls"]
                assert [c["params"] for c in calls] == [{"timeout": 0}]
    finally:
        process.terminate()
        assert await asyncio.wait_for(process.wait(), patience(30)) == 0
