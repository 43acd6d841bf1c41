"""Cohorts: the admins' /cohorts, a learner's invite and /cohort, a mentor's views, the
cohort's board and what is said in a linked group: texts and keyboards.

Names (of cohorts and of learners) are the users' own text: always escaped here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.rules.cohorts.membership import PAGE, CohortPage, Mentored, MyCohort, Person
from bot.rules.cohorts.roster import CohortStats, FunnelStep, MemberDetail, MemberRow
from bot.rules.motivation.leaderboard import Board, Entry
from bot.telegram.callbacks import (
    BoardCb,
    BoardTab,
    BroadcastAction,
    BroadcastCb,
    CohortAction,
    CohortAdminAction,
    CohortAdminCb,
    CohortBoardCb,
    CohortCb,
    LearnerAction,
    LearnerCb,
    MentorAction,
    MentorCb,
)
from bot.telegram.views.reach import grouped
from db.models import Cohort

ROSTER_PAGE = 10  # members per page of a mentor's roster
MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}


def cohort_name(name: str) -> str:
    return f"«{escape(name)}»"


def person(first_name: str | None) -> str:
    return escape(first_name) if first_name else _("a learner")


def invite_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start=join-{code}"


# --------------------------------------------------------------------------- admins


def cohorts_text(found: CohortPage) -> str:
    if not found.total:
        return _("<b>🎓 Cohorts</b>\n\nNo cohorts yet. Create the first one.")
    lines = [_("<b>🎓 Cohorts</b>"), ""]
    if found.total > len(found.cohorts):
        first = found.page * PAGE + 1
        lines[0] += " · " + _("{first}–{last} of {total}, newest first").format(
            first=first, last=first + len(found.cohorts) - 1, total=grouped(found.total)
        )
    for cohort in found.cohorts:
        lock = "" if cohort.joining_open else " 🔒"
        members = ngettext("{count} member", "{count} members", cohort.members).format(
            count=grouped(cohort.members)
        )
        lines.append(f"• {escape(cohort.name)} — {members}{lock}")
    return "\n".join(lines)


def cohorts_keyboard(found: CohortPage) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for cohort in found.cohorts:
        builder.button(
            text=f"{cohort.name} · {cohort.members}",
            callback_data=CohortAdminCb(action=CohortAdminAction.CARD, cohort_id=cohort.id),
        )
    nav = _page_buttons(builder, found, CohortAdminAction.LIST)
    builder.button(
        text=_("➕ New cohort"), callback_data=CohortAdminCb(action=CohortAdminAction.NEW)
    )
    builder.adjust(*([1] * len(found.cohorts)), *([nav] if nav else []), 1)
    return builder.as_markup()


def _page_buttons(
    builder: InlineKeyboardBuilder, found: CohortPage, action: CohortAdminAction, user_id: int = 0
) -> int:
    """◀️ and ▶️ between pages of cohorts; how many were added."""
    added = 0
    for shown, label, page in (
        (found.page > 0, "◀️", found.page - 1),
        (found.has_next, "▶️", found.page + 1),
    ):
        if shown:
            target = CohortAdminCb(action=action, user_id=user_id, page=page)
            builder.button(text=label, callback_data=target)
            added += 1
    return added


def ask_name() -> str:
    return _("Send the new cohort's name (up to 100 characters), or /cancel.")


def bad_name() -> str:
    return _("A cohort's name has 1 to 100 characters. Send another, or /cancel.")


def cancelled() -> str:
    return _("Cancelled: no cohort was created.")


def card_text(
    cohort: Cohort,
    link: str,
    mentors: Sequence[Person],
    stats: CohortStats,
    course: str | None = None,
) -> str:
    joining = _("open") if cohort.joining_open else _("closed 🔒")
    course_line = _("Course: {title}").format(title=escape(course) if course else _("none"))
    names = ", ".join(person(mentor.first_name) for mentor in mentors) or _("none yet")
    group = _("linked") if cohort.group_chat_id is not None else _("not linked")
    return "\n".join(
        [
            f"<b>🎓 {escape(cohort.name)}</b>",
            "",
            _("Invite link: {link}").format(link=escape(link)),
            _("Joining: {state}").format(state=joining),
            course_line,
            _("Mentors: {names}").format(names=names),
            _("Group chat: {state}").format(state=group),
            "",
            _("Members: {members} · active in the last 7 days: {active}").format(
                members=grouped(stats.members), active=grouped(stats.active_week)
            ),
            _("Lessons done: {done} · average streak: {streak:.1f}").format(
                done=grouped(stats.lessons_done), streak=stats.average_streak
            ),
            "",
            _("Add a mentor: /user → 🎓 Mentor of…"),
        ]
    )


def card_keyboard(cohort: Cohort, mentors: Sequence[Person]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("🔄 New invite code"),
        callback_data=CohortAdminCb(action=CohortAdminAction.ROTATE, cohort_id=cohort.id),
    )
    if cohort.joining_open:
        toggle = CohortAdminCb(action=CohortAdminAction.CLOSE, cohort_id=cohort.id)
        builder.button(text=_("🔒 Close joining"), callback_data=toggle)
    else:
        toggle = CohortAdminCb(action=CohortAdminAction.OPEN, cohort_id=cohort.id)
        builder.button(text=_("🔓 Open joining"), callback_data=toggle)
    courses = CohortAdminCb(action=CohortAdminAction.COURSES, cohort_id=cohort.id)
    builder.button(text=_("📚 Course joining starts"), callback_data=courses)
    for mentor in mentors:
        remove = CohortAdminCb(
            action=CohortAdminAction.REMOVE_MENTOR, cohort_id=cohort.id, user_id=mentor.user_id
        )
        builder.button(
            text=_("✖️ Remove mentor {name}").format(name=mentor.first_name or mentor.user_id),
            callback_data=remove,
        )
    builder.button(
        text=_("◀️ All cohorts"), callback_data=CohortAdminCb(action=CohortAdminAction.LIST)
    )
    builder.adjust(1)
    return builder.as_markup()


def course_choice(cohort_id: int, courses: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for course_id, title in courses:
        pick = CohortAdminCb(
            action=CohortAdminAction.COURSE, cohort_id=cohort_id, user_id=course_id
        )
        builder.button(text=title, callback_data=pick)
    none = CohortAdminCb(action=CohortAdminAction.COURSE, cohort_id=cohort_id, user_id=0)
    builder.button(text=_("No course"), callback_data=none)
    builder.adjust(1)
    return builder.as_markup()


def which_course() -> str:
    return _("Which course do its members start when they join?")


def cohort_gone() -> str:
    return _("That cohort no longer exists.")


def mentor_choice_text(first_name: str | None) -> str:
    return _("Which cohort will {name} mentor?").format(name=person(first_name))


def mentor_choice_keyboard(user_id: int, found: CohortPage) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for cohort in found.cohorts:
        add = CohortAdminCb(
            action=CohortAdminAction.ADD_MENTOR, cohort_id=cohort.id, user_id=user_id
        )
        builder.button(text=cohort.name, callback_data=add)
    nav = _page_buttons(builder, found, CohortAdminAction.MENTOR_PAGE, user_id)
    builder.button(
        text=_("◀️ Back"), callback_data=LearnerCb(action=LearnerAction.SHOW, user_id=user_id)
    )
    builder.adjust(*([1] * len(found.cohorts)), *([nav] if nav else []), 1)
    return builder.as_markup()


def no_cohorts_to_mentor() -> str:
    return _("There are no cohorts yet: create one with /cohorts first.")


def mentor_added(first_name: str | None, cohort: str) -> str:
    return _("✅ {name} now mentors {cohort}.").format(
        name=person(first_name), cohort=cohort_name(cohort)
    )


def mentor_not_added() -> str:
    return _("That learner or cohort no longer exists.")


def mentor_removed() -> str:
    return _("Mentor removed.")


def not_a_mentor() -> str:
    return _("They are not a mentor of this cohort any more.")


def code_rotated() -> str:
    return _("New invite code: the old link no longer works.")


# --------------------------------------------------------------------------- learners


def join_question(name: str, course: str | None = None) -> str:
    text = _("Join {cohort}? Its mentors will see your progress.").format(cohort=cohort_name(name))
    if course:
        text += "\n" + _("Joining starts the course «{course}».").format(course=escape(course))
    return text


def course_started(course: str) -> str:
    return _("📚 Your current course is now «{course}».").format(course=escape(course))


def course_locked(course: str, needs: Sequence[str]) -> str:
    return _("📚 «{course}» opens once you complete {needs}.").format(
        course=escape(course), needs=", ".join(f"«{escape(title)}»" for title in needs)
    )


def join_keyboard(cohort_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("✅ Join"), callback_data=CohortCb(action=CohortAction.JOIN, cohort_id=cohort_id)
    )
    return builder.as_markup()


def joined(name: str) -> str:
    return _("🎉 You joined {cohort}. See it with /cohort; send /learn to continue.").format(
        cohort=cohort_name(name)
    )


def unknown_code() -> str:
    return _(
        "This invite link doesn't work: the code is wrong or was replaced. "
        "Ask whoever sent it for a new link."
    )


def joining_closed() -> str:
    return _("This cohort is not taking new members right now. Ask its organiser.")


def already_member() -> str:
    return _("You are already in this cohort. See /cohort.")


def my_cohorts_text(cohorts: Sequence[MyCohort], mentored: Sequence[Mentored]) -> str:
    if not cohorts and not mentored:
        return _(
            "You are not in a cohort. A cohort is a class with its own mentors and board: "
            "join one through the invite link its organiser gives you."
        )
    lines = []
    if cohorts:
        lines.append(_("<b>🎓 Your cohorts</b>"))
        for cohort in cohorts:
            mentors = ", ".join(person(name) for name in cohort.mentors) or _("none yet")
            lines.append(
                _("• {cohort} — mentors: {mentors}").format(
                    cohort=cohort_name(cohort.name), mentors=mentors
                )
            )
    if mentored:
        if lines:
            lines.append("")
        lines.append(_("<b>👩‍🏫 You mentor</b>"))
        lines.extend(f"• {cohort_name(cohort.name)}" for cohort in mentored)
    return "\n".join(lines)


def my_cohorts_keyboard(
    cohorts: Sequence[MyCohort], mentored: Sequence[Mentored]
) -> InlineKeyboardMarkup | None:
    builder = InlineKeyboardBuilder()
    for mine in mentored:
        roster = MentorCb(action=MentorAction.ROSTER, cohort_id=mine.id)
        builder.button(text=_("👩‍🏫 {name}").format(name=mine.name), callback_data=roster)
    for cohort in cohorts:
        leave = CohortCb(action=CohortAction.LEAVE, cohort_id=cohort.id)
        builder.button(text=_("🚪 Leave {name}").format(name=cohort.name), callback_data=leave)
    if not cohorts and not mentored:
        return None
    builder.adjust(1)
    return builder.as_markup()


def leave_question(name: str) -> str:
    return _(
        "Leave {cohort}? Its mentors will no longer see your progress; your own progress stays."
    ).format(cohort=cohort_name(name))


def leave_keyboard(cohort_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("🚪 Leave"),
        callback_data=CohortCb(action=CohortAction.LEAVE_CONFIRMED, cohort_id=cohort_id),
    )
    builder.button(
        text=_("Stay"), callback_data=CohortCb(action=CohortAction.STAY, cohort_id=cohort_id)
    )
    return builder.as_markup()


def left(name: str) -> str:
    return _("You left {cohort}.").format(cohort=cohort_name(name))


def stayed() -> str:
    return _("You stay in the cohort.")


def not_a_member() -> str:
    return _("You are not in that cohort.")


# --------------------------------------------------------------------------- mentors


def not_your_cohort() -> str:
    return _("You don't mentor that cohort (any more).")


def _ago(at: datetime | None, now: datetime) -> str:
    if at is None:
        return _("never")
    days = (now - at).days
    if days < 1:
        return _("today")
    return ngettext("{days} day ago", "{days} days ago", days).format(days=days)


def _member_line(number: int, row: MemberRow, now: datetime) -> str:
    lesson = escape(row.current_lesson.title) if row.current_lesson else _("course done")
    flag = "⚠️ " if row.inactive else ""
    return _(
        "{number}. {flag}<b>{name}</b> — {done} done · now: {lesson} · 🔥 {streak} · "
        "seen {seen} · waiting: {waiting}"
    ).format(
        number=number,
        flag=flag,
        name=person(row.first_name),
        done=row.lessons_done,
        lesson=lesson,
        streak=row.streak,
        seen=_ago(row.last_active, now),
        waiting=row.waiting_submissions,
    )


def roster_text(name: str, rows: Sequence[MemberRow], page: int, now: datetime) -> str:
    inactive = sum(row.inactive for row in rows)
    lines = [
        f"<b>👩‍🏫 {escape(name)}</b>",
        ngettext("{count} member", "{count} members", len(rows)).format(count=len(rows))
        + " · "
        + _("⚠️ inactive 7+ days: {count}").format(count=inactive),
        "",
    ]
    if not rows:
        lines.append(_("Nobody has joined yet. Share the invite link from /cohorts."))
    start = page * ROSTER_PAGE
    for number, row in enumerate(rows[start : start + ROSTER_PAGE], start=start + 1):
        lines.append(_member_line(number, row, now))
    return "\n".join(lines)


def roster_keyboard(cohort_id: int, rows: Sequence[MemberRow], page: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    start = page * ROSTER_PAGE
    shown = rows[start : start + ROSTER_PAGE]
    for number, row in enumerate(shown, start=start + 1):
        detail = MentorCb(
            action=MentorAction.MEMBER, cohort_id=cohort_id, user_id=row.user_id, page=page
        )
        builder.button(text=f"{number}. {row.first_name or row.user_id}", callback_data=detail)
    widths = [2] * ((len(shown) + 1) // 2)
    nav = 0
    if page > 0:
        back = MentorCb(action=MentorAction.ROSTER, cohort_id=cohort_id, page=page - 1)
        builder.button(text="◀️", callback_data=back)
        nav += 1
    if start + ROSTER_PAGE < len(rows):
        more = MentorCb(action=MentorAction.ROSTER, cohort_id=cohort_id, page=page + 1)
        builder.button(text="▶️", callback_data=more)
        nav += 1
    for label, action in (
        (_("📉 Funnel"), MentorAction.FUNNEL),
        (_("📄 CSV"), MentorAction.CSV),
        (_("📣 Message the cohort"), MentorAction.BROADCAST),
    ):
        builder.button(text=label, callback_data=MentorCb(action=action, cohort_id=cohort_id))
    builder.adjust(*widths, *([nav] if nav else []), 2, 1)
    return builder.as_markup()


def member_text(detail: MemberDetail, now: datetime) -> str:
    row = detail.row
    lesson = escape(row.current_lesson.title) if row.current_lesson else _("course done")
    lines = [
        f"<b>{person(row.first_name)}</b>" + (" ⚠️" if row.inactive else ""),
        "",
        _("Joined: {date:%Y-%m-%d} · last seen: {seen}").format(
            date=detail.joined_at, seen=_ago(row.last_active, now)
        ),
        _("Lessons done: {done} · now: {lesson}").format(done=row.lessons_done, lesson=lesson),
        _("Points: {points} · streak: {streak} (longest {longest})").format(
            points=grouped(detail.points), streak=row.streak, longest=detail.longest_streak
        ),
        _("Submissions waiting: {count}").format(count=row.waiting_submissions),
        "",
    ]
    lines.extend(
        f"{escape(module.title)}: {module.done}/{module.lessons}" for module in detail.modules
    )
    return "\n".join(lines)


def back_to_roster(cohort_id: int, page: int = 0) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("◀️ Members"),
        callback_data=MentorCb(action=MentorAction.ROSTER, cohort_id=cohort_id, page=page),
    )
    return builder.as_markup()


def not_in_cohort() -> str:
    return _("That learner is not in this cohort any more.")


def funnel_text(name: str, steps: Sequence[FunnelStep]) -> str:
    lines = [_("<b>📉 Lesson funnel · {cohort}</b>").format(cohort=escape(name)), ""]
    if not steps:
        lines.append(_("No lessons are published yet."))
    for step in steps:
        lines.append(
            _("{title}: started {started} · finished {finished}").format(
                title=escape(step.lesson.title), started=step.started, finished=step.finished
            )
        )
    return "\n".join(lines)


def csv_caption(name: str, count: int) -> str:
    return ngettext(
        "{cohort}: {count} member's progress.", "{cohort}: {count} members' progress.", count
    ).format(cohort=cohort_name(name), count=grouped(count))


def ask_broadcast(name: str) -> str:
    return _(
        "Send the message for the members of {cohort} (text, or a photo with a caption; "
        "formatting is kept), or /cancel."
    ).format(cohort=cohort_name(name))


def broadcast_preview(name: str, count: int) -> str:
    if not count:
        return _(
            "👆 This is how your cohort will see it.\n\n"
            "Nobody in {cohort} can receive it right now."
        ).format(cohort=cohort_name(name))
    return ngettext(
        "👆 This is how your cohort will see it.\n\nRecipients: <b>{count}</b> member of {cohort}.",
        "👆 This is how your cohort will see it.\n\nRecipients: <b>{count}</b> members of "
        "{cohort}.",
        count,
    ).format(count=grouped(count), cohort=cohort_name(name))


def broadcast_preview_keyboard(broadcast_id: int, count: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if count:
        send = BroadcastCb(action=BroadcastAction.SEND, broadcast_id=broadcast_id)
        builder.button(
            text=_("✅ Send to {count}").format(count=grouped(count)), callback_data=send
        )
    drop = BroadcastCb(action=BroadcastAction.DROP, broadcast_id=broadcast_id)
    builder.button(text=_("🗑 Discard"), callback_data=drop)
    return builder.as_markup()


def broadcast_confirm(name: str, count: int) -> str:
    return ngettext(
        "📣 Send to <b>{count}</b> member of {cohort}? Once sent, it cannot be taken back.",
        "📣 Send to <b>{count}</b> members of {cohort}? Once sent, it cannot be taken back.",
        count,
    ).format(count=grouped(count), cohort=cohort_name(name))


def broadcast_confirm_keyboard(broadcast_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    confirm = BroadcastCb(action=BroadcastAction.CONFIRM, broadcast_id=broadcast_id)
    builder.button(text=_("✅ Send now"), callback_data=confirm)
    drop = BroadcastCb(action=BroadcastAction.DROP, broadcast_id=broadcast_id)
    builder.button(text=_("🗑 Discard"), callback_data=drop)
    return builder.as_markup()


# --------------------------------------------------------------------------- boards


def _entry_line(entry: Entry) -> str:
    line = f"{MEDALS.get(entry.rank, f'{entry.rank}.')} {person(entry.name)} — {entry.points}"
    return f"<b>{line}</b>" if entry.is_me else line


def cohort_board_text(name: str, board: Board, week: bool) -> str:
    title = (
        _("<b>📅 {cohort} · this week</b>") if week else _("<b>🏆 {cohort} · all time</b>")
    ).format(cohort=escape(name))
    lines = [title, ""]
    if not board.top:
        lines.append(_("Nobody in the cohort has points yet."))
    lines.extend(_entry_line(entry) for entry in board.top)
    if board.hidden:
        lines += ["", _("🙈 You are hidden from the leaderboard (see /settings).")]
    elif board.me is not None and not any(entry.is_me for entry in board.top):
        lines += [
            "",
            _("Your rank: #{rank} with {points} points").format(
                rank=board.me.rank, points=board.me.points
            ),
        ]
    return "\n".join(lines)


def board_tabs(
    cohorts: Sequence[tuple[int, str]], current: int, week: bool
) -> InlineKeyboardMarkup:
    """A cohort's board: this week or all time, back to everyone's boards, the learner's
    other cohorts."""
    builder = InlineKeyboardBuilder()
    everyone = BoardCb(tab=BoardTab.WEEK if week else BoardTab.ALL_TIME)
    builder.button(text=_("🌍 Everyone"), callback_data=everyone)
    other = CohortBoardCb(cohort_id=current, week=not week)
    builder.button(text=_("🏆 All time") if week else _("📅 This week"), callback_data=other)
    for cohort_id, name in cohorts:
        if cohort_id != current:
            tab = CohortBoardCb(cohort_id=cohort_id, week=week)
            builder.button(text=f"🎓 {name}", callback_data=tab)
    builder.adjust(2)
    return builder.as_markup()


# --------------------------------------------------------------------------- groups


def weekly_post(name: str, top: Sequence[Entry], week_began: datetime) -> str:
    lines = [
        _("<b>🏁 {cohort} · the week of {date:%Y-%m-%d}</b>").format(
            cohort=escape(name), date=week_began
        ),
        "",
    ]
    if not top:
        lines.append(_("Nobody earned points last week. A new week starts now!"))
    lines.extend(_entry_line(entry) for entry in top)
    return "\n".join(lines)


def link_usage() -> str:
    return _("Send /link followed by the cohort's invite code (the part after join-).")


def linked(name: str) -> str:
    return _(
        "✅ This group now follows {cohort}: /leaderboard shows its board, and each Monday "
        "I post last week's. /unlink undoes it."
    ).format(cohort=cohort_name(name))


def link_unknown_code() -> str:
    return _("No cohort has that code. Check it in /cohorts (or ask an admin).")


def link_not_allowed() -> str:
    return _("Only an admin or a mentor of that cohort can link a group to it.")


def link_in_private() -> str:
    return _("/link works in a group: add me to your cohort's group and send it there.")


def unlinked(name: str) -> str:
    return _("This group no longer follows {cohort}.").format(cohort=cohort_name(name))


def not_linked() -> str:
    return _("This group is not linked to a cohort. An admin or mentor can send /link CODE.")
