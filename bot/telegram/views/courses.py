"""Learning, the school's side: the catalogue (/courses), a course's card, the pause
(/pause, /resume): texts and keyboards. Course titles and descriptions are HTML-escaped."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.rules.course import CourseMap
from bot.rules.formats.shorten import shorten
from bot.rules.learning.journeys import CourseStanding, CourseState, StartRefusal, StartRefused
from bot.rules.learning.pause import MAX_PAUSE_DAYS, PAUSE_CHOICES, Pause
from bot.telegram.callbacks import CourseAction, CourseCb, PauseCb

TITLE_IN_BUTTON = 40  # characters of a course title on a button


def _needs(courses: Sequence[CourseMap]) -> str:
    return ", ".join(f"«{escape(course.title)}»" for course in courses)


def state_text(standing: CourseStanding) -> str:
    match standing.state:
        case CourseState.NEW:
            return _("new")
        case CourseState.CURRENT:
            return _("{percent}% · current").format(percent=standing.percent)
        case CourseState.PAUSED:
            return _("{percent}% · paused").format(percent=standing.percent)
        case CourseState.COMPLETED:
            return _("completed ✓")
        case CourseState.LOCKED:
            return _("🔒 needs {courses}").format(courses=_needs(standing.needs))


def catalogue_text(standings: Sequence[CourseStanding], unavailable: str | None = None) -> str:
    """Every published course with the learner's state in it."""
    parts = [_("📚 <b>Courses</b>")]
    if unavailable is not None:
        parts.append(course_unavailable(unavailable))
    if not standings:
        parts.append(_("There are no courses yet. Please come back later."))
        return "\n\n".join(parts)
    parts.append(
        "\n".join(
            f"• <b>{escape(item.course.title)}</b> — {state_text(item)}" for item in standings
        )
    )
    parts.append(_("Tap a course to see it."))
    return "\n\n".join(parts)


def started_courses_text(started: Sequence[CourseStanding]) -> str:
    """/progress: each course the learner started."""
    if not started:
        return _("<b>Courses</b>") + "\n" + _("None started yet: /courses")
    rows = (
        f"• {escape(item.course.title)}: {item.done}/{len(item.course.lessons)} — "
        f"{state_text(item)}"
        for item in started
    )
    return _("<b>Courses</b>") + "\n" + "\n".join(rows)


def course_unavailable(title: str) -> str:
    return _(
        "Your course «{title}» is not available at the moment. Nothing is lost: your "
        "progress stays, and it comes back when the course does. Meanwhile, pick another."
    ).format(title=escape(title))


def catalogue_keyboard(standings: Sequence[CourseStanding]) -> InlineKeyboardMarkup | None:
    """A button per course, one per row. Built as rows directly: the keyboard builder copies
    every button on each add, which costs 20 ms for 50 courses."""
    rows = [
        [
            InlineKeyboardButton(
                text={CourseState.LOCKED: "🔒 ", CourseState.COMPLETED: "✓ "}.get(item.state, "")
                + shorten(item.course.title, TITLE_IN_BUTTON),
                callback_data=CourseCb(action=CourseAction.OPEN, course_id=item.course.id).pack(),
            )
        ]
        for item in standings
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def course_card(standing: CourseStanding, requires: Sequence[CourseMap]) -> str:
    """A course's card: description, size, prerequisites and the learner's state."""
    course = standing.course
    lines = [f"📘 <b>{escape(course.title)}</b>"]
    if course.description:
        lines.append(escape(course.description))
    size = ngettext("{count} module", "{count} modules", len(course.modules)).format(
        count=len(course.modules)
    )
    size += " · " + ngettext("{count} lesson", "{count} lessons", len(course.lessons)).format(
        count=len(course.lessons)
    )
    if course.minutes:
        size += " · " + _("about {minutes} min").format(minutes=course.minutes)
    lines.append(size)
    if requires:
        lines.append(_("Requires: {courses}").format(courses=_needs(requires)))
    lines.append(_("Your state: {state}").format(state=state_text(standing)))
    return "\n\n".join(lines)


def card_keyboard(standing: CourseStanding) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    label = {
        CourseState.NEW: _("▶️ Start"),
        CourseState.CURRENT: _("▶️ Continue"),
        CourseState.PAUSED: _("📌 Make current"),
        CourseState.COMPLETED: _("📌 Make current"),
    }.get(standing.state)
    if label is not None and standing.course.lessons:
        builder.button(
            text=label,
            callback_data=CourseCb(action=CourseAction.START, course_id=standing.course.id),
        )
    builder.button(text=_("📚 All courses"), callback_data=CourseCb(action=CourseAction.LIST))
    builder.adjust(1)
    return builder.as_markup()


def start_refused(refused: StartRefused) -> str:
    if refused.reason is StartRefusal.LOCKED:
        return _("🔒 This course opens once you complete {courses}.").format(
            courses=", ".join(f"«{course.title}»" for course in refused.needs)
        )
    return _("This course is not available.")


def unknown_course() -> str:
    return _("There is no such course (or it is not available now).")


def now_current(course: CourseMap, first_time: bool) -> str:
    text = (
        _("🚀 You started «{title}». It is your current course now.")
        if first_time
        else _("📌 «{title}» is your current course now.")
    )
    return text.format(title=escape(course.title))


def next_course_offer(course: CourseMap) -> str:
    return _("🧭 Ready for more? «{title}» is open to you now.").format(title=escape(course.title))


def offer_keyboard(course: CourseMap) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("📘 See «{title}»").format(title=shorten(course.title, TITLE_IN_BUTTON)),
        callback_data=CourseCb(action=CourseAction.OPEN, course_id=course.id),
    )
    return builder.as_markup()


# --------------------------------------------------------------------------- the pause


def pause_offer() -> str:
    return _(
        "⏸ <b>Pause learning</b>\n\nFrom tomorrow, I send nothing, and the paused days "
        "neither keep nor break your streak. Any lesson, review or /resume ends the pause. "
        "How long?"
    )


def pause_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for days in PAUSE_CHOICES:
        text = (
            _("a week")
            if days == 7
            else ngettext("{count} day", "{count} days", days).format(count=days)
        )
        builder.button(text=text, callback_data=PauseCb(days=days))
    builder.button(text=_("until I come back"), callback_data=PauseCb(days=MAX_PAUSE_DAYS))
    builder.adjust(2)
    return builder.as_markup()


def paused(pause: Pause) -> str:
    return _(
        "⏸ Paused from {first} to {last}. Enjoy the break! It ends by itself then, or "
        "earlier with /resume or any lesson."
    ).format(first=pause.first_day.isoformat(), last=pause.last_day.isoformat())


def already_paused(pause: Pause) -> str:
    return _("⏸ You are already paused until {last}. /resume ends it.").format(
        last=pause.last_day.isoformat()
    )


def resumed() -> str:
    return _("▶️ Welcome back! The pause is over: your daily lesson comes again. /learn")


def not_paused() -> str:
    return _("You are not paused. To take a break: /pause")
