"""Reach: the daily lesson push, the pause notice, and the admins' broadcast screens."""

from __future__ import annotations

import math
from html import escape
from typing import Any

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.rules.course import LessonInfo
from bot.rules.reach.broadcasts import Tally
from bot.telegram.callbacks import (
    AudienceChoice,
    BroadcastAction,
    BroadcastCb,
)
from bot.telegram.views.learning import start_button
from bot.telegram.views.review import review_button
from db.enums import BroadcastStatus

MAX_PROBLEMS_SHOWN = 10


def daily_lesson_push(lesson_title: str) -> str:
    return _("📚 Time for today's lesson: <b>{title}</b>. It takes a few minutes.").format(
        title=escape(lesson_title)
    )


def reminders_paused_push() -> str:
    return _(
        "👋 We have not seen you for two weeks, so reminders are paused. "
        "They start again by themselves when you come back: just send /learn."
    )


def daily_push_keyboard(lesson: LessonInfo | None, due: int) -> InlineKeyboardMarkup:
    """The daily push's buttons: the next lesson, and the due reviews when there are any."""
    builder = InlineKeyboardBuilder()
    if lesson is not None:
        builder.add(start_button(lesson))
    if due:
        review_button(builder, due)
    builder.adjust(1)
    return builder.as_markup()


AUDIENCES: dict[AudienceChoice, dict[str, Any]] = {
    AudienceChoice.ALL: {},
    AudienceChoice.RUSSIAN: {"language": "ru"},
    AudienceChoice.ENGLISH: {"language": "en"},
    AudienceChoice.INACTIVE: {"inactive_days": 7},
}


# How each language groups the digits of a count: 1,234 and 1 234 (a no-break space).
THOUSANDS_SEPARATORS = {"ru": "\u00a0"}


def grouped(count: int) -> str:
    return f"{count:,}".replace(",", THOUSANDS_SEPARATORS.get(get_i18n().current_locale, ","))


def ask_text() -> str:
    return _(
        "📣 Send me the message for the learners: text, or a photo with a caption. "
        "Formatting is kept as you write it.\n\n/cancel to stop."
    )


def audience_label(choice: AudienceChoice) -> str:
    return {
        AudienceChoice.ALL: _("All learners"),
        AudienceChoice.RUSSIAN: _("Russian speakers"),
        AudienceChoice.ENGLISH: _("English speakers"),
        AudienceChoice.INACTIVE: _("Inactive 7 days"),
    }[choice]


def preview_text(choice: AudienceChoice, count: int) -> str:
    if not count:
        return _(
            "👆 This is how learners will see it.\n\n"
            "No recipients: nobody would receive it ({audience}). Pick another audience."
        ).format(audience=audience_label(choice))
    return _(
        "👆 This is how learners will see it.\n\n"
        "Recipients: <b>{count}</b> ({audience}).\n"
        "Pick who gets it, then press Send."
    ).format(count=grouped(count), audience=audience_label(choice))


def confirm_text(choice: AudienceChoice, count: int) -> str:
    return ngettext(
        "📣 Send to <b>{count}</b> learner ({audience})? Once sent, it cannot be taken back.",
        "📣 Send to <b>{count}</b> learners ({audience})? Once sent, it cannot be taken back.",
        count,
    ).format(count=grouped(count), audience=audience_label(choice))


def eta_text(seconds: float | None) -> str:
    if seconds is None:
        return _("calculating…")
    if seconds < 60:
        return _("less than a minute")
    minutes = math.ceil(seconds / 60)
    if minutes < 90:
        return _("about {minutes} min").format(minutes=minutes)
    return _("about {hours} h {minutes} min").format(hours=minutes // 60, minutes=minutes % 60)


def progress_text(
    broadcast_id: int, counts: Tally, status: BroadcastStatus, eta: float | None = None
) -> str:
    """The progress message: live while sending, then the final report that stays."""
    if status is BroadcastStatus.DONE:
        title = _("<b>📣 Broadcast #{id}</b> · done ✅")
    elif status is BroadcastStatus.CANCELLED:
        title = _("<b>📣 Broadcast #{id}</b> · stopped ⏹")
    else:
        title = _("<b>📣 Broadcast #{id}</b> · sending…")
    lines = [
        title.format(id=broadcast_id),
        _("✅ Sent: {count}").format(count=counts.sent),
        _("🚫 Blocked: {count}").format(count=counts.blocked),
        _("⚠️ Failed: {count}").format(count=counts.failed),
    ]
    if status is BroadcastStatus.SENDING:
        lines.append(
            _("⏳ Left: {left} of {total} · {eta}").format(
                left=counts.left, total=counts.total, eta=eta_text(eta)
            )
        )
    elif status is BroadcastStatus.CANCELLED:
        lines.append(_("⏹ Not sent: {count}").format(count=counts.left))
    else:
        lines.append(_("Recipients: {total}").format(total=counts.total))
    return "\n".join(lines)


def preview_keyboard(broadcast_id: int, chosen: AudienceChoice, count: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for choice in AudienceChoice:
        mark = "● " if choice is chosen else ""
        builder.button(
            text=mark + audience_label(choice),
            callback_data=BroadcastCb(
                action=BroadcastAction.AUDIENCE, broadcast_id=broadcast_id, audience=choice
            ),
        )
    if count:  # never an offer to send to nobody
        send = BroadcastCb(action=BroadcastAction.SEND, broadcast_id=broadcast_id, audience=chosen)
        builder.button(
            text=_("✅ Send to {count}").format(count=grouped(count)), callback_data=send
        )
    drop = BroadcastCb(action=BroadcastAction.DROP, broadcast_id=broadcast_id)
    builder.button(text=_("✖ Cancel"), callback_data=drop)
    builder.adjust(2, 2, 2)
    return builder.as_markup()


def confirm_keyboard(broadcast_id: int, chosen: AudienceChoice) -> InlineKeyboardMarkup:
    """Send for real, or back to the preview with the same audience."""
    builder = InlineKeyboardBuilder()
    confirm = BroadcastCb(
        action=BroadcastAction.CONFIRM, broadcast_id=broadcast_id, audience=chosen
    )
    builder.button(text=_("✅ Send now"), callback_data=confirm)
    back = BroadcastCb(action=BroadcastAction.AUDIENCE, broadcast_id=broadcast_id, audience=chosen)
    builder.button(text=_("◀️ Back"), callback_data=back)
    return builder.as_markup()


def progress_keyboard(broadcast_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    stop = BroadcastCb(action=BroadcastAction.STOP, broadcast_id=broadcast_id)
    builder.button(text=_("⏹ Stop"), callback_data=stop)
    return builder.as_markup()


def choice_of(audience: dict[str, Any]) -> AudienceChoice:
    return next(
        (choice for choice, value in AUDIENCES.items() if value == audience), AudienceChoice.ALL
    )


def cancelled() -> str:
    return _("Broadcast cancelled: nothing was sent.")


def cannot_send(problems: list[str]) -> str:
    listed = "\n".join(f"• {escape(p)}" for p in problems[:MAX_PROBLEMS_SHOWN])
    return _("I can't send that:\n{problems}\n\nSend another message, or /cancel.").format(
        problems=listed
    )


def preview_too_old() -> str:
    return _("This preview is too old: send /broadcast again.")


def sending_started() -> str:
    return _("Sending has started.")


def already_finished() -> str:
    return _("This broadcast has already finished.")


def stopped() -> str:
    return _("Stopped.")


def nobody() -> str:
    return _("Nobody is in this audience: pick another one.")


def not_a_draft() -> str:
    return _("This broadcast has already been sent or cancelled.")
