"""Motivation: rewards, /progress, /achievements, leagues and streaks: texts (the boards
of /leaderboard are in bot.telegram.views.boards)."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.rules.learning.progress import AchievementView, ProgressView
from bot.rules.motivation.achievements import EarnedAchievement
from bot.rules.motivation.awards import Rewards
from bot.rules.motivation.league_table import LeagueView
from bot.rules.motivation.leagues import (
    BOTTOM_TIER,
    DEMOTE_FROM,
    GROUP_SIZE,
    PROMOTED,
    TOP_TIER,
)
from bot.rules.motivation.streaks import MAX_FREEZES
from bot.telegram.views.boards import best_placing_lines
from bot.telegram.views.common import name_of, progress_bar
from db.enums import LeagueTier


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
    lines.extend(achievement_lines(rewards.achievements))
    return "\n".join(lines)


def achievement_lines(achievements: Iterable[EarnedAchievement]) -> list[str]:
    """A line for each achievement just earned, whatever earned it."""
    lines = []
    for achievement in achievements:
        line = _("New achievement: {icon} <b>{title}</b>").format(
            icon=achievement.icon or "🏅",
            title=escape(achievement_title(achievement.slug, achievement.title)),
        )
        if achievement.points:
            line += " " + _("(+{points} points)").format(points=achievement.points)
        lines.append("🏆 " + line)
    return lines


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
        freezes_line(view.freezes, view.frozen_days),
        _("🏅 Rank: #{rank}").format(rank=view.rank) if view.rank else _("🏅 Rank: not ranked yet"),
        *best_placing_lines(view.best),
        "",
        _("<b>Lessons</b>"),
    ]
    for module in view.modules:
        mark = "✅" if module.done == module.total else "▫️"
        line = f"{mark} {escape(module.title)}: {module.done}/{module.total}"
        if module.tested_out:
            line += " " + _("({count} tested out)").format(count=module.tested_out)
        lines.append(line)
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


def streak_reminder_push(streak: int) -> str:
    return ngettext(
        "🔥 Your {days}-day streak ends at midnight! One lesson today keeps it alive.",
        "🔥 Your {days}-day streak ends at midnight! One lesson today keeps it alive.",
        streak,
    ).format(days=streak)


def tier_name(tier: LeagueTier) -> str:
    match tier:
        case LeagueTier.BRONZE:
            return _("Bronze")
        case LeagueTier.SILVER:
            return _("Silver")
        case LeagueTier.GOLD:
            return _("Gold")
        case LeagueTier.SAPPHIRE:
            return _("Sapphire")
        case LeagueTier.DIAMOND:
            return _("Diamond")


TIER_ICONS = {
    LeagueTier.BRONZE: "🥉",
    LeagueTier.SILVER: "🥈",
    LeagueTier.GOLD: "🥇",
    LeagueTier.SAPPHIRE: "🔷",
    LeagueTier.DIAMOND: "💎",
}


def league_text(view: LeagueView) -> str:
    title = _("<b>{icon} {tier} league</b> · this week").format(
        icon=TIER_ICONS[view.tier], tier=tier_name(view.tier)
    )
    if view.placing:
        return "\n".join(
            [
                title,
                "",
                _(
                    "You earned points this week: you join a group within a minute, once last"
                    " week's results are in. Open /league again then."
                ),
            ]
        )
    if not view.joined:
        return "\n".join(
            [
                title,
                "",
                _(
                    "Earn points this week to join a group of up to {size} learners of your"
                    " league. The top 7 move up a league on Monday, the last 5 move down."
                ).format(size=GROUP_SIZE),
            ]
        )
    lines = [title, ""]
    following = [*view.standings[1:], None]
    for standing, after in zip(view.standings, following, strict=True):
        name = escape(standing.name) if standing.name else _("a learner")
        line = f"{standing.place}. {name} — {standing.points}"
        lines.append(f"<b>{line}</b>" if standing.is_me else line)
        if after is None:
            break
        if _crosses(view.promote_through, standing.place, after.place):
            lines.append(_("⬆️ promotion line"))
        if _crosses(view.demote_after, standing.place, after.place):
            lines.append(_("⬇️ demotion line"))
    lines.append("")
    if view.me is not None:
        lines.append(
            _("Your place: {place} with {points} points").format(
                place=view.me.place, points=view.me.points
            )
        )
    return "\n".join([*lines, moving_up(view), moving_down(view)])


def moving_up(view: LeagueView) -> str:
    """Who moves up from this group on Monday, whatever its size."""
    if view.tier == TOP_TIER:
        return _("Nobody moves up from {tier}, the top league.").format(tier=tier_name(view.tier))
    up = tier_name(LeagueTier(view.tier + 1))
    if view.size <= PROMOTED:
        return _(
            "⬆️ The top {count} move up to {tier} on Monday: so far, everyone in this group."
        ).format(count=PROMOTED, tier=up)
    return _("⬆️ Places 1–{last} move up to {tier} on Monday.").format(last=PROMOTED, tier=up)


def moving_down(view: LeagueView) -> str:
    """Who moves down from this group on Monday, or why nobody does."""
    if view.tier == BOTTOM_TIER:
        return _("Nobody moves down from {tier}.").format(tier=tier_name(view.tier))
    if view.demote_after is None:
        return _("Nobody moves down while the group has fewer than {count} learners.").format(
            count=DEMOTE_FROM
        )
    return _("⬇️ Places {first}–{last} move down to {tier}.").format(
        first=view.demote_after + 1, last=view.size, tier=tier_name(LeagueTier(view.tier - 1))
    )


def _crosses(line: int | None, place: int, next_place: int) -> bool:
    return line is not None and place <= line < next_place


def league_result(place: int, tier: LeagueTier, new_tier: LeagueTier) -> str:
    """The one message a member gets when a week closes."""
    head = _("🏁 League week over: you finished #{place} in the {tier} league.").format(
        place=place, tier=tier_name(tier)
    )
    if new_tier > tier:
        tail = _("⬆️ You move up to {tier}!").format(tier=tier_name(new_tier))
    elif new_tier < tier:
        tail = _("⬇️ You move down to {tier}. Next week is a new chance.").format(
            tier=tier_name(new_tier)
        )
    else:
        tail = _("You stay in {tier}.").format(tier=tier_name(new_tier))
    return head + "\n" + tail


def freeze_saved(streak: int) -> str:
    return ngettext(
        "❄️ Your streak freeze saved your {days}-day streak.",
        "❄️ Your streak freeze saved your {days}-day streak.",
        streak,
    ).format(days=streak)


def freezes_line(held: int, frozen_days: int) -> str:
    """/progress: freezes held and the frozen days of the current streak."""
    return _("❄️ Streak freezes: {held} of {most} · frozen days: {frozen}").format(
        held=held, most=MAX_FREEZES, frozen=frozen_days
    )
