"""/broadcast: compose (text, or a photo with a caption), preview, pick the audience, send.

The conversation is an FSM with one state (waiting for the message). From the preview on,
every button carries the broadcast's id and the database holds the truth, so the buttons
keep working after a restart, and a stale one gets a polite alert. Delivery itself is the
scheduler's `broadcasts` job; it keeps the progress message posted here up to date. The
admin filter sits on the parent admin router.
"""

from __future__ import annotations

import math
from enum import StrEnum
from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InaccessibleMessage, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.keyboards import AdminCb
from bot.services import broadcasts
from bot.services.broadcasts import BroadcastInvalid, Tally
from bot.services.clock import Clock
from db.enums import BroadcastStatus
from db.models import Broadcast, User

MAX_PROBLEMS_SHOWN = 10


class BroadcastForm(StatesGroup):
    message = State()  # waiting for the text or photo to broadcast


class Action(StrEnum):
    AUDIENCE = "a"
    SEND = "s"
    DROP = "x"
    STOP = "t"


class Choice(StrEnum):
    ALL = "all"
    RUSSIAN = "ru"
    ENGLISH = "en"
    INACTIVE = "i7"


AUDIENCES: dict[Choice, dict[str, Any]] = {
    Choice.ALL: {},
    Choice.RUSSIAN: {"language": "ru"},
    Choice.ENGLISH: {"language": "en"},
    Choice.INACTIVE: {"inactive_days": 7},
}


class BroadcastCb(CallbackData, prefix="bc"):
    """Buttons of the preview and of the progress message (e.g. "bc:a:12:ru")."""

    action: Action
    broadcast_id: int
    audience: Choice = Choice.ALL


def router() -> Router:
    router = Router(name="admin-broadcast")
    router.message.register(ask_for_message, Command("broadcast"))
    router.callback_query.register(ask_for_message_from_menu,
                                   AdminCb.filter(F.action == "broadcast"))  # fmt: skip
    router.message.register(stop_composing, BroadcastForm.message, Command("cancel"))
    router.message.register(
        message_received, BroadcastForm.message, F.text | F.photo, ~F.text.startswith("/")
    )
    router.callback_query.register(audience_chosen, BroadcastCb.filter(F.action == Action.AUDIENCE))
    router.callback_query.register(send_pressed, BroadcastCb.filter(F.action == Action.SEND))
    router.callback_query.register(drop_pressed, BroadcastCb.filter(F.action == Action.DROP))
    router.callback_query.register(stop_pressed, BroadcastCb.filter(F.action == Action.STOP))
    return router


# --------------------------------------------------------------------------- texts


def ask_text() -> str:
    return _(
        "📣 Send me the message for the learners: text, or a photo with a caption. "
        "Formatting is kept as you write it.\n\n/cancel to stop."
    )


def audience_label(choice: Choice) -> str:
    return {
        Choice.ALL: _("All learners"),
        Choice.RUSSIAN: _("Russian speakers"),
        Choice.ENGLISH: _("English speakers"),
        Choice.INACTIVE: _("Inactive 7 days"),
    }[choice]


def preview_text(choice: Choice, count: int) -> str:
    return _(
        "👆 This is how learners will see it.\n\n"
        "Recipients: <b>{count}</b> ({audience}).\n"
        "Pick who gets it, then press Send."
    ).format(count=count, audience=audience_label(choice))


def eta_text(seconds: float | None) -> str:
    if seconds is None:
        return _("calculating…")
    if seconds < 60:
        return _("less than a minute")
    minutes = math.ceil(seconds / 60)
    if minutes < 90:
        return _("about {minutes} min").format(minutes=minutes)
    return _("about {hours} h {minutes} min").format(hours=minutes // 60, minutes=minutes % 60)


def progress_text(
    broadcast_id: int, counts: Tally, status: BroadcastStatus, eta: float | None = None
) -> str:
    """The progress message: live while sending, then the final report that stays."""
    if status is BroadcastStatus.DONE:
        title = _("<b>📣 Broadcast #{id}</b> · done ✅")
    elif status is BroadcastStatus.CANCELLED:
        title = _("<b>📣 Broadcast #{id}</b> · stopped ⏹")
    else:
        title = _("<b>📣 Broadcast #{id}</b> · sending…")
    lines = [
        title.format(id=broadcast_id),
        _("✅ Sent: {count}").format(count=counts.sent),
        _("🚫 Blocked: {count}").format(count=counts.blocked),
        _("⚠️ Failed: {count}").format(count=counts.failed),
    ]
    if status is BroadcastStatus.SENDING:
        lines.append(_("⏳ Left: {left} of {total} · {eta}").format(
            left=counts.left, total=counts.total, eta=eta_text(eta)))  # fmt: skip
    elif status is BroadcastStatus.CANCELLED:
        lines.append(_("⏹ Not sent: {count}").format(count=counts.left))
    else:
        lines.append(_("Recipients: {total}").format(total=counts.total))
    return "\n".join(lines)


# --------------------------------------------------------------------------- keyboards


def preview_keyboard(broadcast_id: int, chosen: Choice, count: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for choice in Choice:
        mark = "● " if choice is chosen else ""
        builder.button(text=mark + audience_label(choice), callback_data=BroadcastCb(
            action=Action.AUDIENCE, broadcast_id=broadcast_id, audience=choice))  # fmt: skip
    send = BroadcastCb(action=Action.SEND, broadcast_id=broadcast_id)
    builder.button(text=_("✅ Send to {count}").format(count=count), callback_data=send)
    drop = BroadcastCb(action=Action.DROP, broadcast_id=broadcast_id)
    builder.button(text=_("✖ Cancel"), callback_data=drop)
    builder.adjust(2, 2, 2)
    return builder.as_markup()


def progress_keyboard(broadcast_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    stop = BroadcastCb(action=Action.STOP, broadcast_id=broadcast_id)
    builder.button(text=_("⏹ Stop"), callback_data=stop)
    return builder.as_markup()


def choice_of(audience: dict[str, Any]) -> Choice:
    return next((choice for choice, value in AUDIENCES.items() if value == audience), Choice.ALL)


# --------------------------------------------------------------------------- compose


async def ask_for_message(message: Message, state: FSMContext) -> None:
    await state.set_state(BroadcastForm.message)
    await message.answer(ask_text())


async def ask_for_message_from_menu(callback: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(BroadcastForm.message)
    await callback.answer()
    await callback.bot.send_message(callback.from_user.id, ask_text())  # type: ignore[union-attr]


async def stop_composing(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(_("Broadcast cancelled: nothing was sent."))


async def message_received(
    message: Message, state: FSMContext, session: AsyncSession, learner: User, clock: Clock
) -> None:
    """The admin's message, exactly as written (Telegram HTML): show it and the audience."""
    photo = message.photo[-1].file_id if message.photo else None
    try:
        broadcast = await broadcasts.create(session, learner, message.html_text, photo, {},
                                            clock.now())  # fmt: skip
    except BroadcastInvalid as exc:
        problems = "\n".join(f"• {escape(p)}" for p in exc.problems[:MAX_PROBLEMS_SHOWN])
        await message.answer(_("I can't send that:\n{problems}\n\nSend another message, "
                               "or /cancel.").format(problems=problems))  # fmt: skip
        return
    await state.clear()
    if photo is not None:
        await message.answer_photo(photo, caption=broadcast.text or None)
    else:
        await message.answer(broadcast.text)
    count = await broadcasts.count_audience(session, {}, clock.now())
    markup = preview_keyboard(broadcast.id, Choice.ALL, count)
    await message.answer(preview_text(Choice.ALL, count), reply_markup=markup)


async def audience_chosen(
    callback: CallbackQuery, callback_data: BroadcastCb, session: AsyncSession, clock: Clock
) -> None:
    choice = callback_data.audience
    broadcast = await broadcasts.choose_audience(
        session, callback_data.broadcast_id, AUDIENCES[choice]
    )
    if broadcast is None:
        await callback.answer(not_a_draft(), show_alert=True)
        return
    count = await broadcasts.count_audience(session, broadcast.audience, clock.now())
    await callback.answer()
    await edit(callback, preview_text(choice, count),
               preview_keyboard(broadcast.id, choice, count))  # fmt: skip


async def send_pressed(
    callback: CallbackQuery,
    callback_data: BroadcastCb,
    session: AsyncSession,
    learner: User,
    clock: Clock,
) -> None:
    """Start it: the preview's own message becomes the progress message."""
    message = callback.message
    draft = await session.get(Broadcast, callback_data.broadcast_id)
    if draft is None or draft.status is not BroadcastStatus.DRAFT:
        await callback.answer(not_a_draft(), show_alert=True)
        return
    if message is None or isinstance(message, InaccessibleMessage):
        await callback.answer(_("This preview is too old: send /broadcast again."),
                              show_alert=True)  # fmt: skip
        return
    if not await broadcasts.count_audience(session, draft.audience, clock.now()):
        await callback.answer(_("Nobody is in this audience: pick another one."), show_alert=True)
        return
    started = await broadcasts.start(session, draft.id, message.chat.id, message.message_id,
                                     clock.now(), admin=learner)  # fmt: skip
    if started is None:
        await callback.answer(not_a_draft(), show_alert=True)
        return
    await callback.answer(_("Sending has started."))
    counts = Tally(total=started.total)
    await message.edit_text(progress_text(started.id, counts, BroadcastStatus.SENDING),
                            reply_markup=progress_keyboard(started.id))  # fmt: skip


async def drop_pressed(
    callback: CallbackQuery,
    callback_data: BroadcastCb,
    session: AsyncSession,
    learner: User,
    clock: Clock,
) -> None:
    draft = await session.get(Broadcast, callback_data.broadcast_id)
    if draft is None or draft.status is not BroadcastStatus.DRAFT:
        await callback.answer(not_a_draft(), show_alert=True)
        return
    await broadcasts.cancel(session, draft.id, clock.now(), admin=learner)
    await callback.answer()
    await edit(callback, _("Broadcast cancelled: nothing was sent."), None)


async def stop_pressed(
    callback: CallbackQuery,
    callback_data: BroadcastCb,
    session: AsyncSession,
    learner: User,
    clock: Clock,
) -> None:
    """Cancel a broadcast being sent; the job stops at its next check and keeps the report."""
    stopped = await broadcasts.cancel(session, callback_data.broadcast_id, clock.now(),
                                      admin=learner)  # fmt: skip
    if stopped is None:
        await callback.answer(_("This broadcast has already finished."), show_alert=True)
        return
    counts = await broadcasts.tally(session, stopped)
    await callback.answer(_("Stopped."))
    await edit(callback, progress_text(stopped.id, counts, BroadcastStatus.CANCELLED), None)


def not_a_draft() -> str:
    return _("This broadcast has already been sent or cancelled.")


async def edit(callback: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    message = callback.message
    if message is None or isinstance(message, InaccessibleMessage):
        await callback.bot.send_message(callback.from_user.id, text, reply_markup=markup)  # type: ignore[union-attr]
    else:
        await message.edit_text(text, reply_markup=markup)
