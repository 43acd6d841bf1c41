"""Translations: every text in the code is in both catalogues, complete and compiled."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.entry.app import LOCALES_DIR

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("en", "ru")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
TAG = re.compile(r"</?[a-z-]+>")


def source_messages() -> set[str | tuple[str, str]]:
    found: set[str | tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT / "bot", method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


def catalogue(language: str) -> Catalog:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        return read_po(file, locale=language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_in_the_code_is_translated(language: str) -> None:
    po = catalogue(language)
    missing = []
    for message in source_messages():
        key = message if isinstance(message, str) else message[0]
        entry = po.get(key)
        strings = [] if entry is None else (
            list(entry.string) if isinstance(entry.string, tuple) else [entry.string]
        )  # fmt: skip
        if not strings or not all(strings):
            missing.append(key)
    assert not missing, f"{len(missing)} untranslated in {language}: {missing[:5]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_placeholders_and_tags(language: str) -> None:
    for entry in catalogue(language):
        if not entry.id:
            continue
        source = entry.id if isinstance(entry.id, str) else entry.id[1]
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) <= set(PLACEHOLDER.findall(source)), string
            assert TAG.findall(string) == TAG.findall(source), string


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_the_po_file(language: str) -> None:
    translations = gettext.translation("messages", LOCALES_DIR, languages=[language])
    for entry in catalogue(language):
        if not entry.id:
            continue
        if isinstance(entry.id, str):
            assert translations.gettext(entry.id) == entry.string, entry.id
        else:
            assert translations.ngettext(entry.id[0], entry.id[1], 1) == entry.string[0]


def test_russian_plurals_follow_russian_grammar() -> None:
    translations = gettext.translation("messages", LOCALES_DIR, languages=["ru"])
    forms = [translations.ngettext("{days} day", "{days} days", n).format(days=n)
             for n in (1, 2, 5, 11, 21, 22)]  # fmt: skip
    assert forms == ["1 день", "2 дня", "5 дней", "11 дней", "21 день", "22 дня"]
