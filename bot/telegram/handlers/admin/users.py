"""/user: a learner found by Telegram id, @username or name (the matches of a name are
listed with their ids), their profile, progress reset (confirmed or cancelled), promote
and demote.

The role buttons follow the real role: an admin by ADMIN_IDS gets none (the chat cannot
demote them), a promoted admin gets Demote, a learner Promote.
"""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.admin import learners as admin_users
from bot.rules.course import CourseMap
from bot.telegram.callbacks import LearnerAction, LearnerCb
from bot.telegram.commands import admin_commands_for, learner_commands_for
from bot.telegram.reply import show
from bot.telegram.views import admin as view
from db.enums import UserRole
from db.models import User


def router() -> Router:
    router = Router(name="admin-users")
    router.message.register(show_learner, Command("user"))
    router.callback_query.register(open_profile, LearnerCb.filter(F.action == LearnerAction.SHOW))
    router.callback_query.register(ask_reset, LearnerCb.filter(F.action == LearnerAction.RESET))
    router.callback_query.register(
        do_reset, LearnerCb.filter(F.action == LearnerAction.RESET_CONFIRMED)
    )
    router.callback_query.register(
        keep_progress, LearnerCb.filter(F.action == LearnerAction.RESET_CANCELLED)
    )
    router.callback_query.register(
        change_role, LearnerCb.filter(F.action.in_({LearnerAction.PROMOTE, LearnerAction.DEMOTE}))
    )
    return router


async def show_learner(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    now: datetime,
    course: CourseMap,
    admin_ids: frozenset[int],
) -> None:
    query = admin_users.parse_learner_query(command.args or "")
    if query is None:
        await message.answer(view.usage())
        return
    if query.name is not None:
        matches = await admin_users.learners_named(session, query.name)
        if len(matches.learners) != 1:
            text = view.matches_text(query.name, matches)
            await message.answer(text, reply_markup=view.matches_keyboard(matches))
            return
        user: User | None = matches.learners[0]
    else:
        user = await admin_users.find_learner(session, query)
    if user is None:
        await message.answer(view.no_learner(command.args or ""))
        return
    found = await admin_users.profile(session, course, user, now, admin_ids)
    await message.answer(view.profile_text(found), reply_markup=view.profile_keyboard(found))


async def open_profile(
    callback: CallbackQuery,
    callback_data: LearnerCb,
    session: AsyncSession,
    now: datetime,
    course: CourseMap,
    admin_ids: frozenset[int],
) -> None:
    """A learner picked from the matches of a name: their profile, as a new message."""
    user = await target(session, callback, callback_data.user_id)
    if user is None:
        return
    found = await admin_users.profile(session, course, user, now, admin_ids)
    await callback.answer()
    await callback.bot.send_message(  # type: ignore[union-attr]
        callback.from_user.id, view.profile_text(found), reply_markup=view.profile_keyboard(found)
    )


async def target(session: AsyncSession, callback: CallbackQuery, user_id: int) -> User | None:
    user = await session.get(User, user_id)
    if user is None:
        await callback.answer(view.learner_gone(), show_alert=True)
    return user


async def ask_reset(
    callback: CallbackQuery, callback_data: LearnerCb, session: AsyncSession
) -> None:
    user = await target(session, callback, callback_data.user_id)
    if user is None:
        return
    await callback.answer()
    await callback.bot.send_message(  # type: ignore[union-attr]
        callback.from_user.id, view.reset_question(user), reply_markup=view.reset_keyboard(user)
    )


async def do_reset(
    callback: CallbackQuery,
    callback_data: LearnerCb,
    session: AsyncSession,
    admin: User,
    now: datetime,
) -> None:
    user = await target(session, callback, callback_data.user_id)
    if user is None:
        return
    await admin_users.reset_progress(session, admin, user, now)
    await callback.answer()
    await show(callback, view.progress_erased())


async def keep_progress(callback: CallbackQuery) -> None:
    await callback.answer()
    await show(callback, view.nothing_erased())


async def change_role(
    callback: CallbackQuery,
    callback_data: LearnerCb,
    session: AsyncSession,
    admin: User,
    now: datetime,
    bot: Bot,
    admin_ids: frozenset[int],
    course: CourseMap,
) -> None:
    user = await target(session, callback, callback_data.user_id)
    if user is None:
        return
    if user.telegram_id in admin_ids:
        await callback.answer(view.by_config(), show_alert=True)
        return
    role = UserRole.ADMIN if callback_data.action is LearnerAction.PROMOTE else UserRole.LEARNER
    changed = await admin_users.set_role(session, admin, user, role, now)
    if not changed:
        await callback.answer(view.nothing_to_change(), show_alert=True)
        return
    if role is UserRole.ADMIN:
        await admin_commands_for(bot, user.telegram_id)
    else:
        await learner_commands_for(bot, user.telegram_id)
    await callback.answer(view.role_changed(role), show_alert=True)
    found = await admin_users.profile(session, course, user, now, admin_ids)
    await show(callback, view.profile_text(found), view.profile_keyboard(found))
