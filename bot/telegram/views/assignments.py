"""Assignments: a field's question, the summary with Edit and Submit, what the learner is
told after Submit and after a verdict; the reviewer's copy of the work with Accept and
Return, /reviews and the 48-hour note. Texts and keyboards.

Learners' answers and names are escaped here; prompts are Telegram HTML (checked at import).
A summary gives each answer an equal share of one message, so ten long answers still fit."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.rules.assignments.answers import AnswerProblem, Refused
from bot.rules.assignments.drafts import Ask, DraftRefusal, Summary
from bot.rules.assignments.reviews import (
    AlreadyDecided,
    Decided,
    ReviewRefusal,
    Submitted,
    Work,
)
from bot.rules.assignments.stats import AssignmentFigures
from bot.rules.assignments.waiting import WaitingPage
from bot.rules.course import FieldInfo, FieldKind, LessonInfo
from bot.rules.formats.shorten import shorten
from bot.rules.formats.telegram_html import visible_text
from bot.telegram.callbacks import (
    AssignmentAction,
    AssignmentCb,
    QuizCb,
    VerdictAction,
    VerdictCb,
)
from bot.telegram.views.common import name_of, stale_button
from bot.telegram.views.motivation import rewards_text
from db.enums import SubmissionStatus

# A summary's room, in characters Telegram counts: its answers share ANSWERS_ROOM, each
# prompt is quoted in at most PROMPT_ROOM, a returned version's comment in COMMENT_ROOM;
# ten fields of everything at their longest stay under the 4,096 of a message.
ANSWERS_ROOM = 2400
PROMPT_ROOM = 80
COMMENT_ROOM = 400


def media_label(kind: str) -> str:
    labels = {
        FieldKind.PHOTO.value: _("[photo]"),
        FieldKind.VOICE.value: _("[voice message]"),
        FieldKind.VIDEO.value: _("[video]"),
        FieldKind.DOCUMENT.value: _("[document]"),
    }
    return labels.get(kind, _("[file]"))


def _kind_hint(kind: FieldKind) -> str:
    hints = {
        FieldKind.TEXT: _("Reply with a text message."),
        FieldKind.CHOICE: _("Pick one of the options below."),
        FieldKind.PHOTO: _("Send a photo."),
        FieldKind.VOICE: _("Send a voice message."),
        FieldKind.VIDEO: _("Send a video."),
        FieldKind.DOCUMENT: _("Send a file (as a document)."),
    }
    return hints[kind]


def _refusal(refused: Refused) -> str:
    field = refused.field
    match refused.problem:
        case AnswerProblem.TOO_SHORT:
            return _("⚠️ Too short: write at least {count} characters.").format(count=field.min or 1)
        case AnswerProblem.TOO_LONG:
            return _("⚠️ Too long: at most {count} characters, please.").format(
                count=field.max or 4096
            )
        case AnswerProblem.NOT_AN_OPTION:
            return _("⚠️ Please pick one of the options below.")
        case AnswerProblem.WRONG_KIND:
            return _("⚠️ That is not what this field takes.")


def ask_text(ask: Ask) -> str:
    assert ask.lesson.assignment is not None
    total = len(ask.lesson.assignment.fields)
    head = _("✍️ <b>{title}</b> · field {number} of {total}").format(
        title=escape(ask.lesson.title), number=ask.number, total=total
    )
    lines = [head, "", ask.field.prompt, "", "<i>" + _kind_hint(ask.field.kind) + "</i>"]
    if ask.field.kind is FieldKind.TEXT and (ask.field.min or ask.field.max):
        lines.append(
            _("<i>{low} to {high} characters.</i>").format(
                low=ask.field.min or 1, high=ask.field.max or 4096
            )
        )
    if ask.refused is not None:
        lines.insert(0, _refusal(ask.refused) + "\n")
    return "\n".join(lines)


def ask_keyboard(ask: Ask) -> InlineKeyboardMarkup | None:
    builder = InlineKeyboardBuilder()
    for index, option in enumerate(ask.field.options):
        builder.button(
            text=option,
            callback_data=AssignmentCb(
                action=AssignmentAction.CHOOSE, id=ask.submission_id, field=ask.number, option=index
            ),
        )
    if not ask.field.required:
        builder.button(
            text=_("⏭ Skip"),
            callback_data=AssignmentCb(
                action=AssignmentAction.SKIP, id=ask.submission_id, field=ask.number
            ),
        )
    builder.adjust(1)
    markup = builder.as_markup()
    return markup if markup.inline_keyboard else None


def _answer_lines(summary: Summary) -> list[str]:
    fields = summary.assignment.fields
    known = {field.id for field in fields}
    room = max(40, ANSWERS_ROOM // max(1, len(summary.answers) or len(fields)))
    lines: list[str] = []
    for number, field in enumerate(fields, 1):
        prompt = escape(shorten(visible_text(field.prompt).strip() or field.id, PROMPT_ROOM))
        lines.append(f"<b>{number}. {prompt}</b>")
        lines.append(
            _answer_shown(summary.answers.get(field.id), field.id in summary.answers, room)
        )
    for field_id, answer in summary.answers.items():  # a field the course no longer has
        if field_id not in known and answer:
            lines.append(f"<b>{escape(field_id)}</b>")
            lines.append(_answer_shown(answer, True, room))
    return lines


def _answer_shown(answer: dict[str, str] | None, given: bool, room: int) -> str:
    if not answer:
        return "<i>" + (_("skipped") if given else _("not answered yet")) + "</i>"
    parts = []
    if answer.get("file_id"):
        label = media_label(answer.get("kind", ""))
        if answer.get("name"):
            label += " " + escape(shorten(answer["name"], 60))
        parts.append(label)
    if answer.get("text"):
        parts.append(escape(shorten(answer["text"], room)))
    return " ".join(parts)


STATUS_LINES = {
    SubmissionStatus.SUBMITTED: "⏳",
    SubmissionStatus.ACCEPTED: "✅",
    SubmissionStatus.RETURNED: "↩️",
}


def summary_text(summary: Summary) -> str:
    head = _("📝 <b>{title}</b> — version {version}").format(
        title=escape(summary.lesson.title), version=summary.version
    )
    lines = [head]
    if summary.comment:
        lines.append(
            _("↩️ Returned with a comment:")
            + "\n<i>"
            + escape(shorten(summary.comment, COMMENT_ROOM))
            + "</i>"
        )
    lines.append("")
    lines.extend(_answer_lines(summary))
    lines.append("")
    match summary.status:
        case SubmissionStatus.DRAFT:
            if summary.missing:
                lines.append(_("Answer every field marked required, then submit."))
            else:
                lines.append(_("Check your answers: edit any of them, or submit."))
        case SubmissionStatus.SUBMITTED:
            lines.append(_("⏳ Waiting for review."))
        case SubmissionStatus.ACCEPTED:
            lines.append(_("✅ Accepted."))
        case SubmissionStatus.RETURNED:
            lines.append(_("↩️ Returned."))
    return "\n".join(lines)


def summary_keyboard(summary: Summary) -> InlineKeyboardMarkup | None:
    if not summary.editable:
        return None
    builder = InlineKeyboardBuilder()
    for number in range(1, len(summary.assignment.fields) + 1):
        builder.button(
            text=_("✏️ {number}").format(number=number),
            callback_data=AssignmentCb(
                action=AssignmentAction.EDIT, id=summary.submission_id, field=number
            ),
        )
    builder.adjust(5)
    if not summary.missing:
        builder.row()
        builder.button(
            text=_("📨 Submit"),
            callback_data=AssignmentCb(action=AssignmentAction.SUBMIT, id=summary.submission_id),
        )
    return builder.as_markup()


def assignment_button_label(lesson: LessonInfo) -> str:
    count = len(lesson.assignment.fields) if lesson.assignment else 0
    return ngettext("✍️ Assignment ({count} field)", "✍️ Assignment ({count} fields)", count).format(
        count=count
    )


def open_keyboard(lesson: LessonInfo, *, returned: bool = False) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("✏️ Edit and send again") if returned else assignment_button_label(lesson),
        callback_data=AssignmentCb(action=AssignmentAction.OPEN, id=lesson.id),
    )
    return builder.as_markup()


def draft_refused(refusal: DraftRefusal) -> str:
    match refusal:
        case DraftRefusal.LOCKED:
            return _("🔒 This lesson is not open yet.")
        case DraftRefusal.SUBMITTED:
            return _("This version was submitted already.")
        case DraftRefusal.INCOMPLETE:
            return _("Some required fields have no answer yet.")
        case DraftRefusal.NOT_FOUND:
            return stale_button()


def _names(people: list[str | None]) -> str:
    return ", ".join(name_of(name) for name in people)


def submitted_text(submitted: Submitted) -> str:
    summary = submitted.work.summary
    title = escape(summary.lesson.title)
    if not summary.assignment.mentor_review:
        text = _("✅ Submitted: «{title}» is done.").format(title=title)
        if submitted.completion is not None:
            text += "\n\n" + rewards_text(submitted.completion.rewards)
        return text
    if submitted.reviewers:
        who = _names([person.first_name for person in submitted.reviewers[:5]])
        if len(submitted.reviewers) > 5:
            who += " " + _("and others")
    else:
        who = _("an admin")
    return _(
        "📨 Sent for review: «{title}», version {version}.\n{who} will review it; "
        "you'll hear back here."
    ).format(title=title, version=summary.version, who=who)


def submitted_keyboard(submitted: Submitted) -> InlineKeyboardMarkup | None:
    """After Submit: the lesson's quiz when it has one (it comes after the assignment)."""
    lesson = submitted.work.summary.lesson
    return quiz_keyboard(lesson) if lesson.questions else None


def quiz_keyboard(lesson: LessonInfo) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("📝 Take the quiz ({count} questions)").format(count=len(lesson.questions)),
        callback_data=QuizCb(lesson_id=lesson.id),
    )
    return builder.as_markup()


# --------------------------------------------------------------------------- reviewers


def work_text(work: Work, now: datetime | None = None) -> str:
    summary = work.summary
    head = _("📥 <b>Assignment to review</b>")
    about = _("{name} · {course} · «{lesson}» · version {version}").format(
        name=name_of(work.learner_name),
        course=escape(work.course_title),
        lesson=escape(summary.lesson.title),
        version=summary.version,
    )
    lines = [head, about, ""]
    lines.extend(_answer_lines(summary))
    if now is not None and work.submitted_at is not None:
        lines.extend(["", _("Waiting for {time}.").format(time=waited(now - work.submitted_at))])
    return "\n".join(lines)


def work_keyboard(submission_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("✅ Accept"),
        callback_data=VerdictCb(action=VerdictAction.ACCEPT, submission_id=submission_id),
    )
    builder.button(
        text=_("↩️ Return"),
        callback_data=VerdictCb(action=VerdictAction.RETURN, submission_id=submission_id),
    )
    return builder.as_markup()


def comment_prompt(accepted: bool, submission_id: int) -> tuple[str, InlineKeyboardMarkup | None]:
    if not accepted:
        return _("↩️ Write what to change: your comment goes to the learner."), None
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("✅ Accept without a comment"),
        callback_data=VerdictCb(action=VerdictAction.ACCEPT_NOW, submission_id=submission_id),
    )
    return _("✅ Add a comment for the learner, or accept without one."), builder.as_markup()


def comment_needs_text() -> str:
    return _("Please write the comment as a text message.")


def review_refused(refusal: ReviewRefusal | AlreadyDecided) -> str:
    match refusal:
        case AlreadyDecided(accepted=True, reviewer_name=name):
            return _("Already accepted by {name}.").format(name=name_of(name))
        case AlreadyDecided(reviewer_name=name):
            return _("Already returned by {name}.").format(name=name_of(name))
        case ReviewRefusal.NOT_YOURS:
            return _("This work is not yours to review.")
        case _:
            return stale_button()


def decided_for_reviewer(decided: Decided) -> str:
    name = name_of(decided.work.learner_name)
    if decided.accepted:
        return _("✅ Accepted: {name} has been told.").format(name=name)
    return _("↩️ Returned to {name} with your comment.").format(name=name)


def verdict_for_learner(decided: Decided) -> str:
    summary = decided.work.summary
    values = {
        "title": escape(summary.lesson.title),
        "version": summary.version,
        "name": name_of(decided.reviewer_name),
    }
    if decided.accepted:
        text = _("✅ Your assignment «{title}» (version {version}) was accepted by {name}.")
    else:
        text = _("↩️ Your assignment «{title}» (version {version}) was returned by {name}.")
    text = text.format(**values)
    if decided.comment:
        text += "\n\n💬 <i>" + escape(decided.comment) + "</i>"
    if not decided.accepted:
        text += "\n\n" + _("Edit your answers and send it again.")
    elif decided.completion is not None:
        text += "\n\n" + rewards_text(decided.completion.rewards)
    elif summary.lesson.questions:
        text += "\n\n" + _("Pass the lesson's quiz to finish it.")
    return text


def verdict_keyboard(decided: Decided) -> InlineKeyboardMarkup | None:
    """Returned: edit and send again; accepted with the quiz still to pass: the quiz."""
    lesson = decided.work.summary.lesson
    if not decided.accepted:
        return open_keyboard(lesson, returned=True)
    if decided.completion is None and lesson.questions:
        return quiz_keyboard(lesson)
    return None


def waited(span: timedelta) -> str:
    hours = int(span.total_seconds() // 3600)
    if hours < 1:
        return _("less than an hour")
    if hours < 48:
        return ngettext("{count} hour", "{count} hours", hours).format(count=hours)
    days = hours // 24
    return ngettext("{count} day", "{count} days", days).format(count=days)


def reviews_text(page: WaitingPage, now: datetime) -> str:
    if not page.items:
        return _("📥 Nothing waits for your review.")
    lines = [
        ngettext(
            "<b>📥 Waiting for review: {count}</b> (oldest first)",
            "<b>📥 Waiting for review: {count}</b> (oldest first)",
            page.total,
        ).format(count=f"{page.total}+" if page.capped else page.total)
    ]
    for number, item in enumerate(page.items, 1):
        lines.append(
            _("{number}. {name} · «{lesson}» · v{version} · {time}").format(
                number=number,
                name=name_of(item.learner_name),
                lesson=escape(shorten(item.lesson_title, 60)),
                version=item.version,
                time=waited(now - item.submitted_at),
            )
        )
    return "\n".join(lines)


def reviews_keyboard(page: WaitingPage) -> InlineKeyboardMarkup | None:
    if not page.items:
        return None
    builder = InlineKeyboardBuilder()
    for number, item in enumerate(page.items, 1):
        builder.button(
            text=_("📄 {number}").format(number=number),
            callback_data=VerdictCb(action=VerdictAction.SHOW, submission_id=item.submission_id),
        )
    builder.adjust(5)
    return builder.as_markup()


def reminder_text(count: int) -> str:
    return ngettext(
        "⏰ {count} submission has waited over 48 hours for your review: /reviews",
        "⏰ {count} submissions have waited over 48 hours for your review: /reviews",
        count,
    ).format(count=count)


def media_caption(number: int, field: FieldInfo) -> str:
    prompt = escape(shorten(visible_text(field.prompt).strip() or field.id, PROMPT_ROOM))
    return f"{number}. {prompt}"


def stats_text(figures: AssignmentFigures) -> str:
    """/stats: submissions waiting, the median time to a verdict, the share accepted."""
    lines = [
        _("<b>📝 Assignments</b>"),
        _("Waiting for review: <b>{count}</b>").format(count=figures.waiting),
    ]
    if figures.median_review is not None:
        lines.append(_("Median time to review: {time}").format(time=waited(figures.median_review)))
    if figures.acceptance is not None:
        lines.append(
            _("Accepted: {share} of {count} reviewed (30 days)").format(
                share=f"{round(100 * figures.acceptance)}%", count=figures.decided
            )
        )
    return "\n".join(lines)
