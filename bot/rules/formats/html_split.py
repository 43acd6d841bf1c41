"""Splitting a long Telegram-HTML message into valid chunks: each chunk closes the tags
open at its cut and the next reopens them; cuts prefer paragraph, then line, then word
boundaries, and never split a grapheme or an entity."""

from __future__ import annotations

import unicodedata

from bot.rules.formats.telegram_html import (
    TELEGRAM_TEXT_LIMIT,
    open_stacks,
    tokenize,
    visible_text,
)

# Preference order of cut points: lower is better.
_PARAGRAPH, _LINE, _SPACE, _ANYWHERE, _AWKWARD = range(5)
_JOINERS = frozenset({"\u200d", "\ufe0e", "\ufe0f", "\u20e3"})


def _glues(ch: str) -> bool:
    """Whether ``ch`` attaches to the character before it (part of the same grapheme)."""
    code = ord(ch)
    return (
        ch in _JOINERS
        or 0x1F3FB <= code <= 0x1F3FF  # skin tone modifiers
        or 0xE0020 <= code <= 0xE007F  # tag characters (subdivision flags)
        or unicodedata.combining(ch) != 0
    )


class _Splitter:
    def __init__(self, text: str, limit: int) -> None:
        self.limit = limit
        self.tokens = tokens = tokenize(text)
        self.n = len(tokens)
        self.stacks = open_stacks(tokens)
        vis_sum = [0]
        for token in tokens:
            vis_sum.append(vis_sum[-1] + (len(token.visible) if token.kind == "text" else 0))
        self.vis_sum = vis_sum
        # per boundary: whether the text there is preformatted
        self.preformatted = [
            any(tokens[j].name in {"pre", "code"} for j in stack) for stack in self.stacks
        ]

    def _is_space(self, k: int) -> bool:
        token = self.tokens[k]
        return token.kind == "text" and token.raw.isspace()

    def skip(self, k: int) -> int:
        """Where a chunk starts when the previous one ended at boundary k."""
        while k < self.n:
            token = self.tokens[k]
            if token.kind in {"start", "end"} or (
                self._is_space(k) and (token.raw in "\r\n" or not self.preformatted[k])
            ):
                k += 1
            else:
                break
        return k

    def trim(self, start: int, k: int) -> int:
        """Boundary k moved back over trailing whitespace and opening tags."""
        while k > start and (self.tokens[k - 1].kind == "start" or self._is_space(k - 1)):
            k -= 1
        return k

    def prefix(self, k: int) -> str:
        return "".join(self.tokens[j].raw for j in self.stacks[k])

    def suffix(self, k: int) -> str:
        return "".join(f"</{self.tokens[j].name}>" for j in reversed(self.stacks[k]))

    def category(self, k: int, nxt: int) -> int:
        if nxt > k:
            newlines = sum(1 for j in range(k, nxt) if self.tokens[j].raw == "\n")
            if newlines >= 2:
                return _PARAGRAPH
            if newlines == 1:
                return _LINE
            if any(self._is_space(j) for j in range(k, nxt)):
                return _SPACE
        before, after = self.tokens[k - 1], self.tokens[k] if k < self.n else None
        if (
            any(self.tokens[j].name == "tg-emoji" for j in self.stacks[k])
            or (after is not None and after.kind == "text" and _glues(after.visible[:1] or " "))
            or (before.kind == "text" and before.visible[-1:] == "\u200d")
        ):
            return _AWKWARD
        return _ANYWHERE

    def fits(self, start: int, end: int) -> bool:
        """Only the visible text counts: tags, reopened or closed, cost Telegram nothing."""
        return self.vis_sum[end] - self.vis_sum[start] <= self.limit

    def chunk(self, start: int, end: int) -> str:
        body = "".join(token.raw for token in self.tokens[start:end])
        return (self.prefix(start) + body + self.suffix(end)).strip()

    def split(self) -> list[str]:
        chunks: list[str] = []
        start = self.skip(0)
        while start < self.n:
            end = self.trim(start, self.n)
            if self.fits(start, end):
                chunks.append(self.chunk(start, end))
                break
            best: dict[int, tuple[int, int]] = {}  # category -> (end, next start)
            for k in range(start + 1, self.n + 1):
                if not self.fits(start, k):
                    break
                last = self.tokens[k - 1]
                if last.kind == "start" or self._is_space(k - 1):
                    continue  # the same cut as an earlier boundary, minus trailing space
                after = self.tokens[k] if k < self.n else None
                if after is not None and after.kind == "text" and not after.raw.isspace():
                    nxt = k  # fast path: a cut inside a word
                else:
                    nxt = self.skip(k)
                best[self.category(k, nxt)] = (k, nxt)
            if not best:
                raise ValueError(
                    f"limit {self.limit} is too small to split this text "
                    f"(at position {self.tokens[start].pos})"
                )
            end, nxt = best[min(best)]
            chunks.append(self.chunk(start, end))
            start = nxt
        return [chunk for chunk in chunks if visible_text(chunk).strip()]


def split_html(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Split Telegram-HTML ``text`` into chunks that are each valid on their own.

    The visible text of every chunk (what Telegram counts) is at most ``limit``
    characters; the tags around it cost nothing, so a chunk is as full as the limit
    allows. Cuts never fall inside a tag or an entity; they prefer
    blank lines, then line breaks, then spaces, then anywhere (avoiding the middle of an
    emoji sequence when possible). Elements open at a cut are closed at the end of the
    chunk and reopened, with the same attributes, at the start of the next one.
    Whitespace at the cuts is dropped (inside ``<pre>``/``<code>`` only the line breaks,
    so indentation survives), chunks are stripped, and blank chunks are never returned.
    A text that fits comes back as ``[text.strip()]``.

    Raises ``ValueError`` when ``limit`` is too small to make progress (no cut point
    within ``limit`` visible characters).
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    stripped = text.strip()
    if not stripped:
        return []
    # Markup only shortens what is seen: a text whose source fits needs no scan.
    if len(stripped) <= limit or len(visible_text(stripped)) <= limit:
        return [stripped]
    return _Splitter(stripped, limit).split()
