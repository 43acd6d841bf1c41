"""The product's own HTML validator (used by the content importer and broadcasts) judged
by TDLib, the parser Telegram itself runs on `parse_mode=HTML`."""

from __future__ import annotations

import random

import pytest

from bot.rules.formats.telegram_html import validate_telegram_html, visible_text
from tests.support.telegram_parser import CantParseEntities, parse_html

PIECES = (
    "word",
    " ",
    "\n",
    "😀",
    "👍🏽",
    "é",
    "&amp;",
    "&lt;",
    "&gt;",
    "&quot;",
    "&#128512;",
    "&#x41;",
    "&nbsp;",
    "&",
    "<",
    ">",
    '"',
    "'",
    "<br>",
    "<p>",
    "</b>",
    "<b/>",
    "<i",
)
TAGS = (
    ("b", ""),
    ("strong", ""),
    ("i", ""),
    ("em", ""),
    ("u", ""),
    ("ins", ""),
    ("s", ""),
    ("strike", ""),
    ("del", ""),
    ("tg-spoiler", ""),
    ("span", ' class="tg-spoiler"'),
    ("span", ""),
    ("span", ' class="other"'),
    ("a", ' href="https://example.com/?a=1&amp;b=2"'),
    ("a", " href='tg://user?id=1'"),
    ("a", ""),
    ("code", ""),
    ("code", ' class="language-python"'),
    ("pre", ""),
    ("blockquote", ""),
    ("blockquote", " expandable"),
    ("tg-emoji", ' emoji-id="5368324170671202286"'),
    ("B", ""),
    ("b", ' style="x"'),
    ("font", ""),
)


class Fragments:
    """Seeded random strings: mostly well-formed Telegram HTML, with every kind of slip."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def element(self, depth: int) -> str:
        rng = self.rng
        name, attrs = rng.choice(TAGS)
        inner = self.text(depth + 1)
        closing = f"</{name}>" if rng.random() < 0.93 else ""
        return f"<{name}{attrs}>{inner}{closing}"

    def text(self, depth: int = 0) -> str:
        rng = self.rng
        parts = []
        for _ in range(rng.randint(1, 5)):
            if depth < 3 and rng.random() < 0.35:
                parts.append(self.element(depth))
            elif rng.random() < 0.25:
                parts.append(rng.choice(PIECES))
            else:
                parts.append(rng.choice(("word", "two words", "Zoë", "李")))
        return "".join(parts)


def tdlib_verdict(text: str) -> str | None:
    """TDLib's visible text, or None when Telegram would answer "can't parse entities"."""
    try:
        return parse_html(text)
    except CantParseEntities:
        return None


@pytest.mark.parametrize("seed", range(4))
def test_what_the_validator_accepts_telegram_parses_to_the_same_text(seed: int) -> None:
    fragments = Fragments(seed)
    accepted = refused = 0
    for _ in range(100):
        text = fragments.text()
        shown = tdlib_verdict(text)
        if validate_telegram_html(text) == []:
            accepted += 1
            assert shown is not None, text
            assert visible_text(text) == shown, text
            # and it measures the text as Telegram does
            assert validate_telegram_html(text, max_length=len(shown)) == [], text
            assert validate_telegram_html(text, max_length=len(shown) - 1) != [], text
        else:
            refused += 1
    assert accepted >= 10, accepted  # the strings test both ways
    assert refused >= 10, refused


@pytest.mark.parametrize(
    "text",
    [
        "a <p> b",
        "<b>bold",
        "</i>",
        "<b><i>x</b></i>",
    ],
)
def test_what_telegram_refuses_the_validator_refuses(text: str) -> None:
    # The validator is stricter on purpose where Telegram guesses (a raw "&", tags
    # inside <pre>): the importer wants the author to say what they mean.
    assert tdlib_verdict(text) is None
    assert validate_telegram_html(text) != []
