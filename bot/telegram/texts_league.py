"""Texts of the weekly leagues: /league and the result of a week."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

from bot.rules.leagues import (
    BOTTOM_TIER,
    DEMOTE_FROM,
    GROUP_SIZE,
    PROMOTED,
    TOP_TIER,
    LeagueView,
)
from db.enums import LeagueTier


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
