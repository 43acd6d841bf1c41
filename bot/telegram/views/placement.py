"""The placement check: the choice, the check's intro, its result: texts and keyboards.
Course and module titles are HTML-escaped."""

from __future__ import annotations

from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.rules.placement.checks import PlacementRefusal, PlacementRefused, PlacementTurn
from bot.rules.placement.draw import PlacementOffer
from bot.rules.placement.results import ModuleScore, PlacementResult
from bot.rules.placement.stats import PlacementFigures
from bot.telegram.callbacks import PlacementAction, PlacementCb
from bot.telegram.views.learning import next_step_text, start_button
from bot.telegram.views.motivation import rewards_text


def check_button(offer: PlacementOffer) -> InlineKeyboardButton:
    """Take the check (its size and length), or continue the one under way."""
    text = (
        _("🧪 Continue the placement check")
        if offer.under_way
        else ngettext(
            "🧪 Check what I know ({count} question, about {minutes} min)",
            "🧪 Check what I know ({count} questions, about {minutes} min)",
            offer.questions,
        ).format(count=offer.questions, minutes=offer.minutes)
    )
    data = PlacementCb(action=PlacementAction.CHECK, course_id=offer.course.id).pack()
    return InlineKeyboardButton(text=text, callback_data=data)


def beginning_button(course_id: int) -> InlineKeyboardButton:
    data = PlacementCb(action=PlacementAction.BEGINNING, course_id=course_id).pack()
    return InlineKeyboardButton(text=_("▶️ Start from the beginning"), callback_data=data)


def choice_text(offer: PlacementOffer) -> str:
    return _(
        "🧪 Know some of «{title}» already? A short check asks a few questions of each module: "
        "every module you answer all right is skipped. Or start from the beginning."
    ).format(title=escape(offer.course.title))


def choice_keyboard(offer: PlacementOffer) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[check_button(offer)], [beginning_button(offer.course.id)]]
    )


def check_intro(turn: PlacementTurn) -> str:
    if not turn.first:
        return _("🧪 Your placement check goes on: question {number} of {total}.").format(
            number=turn.number, total=turn.total
        )
    return ngettext(
        "🧪 <b>Placement check</b> · {count} question. A module whose questions you all "
        "answer right is skipped. Not sure? Answer anyway: a wrong guess only means you "
        "take that module.",
        "🧪 <b>Placement check</b> · {count} questions. A module whose questions you all "
        "answer right is skipped. Not sure? Answer anyway: a wrong guess only means you "
        "take that module.",
        turn.total,
    ).format(count=turn.total)


def intro_keyboard(course_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[beginning_button(course_id)]])


def poll_counter(turn: PlacementTurn) -> str:
    return f"🧪 {turn.number}/{turn.total}"


def _module_line(score: ModuleScore, starts_here: bool) -> str:
    title = f"{score.module.position}. {escape(score.module.title)}"
    if score.tested_out:
        line = _("✓ {module} — skipped").format(module=title)
    elif starts_here:
        line = _("▶ {module} — starts here").format(module=title)
    else:
        line = f"· {title}"
    if not score.asked:  # its questions were removed from the course
        return line
    right = _("{right}/{asked} right").format(right=score.right, asked=score.asked)
    return f"{line} ({right})"


def result_text(result: PlacementResult) -> str:
    """One message: each module (skipped, or where the learner starts), the first lesson."""
    first = result.step.lesson
    lines = [_("🧪 <b>Placement check: done</b>"), ""]
    lines += [
        _module_line(score, first is not None and first.module_id == score.module.id)
        for score in result.modules
    ]
    lines.append("")
    if first is not None:
        lines.append(_("First lesson to take: <b>{title}</b>").format(title=escape(first.title)))
    else:
        lines.append(next_step_text(result.step))
    if result.tested_out:
        lines.append(
            _(
                "Skipped lessons count as done and stay open to read; they earn no points, "
                "and their questions come back in /review."
            )
        )
    if result.rewards is not None and result.rewards.achievements:
        lines += ["", rewards_text(result.rewards)]
    return "\n".join(lines)


def result_keyboard(result: PlacementResult) -> InlineKeyboardMarkup | None:
    lesson = result.step.lesson
    return InlineKeyboardMarkup(inline_keyboard=[[start_button(lesson)]]) if lesson else None


def refused(refusal: PlacementRefused) -> str:
    match refusal.reason:
        case PlacementRefusal.ALREADY_TAKEN:
            return _("You took this course's placement check already: it is taken once.")
        case PlacementRefusal.LESSON_DONE:
            return _("You have started the lessons of this course: the check is for before.")
        case PlacementRefusal.NOT_CURRENT:
            return _("Make this course your current one first (its card: /courses).")
        case PlacementRefusal.NOT_OFFERED:
            return _("This course has no placement check.")


def from_the_beginning() -> str:
    return _("📘 From the beginning, then.")


def stats_line(figures: PlacementFigures) -> str:
    """/stats: the checks finished and the share of their modules tested out."""
    share = "—" if figures.share is None else f"{round(100 * figures.share)}%"
    return _("🧪 Placement checks taken: <b>{count}</b> · modules tested out: {share}").format(
        count=figures.taken, share=share
    )
