"""/broadcast: compose (text, or a photo with a caption), preview, pick the audience,
confirm with the recipient count ("Send to 1,234 learners?"), send.

The conversation is an FSM with one state (waiting for the message). From the preview on,
every button carries the broadcast's id and the database holds the truth, so the buttons
keep working after a restart, and a stale one gets a polite alert. Delivery itself is the
scheduler's `broadcasts` job; it keeps the progress message posted here up to date. The
admin filter sits on the parent admin router.
"""

from __future__ import annotations

from datetime import datetime

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InaccessibleMessage, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.reach import broadcasts
from bot.rules.reach.broadcasts import BroadcastInvalid, Tally
from bot.telegram.callbacks import (
    AdminAction,
    AdminCb,
    AudienceChoice,
    BroadcastAction,
    BroadcastCb,
)
from bot.telegram.reply import show
from bot.telegram.views import reach as view
from bot.telegram.views.reach import (
    AUDIENCES,
    ask_text,
    choice_of,
    confirm_keyboard,
    confirm_text,
    preview_keyboard,
    preview_text,
    progress_keyboard,
    progress_text,
)
from db.enums import BroadcastStatus
from db.models import Broadcast, User


class BroadcastForm(StatesGroup):
    message = State()  # waiting for the text or photo to broadcast


def router() -> Router:
    router = Router(name="admin-broadcast")
    router.message.register(ask_for_message, Command("broadcast"))
    router.callback_query.register(
        ask_for_message_from_menu, AdminCb.filter(F.action == AdminAction.BROADCAST)
    )
    router.message.register(stop_composing, BroadcastForm.message, Command("cancel"))
    router.message.register(
        message_received, BroadcastForm.message, F.text | F.photo, ~F.text.startswith("/")
    )
    router.callback_query.register(
        audience_chosen, BroadcastCb.filter(F.action == BroadcastAction.AUDIENCE)
    )
    router.callback_query.register(
        send_pressed, BroadcastCb.filter(F.action == BroadcastAction.SEND)
    )
    router.callback_query.register(
        send_confirmed, BroadcastCb.filter(F.action == BroadcastAction.CONFIRM)
    )
    router.callback_query.register(
        drop_pressed, BroadcastCb.filter(F.action == BroadcastAction.DROP)
    )
    router.callback_query.register(
        stop_pressed, BroadcastCb.filter(F.action == BroadcastAction.STOP)
    )
    return router


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
    await message.answer(view.cancelled())


async def message_received(
    message: Message, state: FSMContext, session: AsyncSession, admin: User, now: datetime
) -> None:
    """The admin's message, exactly as written (Telegram HTML): show it and the audience."""
    photo = message.photo[-1].file_id if message.photo else None
    try:
        broadcast = await broadcasts.create(session, admin, message.html_text, photo, {}, now)
    except BroadcastInvalid as exc:
        await message.answer(view.cannot_send(exc.problems))
        return
    await state.clear()
    if photo is not None:
        await message.answer_photo(photo, caption=broadcast.text or None)
    else:
        await message.answer(broadcast.text)
    count = await broadcasts.count_audience(session, {}, now)
    markup = preview_keyboard(broadcast.id, AudienceChoice.ALL, count)
    await message.answer(preview_text(AudienceChoice.ALL, count), reply_markup=markup)


async def audience_chosen(
    callback: CallbackQuery, callback_data: BroadcastCb, session: AsyncSession, now: datetime
) -> None:
    choice = callback_data.audience
    broadcast = await broadcasts.choose_audience(
        session, callback_data.broadcast_id, AUDIENCES[choice]
    )
    if broadcast is None:
        await callback.answer(view.not_a_draft(), show_alert=True)
        return
    count = await broadcasts.count_audience(session, broadcast.audience, now)
    await callback.answer()
    await show(callback, preview_text(choice, count), preview_keyboard(broadcast.id, choice, count))


async def send_pressed(
    callback: CallbackQuery, callback_data: BroadcastCb, session: AsyncSession, now: datetime
) -> None:
    """Ask first, with the number of learners who would get it."""
    draft = await draft_or_refuse(callback, session, callback_data.broadcast_id)
    if draft is None:
        return
    count = await broadcasts.count_audience(session, draft.audience, now)
    if not count:
        await callback.answer(view.nobody(), show_alert=True)
        return
    choice = choice_of(draft.audience)
    await callback.answer()
    await show(callback, confirm_text(choice, count), confirm_keyboard(draft.id, choice))


async def send_confirmed(
    callback: CallbackQuery,
    callback_data: BroadcastCb,
    session: AsyncSession,
    admin: User,
    now: datetime,
) -> None:
    """Start it: the preview's own message becomes the progress message."""
    message = callback.message
    draft = await draft_or_refuse(callback, session, callback_data.broadcast_id)
    if draft is None:
        return
    if message is None or isinstance(message, InaccessibleMessage):
        await callback.answer(view.preview_too_old(), show_alert=True)
        return
    if not await broadcasts.count_audience(session, draft.audience, now):
        await callback.answer(view.nobody(), show_alert=True)
        return
    started = await broadcasts.start(
        session, draft.id, message.chat.id, message.message_id, now, admin=admin
    )
    if started is None:
        await callback.answer(view.not_a_draft(), show_alert=True)
        return
    await callback.answer(view.sending_started())
    counts = Tally(total=started.total)
    await message.edit_text(
        progress_text(started.id, counts, BroadcastStatus.SENDING),
        reply_markup=progress_keyboard(started.id),
    )


async def drop_pressed(
    callback: CallbackQuery,
    callback_data: BroadcastCb,
    session: AsyncSession,
    admin: User,
    now: datetime,
) -> None:
    draft = await draft_or_refuse(callback, session, callback_data.broadcast_id)
    if draft is None:
        return
    await broadcasts.cancel(session, draft.id, now, admin=admin)
    await callback.answer()
    await show(callback, view.cancelled(), None)


async def stop_pressed(
    callback: CallbackQuery,
    callback_data: BroadcastCb,
    session: AsyncSession,
    admin: User,
    now: datetime,
) -> None:
    """Cancel a broadcast being sent; the job stops at its next check and keeps the report."""
    stopped = await broadcasts.cancel(session, callback_data.broadcast_id, now, admin=admin)
    if stopped is None:
        await callback.answer(view.already_finished(), show_alert=True)
        return
    counts = await broadcasts.tally(session, stopped)
    await callback.answer(view.stopped())
    await show(callback, progress_text(stopped.id, counts, BroadcastStatus.CANCELLED), None)


async def draft_or_refuse(
    callback: CallbackQuery, session: AsyncSession, broadcast_id: int
) -> Broadcast | None:
    """The broadcast if it is still a draft; else the admin is told, and None."""
    draft = await session.get(Broadcast, broadcast_id)
    if draft is None or draft.status is not BroadcastStatus.DRAFT:
        await callback.answer(view.not_a_draft(), show_alert=True)
        return None
    return draft
