"""/user: a learner found by Telegram id, @username or name (the matches of a name are
listed with their ids), their profile, progress reset (confirmed or cancelled), promote
and demote.

The role buttons follow the real role: an admin by ADMIN_IDS gets none (the chat cannot
demote them), a promoted admin gets Demote, a learner Promote.
"""

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
from bot.telegram.reply import show
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


def full_name(user: User) -> str:
    """First and last name, raw (the caller escapes it)."""
    return " ".join(part for part in (user.first_name, user.last_name) if part) or "—"


def at_username(user: User) -> str:
    return f" @{escape(user.username)}" if user.username else ""


def profile_text(found: LearnerProfile) -> str:
    user, view = found.user, found.progress
    lines = [
        f"<b>👤 {escape(full_name(user))}</b>" + at_username(user),
        _("Telegram id: <code>{id}</code> · role: {role}").format(
            id=user.telegram_id, role=role_name(found)
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
            seen=f"{found.last_seen:%Y-%m-%d %H:%M} UTC" if found.last_seen else "—"
        ),
        _("Blocked the bot: {when}").format(
            when=f"{user.blocked_at:%Y-%m-%d}" if user.blocked_at else _("no")
        ),
    ]
    lines += [f"• {escape(m.title)}: {m.done}/{m.total}" for m in view.modules]
    return "\n".join(lines)


def role_name(found: LearnerProfile) -> str:
    if found.admin_by_config:
        return _("admin by ADMIN_IDS (cannot be demoted from the chat)")
    return _("admin") if found.is_admin else _("learner")


def profile_keyboard(found: LearnerProfile) -> InlineKeyboardMarkup:
    user = found.user
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("♻️ Reset progress"),
        callback_data=LearnerCb(action=LearnerAction.RESET, user_id=user.id),
    )
    if found.admin_by_config:
        return builder.as_markup()  # only the configuration can change this role
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
    query = admin_users.parse_learner_query(command.args or "")
    if query is None:
        await message.answer(usage())
        return
    if query.name is not None:
        matches = await admin_users.learners_named(session, query.name)
        if len(matches.learners) != 1:
            await answer_matches(message, query.name, matches)
            return
        user: User | None = matches.learners[0]
    else:
        user = await admin_users.find_learner(session, query)
    if user is None:
        await message.answer(no_learner(command.args or ""))
        return
    found = await admin_users.profile(session, course, user, now, admin_ids)
    await message.answer(profile_text(found), reply_markup=profile_keyboard(found))


def no_learner(query: str) -> str:
    return _("No learner {query}.").format(query=escape(query))


async def answer_matches(message: Message, query: str, matches: admin_users.Matches) -> None:
    """The learners a name matches, each with their Telegram id and a button to open."""
    if not matches.learners:
        await message.answer(no_learner(f"«{query}»"))
        return
    lines = [_("<b>Learners matching «{query}»:</b>").format(query=escape(query))]
    builder = InlineKeyboardBuilder()
    for user in matches.learners:
        lines.append(
            f"• {escape(full_name(user))}{at_username(user)} — <code>{user.telegram_id}</code>"
        )
        builder.button(
            text=full_name(user),
            callback_data=LearnerCb(action=LearnerAction.SHOW, user_id=user.id),
        )
    builder.adjust(1)
    if matches.more:
        lines.append(_("More learners match: type more of the name."))
    await message.answer("\n".join(lines), reply_markup=builder.as_markup())


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
        callback.from_user.id, profile_text(found), reply_markup=profile_keyboard(found)
    )


def usage() -> str:
    return _(
        "/user takes a learner's Telegram id, @username or name, e.g. "
        "<code>/user 123456789</code>, <code>/user @ada</code> or <code>/user Ada</code>."
    )


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
    builder.button(
        text=_("✖ Cancel"),
        callback_data=LearnerCb(action=LearnerAction.RESET_CANCELLED, user_id=user.id),
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
    await callback.answer()
    await show(callback, _("Progress erased."))


async def keep_progress(callback: CallbackQuery) -> None:
    await callback.answer()
    await show(callback, _("Nothing was erased."))


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
        await callback.answer(by_config(), show_alert=True)
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
        await learner_commands_for(bot, user.telegram_id)
        text = _("Demoted.")
    await callback.answer(text, show_alert=True)
    found = await admin_users.profile(session, course, user, now, admin_ids)
    await show(callback, profile_text(found), profile_keyboard(found))


def by_config() -> str:
    return _("This admin is set by ADMIN_IDS: change the configuration to demote them.")
