"""Shortening a text to fit a place: every cut ends with "…", at a word boundary.

A button label, a line of statistics, a preview of a push: when a text is longer than the
room it gets, it is cut after the last whole word that fits, with "…" appended (counted in
the room), so a reader sees that something was left out, and never half a word. Only a
first word longer than the room is cut inside itself, and then never inside a character's
accents or an emoji sequence. Punctuation that would dangle before the "…" (a comma, a dash,
an opening bracket) goes too.
"""

from __future__ import annotations

import unicodedata

ELLIPSIS = "…"
# Left at the end of a cut, these would read as a sentence going on: dropped before "…".
DANGLING = " \t\n\r\f\v,.;:-–—([{«„“\"'/"
# Spaces that keep the words on either side together: never a place to cut.
NO_BREAK = {"\u00a0", "\u2007", "\u202f"}
# Characters that join the one before them into one symbol: never cut just before one.
JOINERS = {"\u200d", "\ufe0e", "\ufe0f"}


def shorten(text: str, limit: int) -> str:
    """``text`` if it has at most ``limit`` characters; else its longest run of whole words
    that fits with "…" appended (a single too-long word cut inside)."""
    if limit < 1:
        raise ValueError(f"a shortened text needs room for at least one character, not {limit}")
    if len(text) <= limit:
        return text
    room = limit - len(ELLIPSIS)
    if _breaks(text[room]):
        head = text[:room]
    else:
        boundary = next((i for i in range(room - 1, 0, -1) if _breaks(text[i])), 0)
        head = text[:boundary] if boundary > 0 else text[: _symbol_start(text, room)]
    head = head.rstrip(DANGLING) or head.rstrip()
    return head + ELLIPSIS


def _breaks(character: str) -> bool:
    """A space a line may break at (a no-break space joins its words)."""
    return character.isspace() and character not in NO_BREAK


def _symbol_start(text: str, index: int) -> int:
    """``index``, moved back to the start of the symbol (letter and accents, emoji
    sequence) it falls in, so a cut there splits no symbol."""
    while index > 0 and (
        unicodedata.combining(text[index])
        or text[index] in JOINERS
        or text[index - 1] == "\u200d"
        or _is_modifier(text[index])
    ):
        index -= 1
    return index


def _is_modifier(character: str) -> bool:
    """An emoji skin tone or a tag character: part of the emoji before it."""
    code = ord(character)
    return 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F
