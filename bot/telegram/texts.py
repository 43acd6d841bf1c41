"""Every message a learner reads is rendered here, from gettext catalogues.

User data (names) and content titles are HTML-escaped; lesson bodies are already
Telegram HTML, validated at import.
"""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.rules.course import CourseMap, LessonInfo
from bot.rules.learning import (
    LessonState,
    LessonStatus,
    LockReason,
    NextStep,
    QuizResult,
    Refusal,
    Refused,
)
from bot.rules.progress import AchievementView, ProgressView
from bot.rules.rewards import Rewards
from bot.telegram import board_view, texts_motivation
from bot.telegram.zones import format_minute, zone_name

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


def stale_button() -> str:
    return _("This button is out of date. Send /learn to continue.")


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
    else:
        text += "\n" + _("A retake of a finished lesson: no points this time.")
    if result.rewards is not None:
        text += "\n\n" + rewards_text(result.rewards)
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
    )


def admin_help() -> str:
    return _("🛠 You are an admin: /admin — the admin menu (/stats, /broadcast, /user, /audit…)")


def unknown() -> str:
    return _("I didn't get that. Send /learn to continue, or /help to see what I can do.")


def private_only() -> str:
    return _("Let's talk in private: open a chat with me to learn.")


def try_again_later() -> str:
    return _("⚠️ Something went wrong on my side. Please try again in a minute.")


# ------------------------------------------------------------------ motivation


def rewards_text(rewards: Rewards) -> str:
    """Everything a completion earned, in a few lines of one message."""
    lines = ["⭐ " + points_text(rewards)]
    if rewards.streak_grew:
        lines.append(
            "🔥 "
            + ngettext("{days}-day streak!", "{days}-day streak!", rewards.streak).format(
                days=rewards.streak
            )
        )
    if rewards.levelled_up:
        lines.append("🆙 " + _("Level {level}!").format(level=rewards.level))
    for achievement in rewards.achievements:
        line = _("New achievement: {icon} <b>{title}</b>").format(
            icon=achievement.icon or "🏅",
            title=escape(achievement_title(achievement.slug, achievement.title)),
        )
        if achievement.points:
            line += " " + _("(+{points} points)").format(points=achievement.points)
        lines.append("🏆 " + line)
    return "\n".join(lines)


def points_text(rewards: Rewards) -> str:
    """The total first, then what it is made of when more than one thing paid."""
    earned = [
        (rewards.points, _("{points} for the lesson")),
        (rewards.bonus, _("{points} for passing at the first try")),
        (
            rewards.achievement_points,
            ngettext(
                "{points} for an achievement",
                "{points} for achievements",
                sum(1 for achievement in rewards.achievements if achievement.points),
            ),
        ),
    ]
    parts = [text.format(points=points) for points, text in earned if points]
    total = _("+{points} points").format(points=rewards.total)
    return total + ": " + ", ".join(parts) if len(parts) > 1 else total


def progress_bar(filled: int, size: int, width: int = 10) -> str:
    cells = min(width, filled * width // size) if size else width
    return "▰" * cells + "▱" * (width - cells)


def progress_text(view: ProgressView, first_name: str | None) -> str:
    lines = [
        _("<b>📈 {name}'s progress</b>").format(name=name_of(first_name)),
        "",
        _("Level <b>{level}</b> · {points} points").format(level=view.level, points=view.points),
        _("{bar} {into}/{size} to level {next}").format(
            bar=progress_bar(view.into_level, view.level_size),
            into=view.into_level,
            size=view.level_size,
            next=view.level + 1,
        ),
        _("🔥 Streak: {current} · longest: {longest}").format(
            current=ngettext("{days} day", "{days} days", view.current_streak).format(
                days=view.current_streak
            ),
            longest=ngettext("{days} day", "{days} days", view.longest_streak).format(
                days=view.longest_streak
            ),
        ),
        texts_motivation.freezes_line(view.freezes, view.frozen_days),
        _("🏅 Rank: #{rank}").format(rank=view.rank) if view.rank else _("🏅 Rank: not ranked yet"),
        *board_view.best_placing_lines(view.best),
        "",
        _("<b>Lessons</b>"),
    ]
    for module in view.modules:
        mark = "✅" if module.done == module.total else "▫️"
        lines.append(f"{mark} {escape(module.title)}: {module.done}/{module.total}")
    return "\n".join(lines)


def achievements_text(views: list[AchievementView]) -> str:
    earned = [v for v in views if v.earned_at is not None]
    locked = [v for v in views if v.earned_at is None]
    lines = [
        _("<b>🏆 Achievements</b> · {earned}/{total}").format(earned=len(earned), total=len(views))
    ]
    if earned:
        lines.append("")
        for view in earned:
            assert view.earned_at is not None
            lines.append(
                f"{view.icon or '🏅'} <b>{escape(achievement_title(view.slug, view.title))}</b>"
                f" — {view.earned_at:%Y-%m-%d}"
            )
    if locked:
        lines += ["", _("<b>Still to earn</b>")]
        for view in locked:
            hint = achievement_hint(view.slug, view.description)
            title = escape(achievement_title(view.slug, view.title))
            lines.append(f"🔒 {title}" + (f" — <i>{escape(hint)}</i>" if hint else ""))
    return "\n".join(lines)


def settings_text(zone: str, minute: int, reminders: bool, visible: bool, language: str) -> str:
    on, off = _("on"), _("off")
    return "\n".join(
        [
            _("<b>⚙️ Settings</b>"),
            "",
            _("🌍 Time zone: {zone}").format(zone=escape(zone_name(zone))),
            _("🕒 Lesson time: {time}").format(time=format_minute(minute)),
            _("🔔 Daily lesson and reminders: {state}").format(state=on if reminders else off),
            _("🏆 On the leaderboard: {state}").format(state=on if visible else off),
            _("🗣 Language: {language}").format(language=LANGUAGE_NAMES.get(language, language)),
        ]
    )


def settings_saved() -> str:
    return _("Saved ✅")


def choose_zone() -> str:
    return _("Pick the time your clock shows now:")


def choose_time() -> str:
    return _("When would you like your daily lesson?")


def choose_language() -> str:
    return _("Choose your language:")


LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}


def achievement_title(slug: str, stored: str) -> str:
    """The title in the learner's language for the default achievements."""
    titles = DEFAULT_ACHIEVEMENT_TEXTS.get(slug)
    return titles[0]() if titles else stored


def achievement_hint(slug: str, stored: str | None) -> str | None:
    titles = DEFAULT_ACHIEVEMENT_TEXTS.get(slug)
    return titles[1]() if titles else stored


# The default achievements' texts, so the catalogues can translate them.
DEFAULT_ACHIEVEMENT_TEXTS = {
    "first-lesson": (lambda: _("First step"), lambda: _("Complete your first lesson.")),
    "first-module": (lambda: _("Module master"), lambda: _("Complete every lesson of a module.")),
    "lessons-10": (lambda: _("Bookworm"), lambda: _("Complete 10 lessons.")),
    "course-half": (lambda: _("Halfway there"), lambda: _("Finish half of the course's lessons.")),
    "course-complete": (lambda: _("Graduate"), lambda: _("Finish every lesson of the course.")),
    "streak-3": (lambda: _("On fire"), lambda: _("Learn 3 days in a row.")),
    "streak-7": (lambda: _("Week warrior"), lambda: _("Learn 7 days in a row.")),
    "streak-14": (lambda: _("Unstoppable"), lambda: _("Learn 14 days in a row.")),
    "perfect-10": (
        lambda: _("Sharpshooter"),
        lambda: _("Pass 10 quizzes with every answer right."),
    ),
    "points-500": (lambda: _("500 club"), lambda: _("Earn 500 points.")),
    "points-top": (
        lambda: _("Top of the class"),
        lambda: _("Earn 90 percent of the points the course's lessons give."),
    ),
}


# ------------------------------------------------------------------ scheduled pushes


def daily_lesson_push(lesson_title: str) -> str:
    return _("📚 Time for today's lesson: <b>{title}</b>. It takes a few minutes.").format(
        title=escape(lesson_title)
    )


def streak_reminder_push(streak: int) -> str:
    return ngettext(
        "🔥 Your {days}-day streak ends at midnight! One lesson today keeps it alive.",
        "🔥 Your {days}-day streak ends at midnight! One lesson today keeps it alive.",
        streak,
    ).format(days=streak)
