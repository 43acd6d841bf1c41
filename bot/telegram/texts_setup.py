"""Texts of onboarding and of the /settings pickers: resuming an unfinished onboarding,
and time zones typed as a city or an IANA name."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

from bot.rules.shorten import shorten
from bot.telegram.zones import city_of


def type_a_place() -> str:
    return _(
        "Or type your city (<i>Brisbane</i>), time zone (<i>Australia/Brisbane</i>) or"
        " offset (<i>UTC+3</i>)."
    )


def other_zones() -> str:
    return _("Pick the time your clock shows now:") + "\n" + type_a_place()


def what_time_is_it() -> str:
    return _("<b>What time is it for you now?</b>") + "\n" + type_a_place()


def resume_zone() -> str:
    return (
        _("Let's finish setting up first, so your daily lesson comes at the right hour.")
        + "\n\n"
        + what_time_is_it()
    )


def resume_lesson_time() -> str:
    return _("Let's finish setting up first: <b>when would you like your daily lesson?</b>")


def unknown_place(typed: str, suggestion: str | None) -> str:
    """A typed place we do not know, and the city it most likely means (its zone)."""
    text = _("I don't know a time zone called «{typed}».").format(typed=escape(shorten(typed, 100)))
    if suggestion is None:
        return text
    return text + " " + _("Did you mean {city}?").format(city=escape(city_of(suggestion)))
