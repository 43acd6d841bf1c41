"""The Jinja2 templates, one environment per language of the bot's catalogues.

Autoescape is on for every template, so a learner's name is text wherever it appears;
the templates' texts are marked with `_()` and extracted into the bot's translation
catalogues with the chat's texts (`make messages`).
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.webapp import charts

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
LOCALES = Path(__file__).resolve().parent.parent / "telegram" / "locales"
LANGUAGES = ("en", "ru")
DEFAULT_LANGUAGE = "en"


def language_of(*codes: str | None) -> str:
    """The first of `codes` the catalogues speak (a code like "ru-RU" counts as "ru")."""
    for code in codes:
        short = (code or "").split("-")[0].lower()
        if short in LANGUAGES:
            return short
    return DEFAULT_LANGUAGE


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{round(100 * value)} %"


@cache
def translations(language: str) -> gettext.NullTranslations:
    return gettext.translation("messages", LOCALES, languages=[language], fallback=True)


@cache
def environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    translations = gettext.translation("messages", LOCALES, languages=[language], fallback=True)
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    env.globals["charts"] = charts
    env.filters["percent"] = _percent
    env.filters["zip"] = lambda first, second: zip(first, second, strict=False)
    return env


def render(template: str, language: str, **context: Any) -> str:
    return environment(language).get_template(template).render(**context)
