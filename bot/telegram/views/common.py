"""Texts every domain shares: help, errors, the fallback, names, progress bars."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _


def name_of(first_name: str | None) -> str:
    return escape(first_name or _("friend"))


def help_text() -> str:
    return (
        _(
            "<b>LearnBot</b> teaches in short lessons, each ending in a quiz.\n\n"
            "/learn — continue with the next lesson\n"
            "/review — questions due for review\n"
            "/modules — all modules and lessons\n"
            "/progress — level, points, streak and rank\n"
            "/achievements — what you have earned\n"
            "/leaderboard — the top learners\n"
            "/league — your league this week\n"
            "/cohort — your cohorts (a class with mentors); mentors see theirs here\n"
            "/settings — time zone, lesson time, reminders, language\n"
            "/start — start again or see where you are\n"
            "/privacy — what I keep about you; /export, /deleteme\n"
            "/help — this list"
        )
        + "\n\n"
        + _(
            "🎓 /certificate — your certificate, once the course is done\n"
            "/verify CODE — check whether a certificate is genuine"
        )
        + "\n\n"
        + _(
            "📚 /courses — every course: start one, switch between them\n"
            "⏸ /pause — a break of a few days (your streak waits); /resume ends it"
        )
        + "\n\n"
        + _(
            "✍️ Some lessons end in an assignment: your answers are kept as a draft until you "
            "submit them, and a mentor (or an admin) reviews them. Reviewers: /reviews"
        )
    )


def admin_help() -> str:
    return _("🛠 You are an admin: /admin — the admin menu (/stats, /broadcast, /user, /audit…)")


def unknown() -> str:
    return _("I didn't get that. Send /learn to continue, or /help to see what I can do.")


def private_only() -> str:
    return _("Let's talk in private: open a chat with me to learn.")


def try_again_later() -> str:
    return _("⚠️ Something went wrong on my side. Please try again in a minute.")


def stale_button() -> str:
    return _("This button is out of date. Send /learn to continue.")


def progress_bar(filled: int, size: int, width: int = 10) -> str:
    cells = min(width, filled * width // size) if size else width
    return "▰" * cells + "▱" * (width - cells)
