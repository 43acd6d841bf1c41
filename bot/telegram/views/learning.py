"""Learning: lessons, quizzes, the course map, milestones and certificates: texts and
keyboards.

Content titles are HTML-escaped; lesson bodies are already Telegram HTML, validated at
import."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.rules.course import CourseMap, LessonInfo, QuestionInfo
from bot.rules.formats.certificate_image import CertificateText
from bot.rules.formats.html_split import split_html
from bot.rules.formats.shorten import shorten
from bot.rules.learning.certificates import CertificateInfo, printed_certificate
from bot.rules.learning.lessons import Refusal, Refused
from bot.rules.learning.milestones import Milestone
from bot.rules.learning.quizzes import QuizResult
from bot.rules.learning.unlocks import LessonState, LessonStatus, LockReason, NextStep
from bot.telegram.callbacks import (
    AssignmentAction,
    AssignmentCb,
    LessonCb,
    QuizCb,
)
from bot.telegram.views.assignments import assignment_button_label
from bot.telegram.views.common import name_of, stale_button
from bot.telegram.views.motivation import rewards_text
from db.enums import SubmissionStatus

STATE_ICONS = {
    LessonState.DONE: "✅",
    LessonState.IN_PROGRESS: "📖",
    LessonState.AVAILABLE: "🟢",
    LessonState.LOCKED: "🔒",
}
TESTED_OUT_ICON = "⏭"  # a lesson done by the placement check


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
    return (
        _("🎓 You have finished the whole course. Congratulations!")
        + "\n"
        + _("Your certificate: /certificate")
    )


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


def refused(refusal: Refused) -> str:
    """Why a button cannot open its lesson or quiz (shown as an alert)."""
    match refusal.reason:
        case Refusal.QUIZ_OPEN:
            return quiz_open()
        case Refusal.LOCKED:
            return locked(refusal.status)
        case Refusal.NOT_FOUND:
            return stale_button()


def quiz_open() -> str:
    return _("Your quiz is waiting above ⬆️ — answer the open question there.")


def quiz_intro(lesson: LessonInfo, retake: bool = False) -> str:
    count = len(lesson.questions)
    text = ngettext(
        "📝 Quiz: <b>{title}</b> — {count} question, {needed} of {count} right to pass.",
        "📝 Quiz: <b>{title}</b> — {count} questions, {needed} of {count} right to pass.",
        count,
    ).format(title=escape(lesson.title), count=count, needed=lesson.questions_to_pass)
    if retake:
        text += "\n" + _("🔁 You finished this lesson already: this retake earns no points.")
    return text


def quiz_result(result: QuizResult, step: NextStep) -> str:
    score = _("{correct} of {total} right ({score}%)").format(
        correct=result.correct, total=result.total, score=result.score
    )
    if not result.passed:
        return _(
            "❌ {score}. You need {needed} of {total} to pass — have another look and try again."
        ).format(score=score, needed=result.lesson.questions_to_pass, total=result.total)
    text = _("✅ Passed: {score}.").format(score=score)
    if result.completed_now:
        text += "\n" + _("Lesson «{title}» done!").format(title=escape(result.lesson.title))
    elif result.awaiting_assignment:
        text += "\n" + _("The lesson is done once your assignment is accepted.")
    else:
        text += "\n" + _("A retake of a finished lesson: no points this time.")
    if result.rewards is not None:
        text += "\n\n" + rewards_text(result.rewards)
    return text + "\n\n" + next_step_text(step)


def modules_overview(
    course: CourseMap,
    statuses: list[LessonStatus],
    assignments: Mapping[int, SubmissionStatus] | None = None,
) -> str:
    """Every module and lesson with its state; `assignments` are the states of the
    learner's latest submitted assignments by lesson (waiting for review, returned)."""
    by_id = {status.lesson.id: status for status in statuses}
    marks = {
        SubmissionStatus.SUBMITTED: _("⏳ waiting for review"),
        SubmissionStatus.RETURNED: _("↩️ returned"),
    }
    lines = [_("<b>📚 Modules</b>")]
    for module in course.modules:
        done = sum(1 for lesson in module.lessons if by_id[lesson.id].state is LessonState.DONE)
        lines.append(
            f"\n<b>{module.position}. {escape(module.title)}</b> · {done}/{len(module.lessons)}"
        )
        for lesson in module.lessons:
            status = by_id[lesson.id]
            line = f"{STATE_ICONS[status.state]} {escape(lesson.title)}"
            if status.tested_out:  # done by the placement check
                note = _("tested out")
                line = f"{TESTED_OUT_ICON} {escape(lesson.title)} — <i>{note}</i>"
            if status.state is LessonState.LOCKED:
                line += f" — <i>{escape(lock_hint(status))}</i>"
            mark = marks.get((assignments or {}).get(lesson.id))  # type: ignore[arg-type]
            if mark and status.state is not LessonState.DONE:
                line += f" — {mark}"
            lines.append(line)
    return "\n".join(lines)


def lock_hint(status: LessonStatus) -> str:
    if status.reason is LockReason.DRIP and status.opens_on is not None:
        return _("opens {date}").format(date=status.opens_on.isoformat())
    if status.reason is LockReason.PREVIOUS_MODULE:
        return _("after module «{title}»").format(title=status.blocked_by or "")
    if status.reason is LockReason.FIELDS:
        return _("finish «{title}» first").format(title=status.blocked_by or "")
    return _("after «{title}»").format(title=status.blocked_by or "")


TYPED_CODE_CHARS = 40  # of a code typed to /verify, echoed back


def missed_questions(missed: tuple[QuestionInfo, ...]) -> list[str]:
    """One message (split into several only past Telegram's limit): every question answered
    wrongly, its right answer and the course's explanation."""
    if not missed:
        return []
    blocks = [
        ngettext(
            "<b>📋 What you missed: {count} question</b>",
            "<b>📋 What you missed: {count} questions</b>",
            len(missed),
        ).format(count=len(missed))
    ]
    for question in missed:
        answers = " · ".join(escape(question.options[i]) for i in question.correct_option_ids)
        block = f"❌ <b>{escape(question.question)}</b>\n" + _("✅ Right: {answers}").format(
            answers=answers
        )
        if question.explanation:
            block += f"\n💡 <i>{escape(question.explanation)}</i>"
        blocks.append(block)
    return split_html("\n\n".join(blocks))


def milestone_text(milestone: Milestone) -> str:
    module = escape(milestone.module.title)
    if milestone.certificate is not None:
        code = escape(milestone.certificate.code)
        return _(
            "🎓 <b>You finished the whole course «{course}»!</b>\n"
            "Here is your certificate. Its code <code>{code}</code> lets anyone check it: "
            "/verify {code}. Send /certificate whenever you want it again."
        ).format(course=escape(milestone.certificate.course_title), code=code)
    text = _("🎉 <b>Module «{module}» finished!</b>").format(module=module)
    upcoming = milestone.next_module
    if upcoming is not None:
        text += "\n" + ngettext(
            "Next up: «{next}», {count} lesson, starting with «{first}».",
            "Next up: «{next}», {count} lessons, starting with «{first}».",
            len(upcoming.lessons),
        ).format(
            next=escape(upcoming.title),
            count=len(upcoming.lessons),
            first=escape(upcoming.lessons[0].title),
        )
    return text


def certificate_text(certificate: CertificateInfo) -> CertificateText:
    """What the certificate image prints, in the learner's language."""
    return printed_certificate(certificate, _)


def certificate_caption(certificate: CertificateInfo) -> str:
    return _("🎓 {name} · «{course}» · code <code>{code}</code>").format(
        name=escape(certificate.learner_name),
        course=escape(certificate.course_title),
        code=escape(certificate.code),
    )


def no_certificate() -> str:
    return _("🎓 Finish every lesson of the course to earn your certificate. /learn continues.")


def verify_usage() -> str:
    return _("Send /verify followed by the code printed on the certificate.")


def verified(certificate: CertificateInfo) -> str:
    return _(
        "✅ Certificate <code>{code}</code> is genuine: {name} finished «{course}» on {date}."
    ).format(
        code=escape(certificate.code),
        name=escape(certificate.learner_name),
        course=escape(certificate.course_title),
        date=f"{certificate.issued_at:%Y-%m-%d}",
    )


def not_verified(code: str) -> str:
    return _("❌ No certificate has the code <code>{code}</code>.").format(
        code=escape(shorten(code, TYPED_CODE_CHARS))
    )


TITLE_IN_BUTTON = 40  # characters of a lesson title on a button; a phone shows about this


def button_title(lesson: LessonInfo) -> str:
    return shorten(lesson.title, TITLE_IN_BUTTON)


def lesson_button(label: str, lesson: LessonInfo) -> InlineKeyboardButton:
    """A button that opens `lesson`; `label` holds `{title}` (the title, shortened)."""
    data = LessonCb(lesson_id=lesson.id).pack()
    return InlineKeyboardButton(text=label.format(title=button_title(lesson)), callback_data=data)


def start_button(lesson: LessonInfo) -> InlineKeyboardButton:
    return lesson_button(_("▶️ Start: {title}"), lesson)


def start_lesson_keyboard(lesson: LessonInfo) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[start_button(lesson)]])


def continue_keyboard(lesson: LessonInfo) -> InlineKeyboardMarkup:
    button = lesson_button(_("▶️ Continue: {title}"), lesson)
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


def lesson_page_keyboard(lesson: LessonInfo, page: int, pages: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if page > 1:
        builder.button(text=_("◀️ Back"), callback_data=LessonCb(lesson_id=lesson.id, page=page - 1))
    if page < pages:
        builder.button(
            text=_("Next ▶️ {page}/{pages}").format(page=page + 1, pages=pages),
            callback_data=LessonCb(lesson_id=lesson.id, page=page + 1),
        )
    elif lesson.assignment is not None:  # the assignment first; its summary leads to the quiz
        builder.button(
            text=assignment_button_label(lesson),
            callback_data=AssignmentCb(action=AssignmentAction.OPEN, id=lesson.id),
        )
        if lesson.questions:
            builder.button(
                text=_("📝 Take the quiz ({count} questions)").format(count=len(lesson.questions)),
                callback_data=QuizCb(lesson_id=lesson.id),
            )
    else:
        builder.button(
            text=_("📝 Take the quiz ({count} questions)").format(count=len(lesson.questions))
            if lesson.questions
            else _("✅ Mark as done"),
            callback_data=QuizCb(lesson_id=lesson.id),
        )
    return builder.as_markup()


def after_quiz_keyboard(
    lesson: LessonInfo, passed: bool, next_lesson: LessonInfo | None
) -> InlineKeyboardMarkup | None:
    builder = InlineKeyboardBuilder()
    if not passed:
        builder.button(text=_("🔁 Try again"), callback_data=QuizCb(lesson_id=lesson.id))
        builder.button(text=_("📖 Re-read"), callback_data=LessonCb(lesson_id=lesson.id))
    elif next_lesson is not None:
        builder.add(lesson_button(_("▶️ Next: {title}"), next_lesson))
    builder.adjust(2)
    markup = builder.as_markup()
    return markup if markup.inline_keyboard else None
