"""The texts of review: sessions, their summary, the review lines of pushes and /progress,
and the admin's review figures. Content is HTML-escaped."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.rules.review_sessions import NothingDue, ReviewSummary
from bot.rules.review_stats import MissedQuestion, ReviewActivity, ReviewProgress
from bot.rules.shorten import shorten

MISSED_QUESTION_CHARS = 80  # a question's start on /stats: enough to recognise it


def _when(moment: datetime, zone: str, shown: str = "%Y-%m-%d %H:%M") -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime(shown)


def review_intro(total: int) -> str:
    return ngettext(
        "🔁 Review: {count} question that is due. Answer from memory!",
        "🔁 Review: {count} questions that are due. Answer from memory!",
        total,
    ).format(count=total)


def nothing_due(outcome: NothingDue, zone: str) -> str:
    if outcome.next_due is None:
        return _("🔁 Nothing to review yet: every quiz question you answer becomes a card. /learn")
    return _("✅ Nothing is due for review. Next review: {when}.").format(
        when=_when(outcome.next_due, zone)
    )


def review_summary(summary: ReviewSummary, zone: str) -> str:
    lines = [
        _("🏁 Review done: {right} right, {wrong} wrong.").format(
            right=summary.right, wrong=summary.wrong
        )
    ]
    if summary.points:
        lines.append("⭐ " + _("+{points} points").format(points=summary.points))
    if summary.streak_grew:
        lines.append(
            "🔥 "
            + ngettext("{days}-day streak!", "{days}-day streak!", summary.streak).format(
                days=summary.streak
            )
        )
    elif summary.streak_kept:
        lines.append("🔥 " + _("Your streak is safe for today."))
    if summary.more_due:
        lines.append(_("🔁 More questions are due: /review"))
    elif summary.next_due is not None:
        lines.append(_("Next review: {when}.").format(when=_when(summary.next_due, zone)))
    return "\n".join(lines)


def reviews_due_line(due: int) -> str:
    return ngettext("🔁 {count} review is due too.", "🔁 {count} reviews are due too.", due).format(
        count=due
    )


def review_push(due: int) -> str:
    return ngettext(
        "🔁 {count} question is due for review. A few minutes keep what you learned fresh"
        " (and your streak alive).",
        "🔁 {count} questions are due for review. A few minutes keep what you learned fresh"
        " (and your streak alive).",
        due,
    ).format(count=due)


def progress_review_lines(view: ReviewProgress, zone: str) -> list[str]:
    """/progress: the cards, and what is due now as /review counts it, then later today."""
    retention = (
        _("retention (30 days): {percent}%").format(percent=round(100 * view.retention))
        if view.retention is not None
        else _("no reviews in the last 30 days")
    )
    cards = _("🗂 Cards: {cards} · learned: {learned} · due now: {due}").format(
        cards=view.cards, learned=view.learned, due=view.due_now
    )
    if view.later_today and view.next_later is not None:
        cards += ", " + ngettext(
            "{count} more later today (next at {time})",
            "{count} more later today (next at {time})",
            view.later_today,
        ).format(
            count=view.later_today,
            time=_when(view.next_later, zone, "%H:%M"),
        )
    return [_("<b>Review</b>"), cards, "🎯 " + retention]


def admin_review_lines(activity: ReviewActivity, missed: list[MissedQuestion]) -> list[str]:
    retention = f"{round(100 * activity.retention)}%" if activity.retention is not None else "—"
    lines = [
        _("<b>Review</b>"),
        _("Review answers: {day} today · {week} in 7 days · {month} in 30 days").format(
            day=activity.answers_day, week=activity.answers_week, month=activity.answers_month
        ),
        _("Learners reviewing (30 days): {count} · retention: {retention}").format(
            count=activity.learners_month, retention=retention
        ),
    ]
    if missed:
        lines += ["", _("<b>Most missed questions (30 days)</b>")]
        lesson = None
        for item in missed:
            if item.lesson_title != lesson:
                lesson = item.lesson_title
                lines.append(f"📖 <b>{escape(lesson)}</b>")
            lines.append(
                _("  • {question} — {misses} of {answers} wrong").format(
                    question=escape(shorten(item.question, MISSED_QUESTION_CHARS)),
                    misses=item.misses,
                    answers=item.answers,
                )
            )
    return lines
