"""/privacy, /export and /deleteme: what is kept, a copy of it, and erasing it."""

from __future__ import annotations

from datetime import datetime

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.data_export import export_json, learner_export
from bot.rules.learners import is_admin
from bot.rules.privacy import Erased, Refusal, erase_learner
from bot.telegram import reply, texts_privacy
from bot.telegram.callbacks import DeleteMeAction, DeleteMeCb
from db.models import User


def router() -> Router:
    router = Router(name="privacy")
    router.message.register(show_privacy, Command("privacy"))
    router.message.register(export_my_data, Command("export"))
    router.message.register(ask_delete, Command("deleteme"))
    router.callback_query.register(erase, DeleteMeCb.filter(F.action == DeleteMeAction.ERASE))
    router.callback_query.register(keep, DeleteMeCb.filter(F.action == DeleteMeAction.KEEP))
    return router


async def show_privacy(message: Message) -> None:
    await message.answer(texts_privacy.privacy())


async def export_my_data(
    message: Message, session: AsyncSession, learner: User, now: datetime
) -> None:
    document = export_json(await learner_export(session, learner, now))
    await message.answer_document(
        BufferedInputFile(document, filename=texts_privacy.export_filename()),
        caption=texts_privacy.export_caption(),
    )


def delete_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=texts_privacy.delete_yes(), callback_data=DeleteMeCb(action=DeleteMeAction.ERASE)
    )
    builder.button(
        text=texts_privacy.delete_no(), callback_data=DeleteMeCb(action=DeleteMeAction.KEEP)
    )
    builder.adjust(1)
    return builder.as_markup()


async def ask_delete(message: Message, learner: User, admin_ids: frozenset[int]) -> None:
    if is_admin(learner, admin_ids):  # refused before anything destructive is offered
        await message.answer(texts_privacy.admin_refused())
        return
    await message.answer(texts_privacy.confirm_delete(), reply_markup=delete_keyboard())


async def erase(
    callback: CallbackQuery,
    session: AsyncSession,
    learner: User,
    admin_ids: frozenset[int],
    state: FSMContext,
) -> None:
    # The rows go first: a deadlock may then re-run the update, as nothing was sent yet.
    erased = await erase_learner(session, learner, admin_ids)
    await callback.answer()
    match erased:
        case Refusal.IS_ADMIN:
            await reply.show(callback, texts_privacy.admin_refused())
        case Erased():
            await state.clear()
            await reply.show(callback, texts_privacy.deleted())


async def keep(callback: CallbackQuery) -> None:
    await callback.answer()
    await reply.show(callback, texts_privacy.kept())
