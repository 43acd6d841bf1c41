"""Admin: the /admin menu, /audit, /user and /stats: texts and keyboards."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.rules.admin.learners import LearnerProfile, Matches
from bot.rules.admin.stats import CourseFigures, FunnelRow, Overview, Windows
from bot.rules.audit import AuditEntry
from bot.rules.learners import zone_of
from bot.telegram.callbacks import AdminAction, AdminCb, LearnerAction, LearnerCb
from bot.telegram.views.reach import AUDIENCES, audience_label, choice_of
from bot.telegram.zones import zone_name
from db.enums import UserRole
from db.models import User

# ---------------------------------------------------------------- /admin


def menu_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("📊 Stats and funnel"), callback_data=AdminCb(action=AdminAction.STATS))
    builder.button(text=_("📣 Broadcast"), callback_data=AdminCb(action=AdminAction.BROADCAST))
    builder.button(text=_("🧾 Audit log"), callback_data=AdminCb(action=AdminAction.AUDIT))
    builder.button(text=_("❓ Other commands"), callback_data=AdminCb(action=AdminAction.HELP))
    builder.adjust(2)
    return builder.as_markup()


def menu_text() -> str:
    return _(
        "<b>🛠 Admin</b>\n\n"
        "/stats — learners, activity and the lesson funnel\n"
        "/broadcast — message every learner (or some)\n"
        "/user &lt;id, @username or name&gt; — a learner's profile, reset, roles\n"
        "/content — every module and lesson: slugs, published, learners\n"
        "/publish &lt;slug&gt;, /unpublish &lt;slug&gt; — a module or lesson\n"
        "Send a course file or .zip — validate, preview, import\n"
        "/cohorts — classes: invite links, mentors, their numbers\n"
        "/audit — the latest admin actions\n"
        "/exportcsv — every learner's progress as a CSV file"
    )


# ---------------------------------------------------------------- /audit


def audit_text(entries: Sequence[AuditEntry], admin: User) -> str:
    """The latest admin actions, at the admin's local time, their details in words."""
    if not entries:
        return _("No admin actions yet.")
    zone = zone_of(admin)
    lines = [
        _("<b>🧾 Latest admin actions</b> · times in {zone}").format(
            zone=escape(zone_name(admin.time_zone))
        )
    ]
    for entry in entries:
        details = ", ".join(
            f"{key.replace('_', ' ')}: {detail_value(key, value)}"
            for key, value in entry.details.items()
        )
        who = escape(entry.admin_name or str(entry.admin_telegram_id))
        lines.append(
            f"{entry.at.astimezone(zone):%Y-%m-%d %H:%M} · {who} · <b>{escape(entry.action)}</b>"
            + (f" · {escape(details)}" if details else "")
        )
    return "\n".join(lines)


def detail_value(key: str, value: Any) -> str:
    """A detail of an admin action as a reader says it (raw; the caller escapes it)."""
    match value:
        case dict() if key == "audience" and value in AUDIENCES.values():
            return audience_label(choice_of(value))
        case dict():
            return ", ".join(f"{k} {v}" for k, v in value.items()) or "—"
        case bool():
            return _("yes") if value else _("no")
        case None:
            return "—"
        case list():
            return ", ".join(str(item) for item in value) or "—"
    return str(value)


# ---------------------------------------------------------------- /user


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
    builder.button(
        text=_("🎓 Mentor of…"),
        callback_data=LearnerCb(action=LearnerAction.MENTOR_OF, user_id=user.id),
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


def no_learner(query: str) -> str:
    return _("No learner {query}.").format(query=escape(query))


def matches_text(query: str, matches: Matches) -> str:
    """The learners a name matches, each with their Telegram id."""
    if not matches.learners:
        return no_learner(f"«{query}»")
    lines = [_("<b>Learners matching «{query}»:</b>").format(query=escape(query))]
    lines += [
        f"• {escape(full_name(user))}{at_username(user)} — <code>{user.telegram_id}</code>"
        for user in matches.learners
    ]
    if matches.more:
        lines.append(_("More learners match: type more of the name."))
    return "\n".join(lines)


def matches_keyboard(matches: Matches) -> InlineKeyboardMarkup | None:
    """A button to open each learner a name matches."""
    if not matches.learners:
        return None
    builder = InlineKeyboardBuilder()
    for user in matches.learners:
        builder.button(
            text=full_name(user),
            callback_data=LearnerCb(action=LearnerAction.SHOW, user_id=user.id),
        )
    builder.adjust(1)
    return builder.as_markup()


def usage() -> str:
    return _(
        "/user takes a learner's Telegram id, @username or name, e.g. "
        "<code>/user 123456789</code>, <code>/user @ada</code> or <code>/user Ada</code>."
    )


def learner_gone() -> str:
    return _("That learner no longer exists.")


def reset_question(user: User) -> str:
    return _(
        "Erase all progress, points, streaks and achievements of {name}? This cannot be undone."
    ).format(name=escape(user.first_name or str(user.telegram_id)))


def reset_keyboard(user: User) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Yes, erase their progress"),
        callback_data=LearnerCb(action=LearnerAction.RESET_CONFIRMED, user_id=user.id),
    )
    builder.button(
        text=_("✖ Cancel"),
        callback_data=LearnerCb(action=LearnerAction.RESET_CANCELLED, user_id=user.id),
    )
    return builder.as_markup()


def progress_erased() -> str:
    return _("Progress erased.")


def nothing_erased() -> str:
    return _("Nothing was erased.")


def nothing_to_change() -> str:
    return _("Nothing to change.")


def role_changed(role: UserRole) -> str:
    return _("Promoted to admin.") if role is UserRole.ADMIN else _("Demoted.")


def by_config() -> str:
    return _("This admin is set by ADMIN_IDS: change the configuration to demote them.")


# ---------------------------------------------------------------- /stats


def number(value: int) -> str:
    """Digits grouped by a narrow no-break space (1 234 567): right in English and Russian."""
    return f"{value:,}".replace(",", "\u202f")


def windows_text(windows: Windows) -> str:
    return _("1 day <b>{day}</b> · 7 days <b>{week}</b> · 30 days <b>{month}</b>").format(
        day=number(windows.day), week=number(windows.week), month=number(windows.month)
    )


def overview_text(figures: Overview) -> str:
    streak = "—" if figures.average_streak is None else f"{figures.average_streak:.1f}"
    return "\n".join(
        [
            _("<b>📊 Stats</b>"),
            "",
            _("👥 Learners: <b>{count}</b> (blocked the bot: {blocked})").format(
                count=number(figures.learners), blocked=number(figures.blocked)
            ),
            _("🆕 New: {windows}").format(windows=windows_text(figures.new)),
            _("🟢 Active: {windows}").format(windows=windows_text(figures.active)),
            _("✅ Lessons completed: <b>{count}</b>").format(
                count=number(figures.lessons_completed)
            ),
            _("🔥 Average current streak: <b>{days}</b> days").format(days=streak),
        ]
    )


def drop_text(drop: float | None) -> str:
    if drop is None:
        return ""
    percent = round(100 * drop)
    return f" (−{percent}%)" if percent >= 0 else f" (+{-percent}%)"


def courses_text(courses: list[CourseFigures]) -> str:
    """Each course's learners (journeys) and how many completed it."""
    lines = [_("<b>📚 Courses</b> · learners → completed")]
    for item in courses:
        hidden = "" if item.published else " 🙈"
        lines.append(
            f"{escape(item.title, quote=False)}{hidden}: "
            f"{number(item.learners)} → {number(item.completed)}"
        )
    return "\n".join(lines)


def funnel_text(rows: list[FunnelRow]) -> str:
    lines = [
        _("<b>📉 Lesson funnel</b>"),
        _("<i>started → finished (lost since the previous lesson)</i>"),
    ]
    if not rows:
        lines.append(_("No published lessons yet."))
    module_id = course_id = None
    several = len({row.course_id for row in rows}) > 1
    index = 0
    for row in rows:
        if several and row.course_id != course_id:  # each course's funnel on its own
            course_id, index = row.course_id, 0
            lines += ["", f"📘 <b>{escape(row.course_title, quote=False)}</b>"]
        index += 1
        if row.module_id != module_id:
            module_id = row.module_id
            lines += ["", f"<b>{escape(row.module_title, quote=False)}</b>"]
        title = escape(row.title, quote=False)
        lines.append(
            f"{index}. {title}: {number(row.started)} → {number(row.finished)}"
            + drop_text(row.drop)
        )
    return "\n".join(lines)
