"""Privacy: /privacy, the export, /deleteme and the admins' CSV."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext


def privacy() -> str:
    return (
        _(
            "<b>🔒 Your data at LearnBot</b>\n\n"
            "<b>What I keep, and why</b>\n"
            "• Your Telegram id, first and last name, username and language: to know you, "
            "greet you and speak your language.\n"
            "• Your time zone and daily lesson time: to send the lesson at your hour.\n"
            "• Your progress, quiz answers, points, level, streak and achievements: to continue "
            "where you left off, and for the leaderboards.\n"
            "• Your activity (when you came, what you finished): for streaks and for the admins' "
            "totals.\n"
            "• The messages I sent you (what and when, not their text): so nothing is sent "
            "twice.\n\n"
            "<b>For how long</b>\n"
            "As long as you have an account: nothing expires by itself. Nobody but the bot's "
            "admins sees it; the leaderboard shows only your first name and points, and you can "
            "hide from it in /settings.\n\n"
            "<b>In a cohort</b>\n"
            "The cohorts you joined (see /cohort) and when. Their mentors see your first name, "
            "lessons done, current lesson, streak, points, when you were last active and your "
            "progress per module, and may message the cohort; a cohort's group chat shows only "
            "your first name and points. Leaving a cohort (in /cohort) ends this.\n\n"
            "<b>Your commands</b>\n"
            "/export: everything I keep about you, as a file.\n"
            "/deleteme: erase your account and everything about you, for good."
        )
        + "\n\n"
        + _(
            "<b>Assignments</b>\n"
            "Your answers (every version you submitted; photos and files as Telegram file ids, "
            "never downloaded) and the reviewers' comments. Your reviewers (your cohort's "
            "mentors, else the admins) read them, and later lessons quote your answers to you. "
            "/deleteme erases them; a comment you wrote on someone else's work stays, without "
            "your name."
        )
    )


def export_caption() -> str:
    return _("📦 Everything I keep about you (JSON, dates in UTC).")


def export_filename() -> str:
    return "learnbot-my-data.json"


def confirm_delete() -> str:
    return _(
        "<b>🗑 Delete your account?</b>\n\n"
        "This erases, at once and for good: your profile and settings, your progress and "
        "quiz answers, your points, level, streak and achievements, your place on the "
        "leaderboards, your activity and the record of messages I sent you.\n\n"
        "I will send you nothing more. If you write /start later, you start from scratch.\n\n"
        "Want a copy first? /export"
    )


def delete_yes() -> str:
    return _("🗑 Yes, delete everything")


def delete_no() -> str:
    return _("Keep my account")


def deleted() -> str:
    return _(
        "✅ Done: your account and everything about you are deleted. I will not write to you "
        "again. Goodbye! (/start begins anew.)"
    )


def kept() -> str:
    return _("👍 Nothing was deleted.")


def admin_refused() -> str:
    return _(
        "You are an admin: your account holds the record of your admin actions. Ask another "
        "admin to demote you (or the operator to remove you from ADMIN_IDS), then try again."
    )


def csv_caption(count: int) -> str:
    return ngettext(
        "📊 {count} learner: progress, points, streaks.",
        "📊 {count} learners: progress, points, streaks.",
        count,
    ).format(count=count)


def csv_compressed() -> str:
    return _("Compressed with gzip: it was larger than Telegram lets a bot send.")


def csv_too_large() -> str:
    return _(
        "The file is larger than Telegram lets a bot send, even compressed. On the server: "
        "<code>learnbot export learners learners.csv</code>"
    )
