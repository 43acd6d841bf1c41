"""Every message a learner reads is rendered here, from gettext catalogues.

User data (names) and content titles are HTML-escaped; lesson bodies are already
Telegram HTML, validated at import.
"""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.services.course import CourseMap, LessonInfo
from bot.services.learning import (
    LessonState,
    LessonStatus,
    LockReason,
    NextStep,
    QuizResult,
)
from bot.zones import format_minute

STATE_ICONS = {
    LessonState.DONE: "✅",
    LessonState.IN_PROGRESS: "📖",
    LessonState.AVAILABLE: "🟢",
    LessonState.LOCKED: "🔒",
}


def name_of(first_name: str | None) -> str:
    return escape(first_name or _("friend"))


def welcome_new(first_name: str | None) -> str:
    return _(
        "👋 Hi, <b>{name}</b>! I'm LearnBot. I teach in short lessons, each ending in a quick"
        " quiz.\n\nFirst, so I can send your daily lesson at the right hour:"
        " <b>what time is it for you now?</b>"
    ).format(name=name_of(first_name))


def other_zones() -> str:
    return _("Pick the time your clock shows now:")


def ask_lesson_time(zone_label: str) -> str:
    return _("🕒 Got it: <b>{zone}</b>.\n\nWhen would you like your daily lesson?").format(
        zone=escape(zone_label)
    )


def onboarding_done(minute: int, first: LessonInfo | None) -> str:
    text = _("✅ All set! I'll send you a lesson every day at <b>{time}</b>.").format(
        time=format_minute(minute)
    )
    if first is not None:
        text += "\n\n" + _("Your first lesson: <b>{title}</b>").format(title=escape(first.title))
    return text


def welcome_back(first_name: str | None, step: NextStep) -> str:
    text = _("👋 Welcome back, <b>{name}</b>!").format(name=name_of(first_name))
    return text + "\n\n" + next_step_text(step)


def next_step_text(step: NextStep) -> str:
    if step.lesson is not None:
        return _("Continue where you left off: <b>{title}</b>").format(
            title=escape(step.lesson.title)
        )
    if step.waiting is not None and step.waiting.opens_on is not None:
        return _("🌱 Your next lesson, <b>{title}</b>, opens on {date}.").format(
            title=escape(step.waiting.lesson.title), date=step.waiting.opens_on.isoformat()
        )
    return _("🎓 You have finished the whole course. Congratulations!")


def no_content() -> str:
    return _("There are no lessons yet. Please come back later.")


def lesson_header(lesson: LessonInfo, page: int, pages: int) -> str:
    module = escape(lesson.module_title)
    header = f"<b>{module}</b> · {lesson.position}\n<b>📖 {escape(lesson.title)}</b>"
    details = []
    if lesson.minutes:
        details.append(_("⏱ {minutes} min").format(minutes=lesson.minutes))
    if pages > 1:
        details.append(_("page {page}/{pages}").format(page=page, pages=pages))
    if details:
        header += "\n<i>" + " · ".join(details) + "</i>"
    return header


def locked(status: LessonStatus | None) -> str:
    if status is None or status.reason is None:
        return _("🔒 This lesson is not open yet.")
    if status.reason is LockReason.DRIP and status.opens_on is not None:
        return _("🔒 This lesson opens on {date}.").format(date=status.opens_on.isoformat())
    if status.reason is LockReason.PREVIOUS_MODULE:
        return _("🔒 Finish the module «{title}» first.").format(title=status.blocked_by or "")
    return _("🔒 Finish «{title}» first.").format(title=status.blocked_by or "")


def stale_button() -> str:
    return _("This button is out of date. Send /learn to continue.")


def quiz_open() -> str:
    return _("Your quiz is waiting above ⬆️ — answer the open question there.")


def quiz_intro(lesson: LessonInfo) -> str:
    count = len(lesson.questions)
    return ngettext(
        "📝 Quiz: <b>{title}</b> — {count} question. You need {mark}% to pass.",
        "📝 Quiz: <b>{title}</b> — {count} questions. You need {mark}% to pass.",
        count,
    ).format(title=escape(lesson.title), count=count, mark=lesson.pass_mark)


def quiz_result(result: QuizResult, step: NextStep) -> str:
    score = _("{correct} of {total} right ({score}%)").format(
        correct=result.correct, total=result.total, score=result.score
    )
    if not result.passed:
        return _("❌ {score}. You need {mark}% to pass — have another look and try again.").format(
            score=score, mark=result.lesson.pass_mark
        )
    text = _("✅ Passed: {score}.").format(score=score)
    if result.completed_now:
        text += "\n" + _("Lesson «{title}» done!").format(title=escape(result.lesson.title))
    return text + "\n\n" + next_step_text(step)


def modules_overview(course: CourseMap, statuses: list[LessonStatus]) -> str:
    by_id = {status.lesson.id: status for status in statuses}
    lines = [_("<b>📚 Modules</b>")]
    for module in course.modules:
        done = sum(1 for lesson in module.lessons if by_id[lesson.id].state is LessonState.DONE)
        lines.append(
            f"\n<b>{module.position}. {escape(module.title)}</b> · {done}/{len(module.lessons)}"
        )
        for lesson in module.lessons:
            status = by_id[lesson.id]
            line = f"{STATE_ICONS[status.state]} {escape(lesson.title)}"
            if status.state is LessonState.LOCKED:
                line += f" — <i>{escape(lock_hint(status))}</i>"
            lines.append(line)
    return "\n".join(lines)


def lock_hint(status: LessonStatus) -> str:
    if status.reason is LockReason.DRIP and status.opens_on is not None:
        return _("opens {date}").format(date=status.opens_on.isoformat())
    if status.reason is LockReason.PREVIOUS_MODULE:
        return _("after module «{title}»").format(title=status.blocked_by or "")
    return _("after «{title}»").format(title=status.blocked_by or "")


def help_text() -> str:
    return _(
        "<b>LearnBot</b> teaches in short lessons, each ending in a quiz.\n\n"
        "/learn — continue with the next lesson\n"
        "/modules — all modules and lessons\n"
        "/start — start again or see where you are\n"
        "/help — this list"
    )


def unknown() -> str:
    return _("I didn't get that. Send /learn to continue, or /help to see what I can do.")


def private_only() -> str:
    return _("Let's talk in private: open a chat with me to learn.")


def try_again_later() -> str:
    return _("⚠️ Something went wrong on my side. Please try again in a minute.")
