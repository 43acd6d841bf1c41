"""/user: a learner's profile, progress reset (confirmed), promote and demote."""

from __future__ import annotations

from datetime import datetime
from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules import admin_users
from bot.rules.admin_users import LearnerProfile
from bot.rules.course import CourseMap
from bot.telegram.callbacks import LearnerAction, LearnerCb
from bot.telegram.commands import admin_commands_for, learner_commands_for
from db.enums import UserRole
from db.models import User


def router() -> Router:
    router = Router(name="admin-users")
    router.message.register(show_learner, Command("user"))
    router.callback_query.register(ask_reset, LearnerCb.filter(F.action == LearnerAction.RESET))
    router.callback_query.register(
        do_reset, LearnerCb.filter(F.action == LearnerAction.RESET_CONFIRMED)
    )
    router.callback_query.register(
        change_role, LearnerCb.filter(F.action.in_({LearnerAction.PROMOTE, LearnerAction.DEMOTE}))
    )
    return router


def profile_text(found: LearnerProfile) -> str:
    user, view = found.user, found.progress
    name = " ".join(part for part in (user.first_name, user.last_name) if part) or "—"
    lines = [
        f"<b>👤 {escape(name)}</b>" + (f" @{escape(user.username)}" if user.username else ""),
        _("Telegram id: <code>{id}</code> · role: {role}").format(
            id=user.telegram_id, role=_("admin") if found.is_admin else _("learner")
        ),
        _("Level {level} · {points} points · streak {streak} (longest {longest})").format(
            level=view.level,
            points=view.points,
            streak=view.current_streak,
            longest=view.longest_streak,
        ),
        _("Lessons done: {done} · achievements: {achievements} · rank: {rank}").format(
            done=view.lessons_done, achievements=found.achievements, rank=view.rank or "—"
        ),
        _("Last seen: {seen}").format(
            seen=f"{user.last_seen_at:%Y-%m-%d %H:%M} UTC" if user.last_seen_at else "—"
        ),
        _("Blocked the bot: {when}").format(
            when=f"{user.blocked_at:%Y-%m-%d}" if user.blocked_at else _("no")
        ),
    ]
    lines += [f"• {escape(m.title)}: {m.done}/{m.total}" for m in view.modules]
    return "\n".join(lines)


def profile_keyboard(user: User) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("♻️ Reset progress"),
        callback_data=LearnerCb(action=LearnerAction.RESET, user_id=user.id),
    )
    if user.role is UserRole.ADMIN:
        builder.button(
            text=_("⬇️ Demote"),
            callback_data=LearnerCb(action=LearnerAction.DEMOTE, user_id=user.id),
        )
    else:
        builder.button(
            text=_("⬆️ Promote to admin"),
            callback_data=LearnerCb(action=LearnerAction.PROMOTE, user_id=user.id),
        )
    return builder.as_markup()


async def show_learner(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    now: datetime,
    course: CourseMap,
    admin_ids: frozenset[int],
) -> None:
    if not command.args:
        await message.answer(_("Usage: /user &lt;telegram id or @username&gt;"))
        return
    user = await admin_users.find_learner(session, command.args)
    if user is None:
        await message.answer(_("No learner {query}.").format(query=escape(command.args)))
        return
    found = await admin_users.profile(session, course, user, now, admin_ids)
    await message.answer(profile_text(found), reply_markup=profile_keyboard(user))


async def target(session: AsyncSession, callback: CallbackQuery, user_id: int) -> User | None:
    user = await session.get(User, user_id)
    if user is None:
        await callback.answer(_("That learner no longer exists."), show_alert=True)
    return user


async def ask_reset(
    callback: CallbackQuery, callback_data: LearnerCb, session: AsyncSession
) -> None:
    user = await target(session, callback, callback_data.user_id)
    if user is None:
        return
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Yes, erase their progress"),
        callback_data=LearnerCb(action=LearnerAction.RESET_CONFIRMED, user_id=user.id),
    )
    await callback.answer()
    await callback.bot.send_message(  # type: ignore[union-attr]
        callback.from_user.id,
        _(
            "Erase all progress, points, streaks and achievements of {name}? This cannot be undone."
        ).format(name=escape(user.first_name or str(user.telegram_id))),
        reply_markup=builder.as_markup(),
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
    await callback.answer(_("Progress erased."), show_alert=True)


async def change_role(
    callback: CallbackQuery,
    callback_data: LearnerCb,
    session: AsyncSession,
    admin: User,
    now: datetime,
    bot: Bot,
    admin_ids: frozenset[int],
) -> None:
    user = await target(session, callback, callback_data.user_id)
    if user is None:
        return
    role = UserRole.ADMIN if callback_data.action is LearnerAction.PROMOTE else UserRole.LEARNER
    changed = await admin_users.set_role(session, admin, user, role, now)
    if not changed:
        await callback.answer(_("Nothing to change."), show_alert=True)
        return
    if role is UserRole.ADMIN:
        await admin_commands_for(bot, user.telegram_id)
        text = _("Promoted to admin.")
    else:
        if user.telegram_id not in admin_ids:
            await learner_commands_for(bot, user.telegram_id)
        text = (
            _("Demoted.")
            if user.telegram_id not in admin_ids
            else _("Demoted, but still an admin through ADMIN_IDS.")
        )
    await callback.answer(text, show_alert=True)
