"""Texts of the weekly leagues: /league and the result of a week."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

from bot.rules.motivation.leagues import GROUP_SIZE, LeagueView
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
    if view.me is not None:
        lines += [
            "",
            _("Your place: {place} with {points} points").format(
                place=view.me.place, points=view.me.points
            ),
        ]
    return "\n".join(lines)


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
