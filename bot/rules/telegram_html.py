"""Telegram-HTML utilities: escape, validate, and split long messages into valid chunks.

Telegram's HTML dialect (https://core.telegram.org/bots/api#html-style) is small: a handful
of tags, four named entities plus numeric ones, and every ``<``/``&`` that is not markup
must be escaped. The helpers here work on that dialect with a small scanner; they need
neither a database nor aiogram.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from bot.rules.shorten import shorten

__all__ = [
    "TELEGRAM_TEXT_LIMIT",
    "escape",
    "html_problems",
    "split_html",
    "validate_telegram_html",
    "visible_text",
]

TELEGRAM_TEXT_LIMIT = 4096
SHOWN_HREF = 40  # characters of a refused link quoted in the problem
"""Maximum length of a message text (captions: 1024).

Telegram counts Unicode code points of the text after entity parsing: tags cost
nothing, ``&amp;`` is one character, an emoji outside the BMP is one (not two
UTF-16 units)."""

_TAG_RE = re.compile(
    r"<(?P<close>/)?(?P<name>[A-Za-z][A-Za-z0-9-]*)"
    r"(?P<attrs>(?:\s+[^\s=/>\"'<]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*)"
    r"\s*(?P<selfclose>/)?>"
)
_ATTR_RE = re.compile(r"([^\s=/>\"'<]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?")
_ENTITY_RE = re.compile(r"&(?:#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")
_NAMED_ENTITIES = frozenset({"&lt;", "&gt;", "&amp;", "&quot;"})

_ALLOWED_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-spoiler",
        "span",
        "tg-emoji",
    }
)
_LANGUAGE_CLASS_RE = re.compile(r"language-\S+")
# Links a learner may safely follow: web pages, Telegram's own links, e-mail. Anything else
# (javascript:, data:, file:, a relative path) would be refused by Telegram or be a trap.
LINK_SCHEMES = frozenset({"http", "https", "tg", "mailto"})

TokenKind = Literal["start", "end", "void", "text"]


@dataclass(frozen=True, slots=True)
class _Token:
    kind: TokenKind
    raw: str
    pos: int
    name: str = ""
    visible: str = ""
    attrs: tuple[tuple[str, str | None], ...] = ()


def escape(text: str, *, quote: bool = False) -> str:
    """Escape ``&``, ``<`` and ``>`` (and quotes with ``quote=True``, for attribute values)."""
    return html.escape(text, quote=quote)


def visible_text(text: str) -> str:
    """The text a reader sees: tags removed, entities decoded.

    The same reading as the scanner below (a tag or an entity wherever one starts, any other
    character as it is), in one regular-expression pass instead of a token per character.
    """
    return _MARKUP_RE.sub(_visible_markup, text)


# A tag or an entity, whichever starts at a position (a "<" starts only tags, a "&" entities).
_MARKUP_RE = re.compile(f"(?P<tag>{_TAG_RE.pattern})|{_ENTITY_RE.pattern}")


def _visible_markup(match: re.Match[str]) -> str:
    return "" if match.group("tag") is not None else html.unescape(match.group(0))


# --------------------------------------------------------------------------- scanner


def _parse_attrs(source: str) -> tuple[tuple[str, str | None], ...]:
    attrs: list[tuple[str, str | None]] = []
    for match in _ATTR_RE.finditer(source):
        name, value = match.group(1).lower(), match.group(2)
        if value is not None and value[:1] in {'"', "'"}:
            value = value[1:-1]
        attrs.append((name, html.unescape(value) if value is not None else None))
    return tuple(attrs)


def _tokenize(text: str) -> list[_Token]:
    """Tags and entities as single tokens; every other character is a token of its own.

    Lenient: a ``<`` or ``&`` that does not start a tag or an entity is a text token.
    """
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "<":
            match = _TAG_RE.match(text, i)
            if match is not None:
                raw = match.group(0)
                name = match.group("name").lower()
                if match.group("close"):
                    tokens.append(_Token("end", raw, i, name))
                else:
                    kind: TokenKind = "void" if match.group("selfclose") else "start"
                    attrs = _parse_attrs(match.group("attrs"))
                    tokens.append(_Token(kind, raw, i, name, attrs=attrs))
                i = match.end()
                continue
        elif ch == "&":
            match = _ENTITY_RE.match(text, i)
            if match is not None:
                raw = match.group(0)
                tokens.append(_Token("text", raw, i, visible=html.unescape(raw)))
                i = match.end()
                continue
        tokens.append(_Token("text", ch, i, visible=ch))
        i += 1
    return tokens


def _open_stacks(tokens: Sequence[_Token]) -> list[tuple[int, ...]]:
    """For every boundary k (0..len), the indices of the start tags open before token k."""
    stacks: list[tuple[int, ...]] = [()]
    stack: list[int] = []
    for index, token in enumerate(tokens):
        if token.kind == "start":
            stack.append(index)
        elif token.kind == "end":
            for depth in range(len(stack) - 1, -1, -1):
                if tokens[stack[depth]].name == token.name:
                    del stack[depth:]
                    break
        stacks.append(tuple(stack))
    return stacks


# --------------------------------------------------------------------------- validation


def _check_start_tag(token: _Token, open_names: Sequence[str]) -> list[str]:
    name = token.name
    if name not in _ALLOWED_TAGS:
        return [f"unsupported tag <{name}>"]
    problems: list[str] = []
    attrs = dict(token.attrs)
    allowed_attrs: set[str] = set()
    if name == "a":
        allowed_attrs = {"href"}
        href = (attrs.get("href") or "").strip()
        if not href:
            problems.append("<a> needs a non-empty href")
        elif urlsplit(href).scheme.lower() not in LINK_SCHEMES:
            problems.append(
                f"<a href={shorten(href, SHOWN_HREF)!r}>: links must start with"
                " http://, https://, tg:// or mailto:"
            )
    elif name == "code":
        allowed_attrs = {"class"}
        if "class" in attrs:
            css = attrs["class"] or ""
            if not _LANGUAGE_CLASS_RE.fullmatch(css):
                problems.append(f'<code class="{css}"> is not class="language-…"')
            elif not open_names or open_names[-1] != "pre":
                problems.append("<code class=…> is only allowed directly inside <pre>")
    elif name == "span":
        allowed_attrs = {"class"}
        if attrs.get("class") != "tg-spoiler":
            problems.append('<span> needs class="tg-spoiler"')
    elif name == "tg-emoji":
        allowed_attrs = {"emoji-id"}
        if not (attrs.get("emoji-id") or "").isdigit():
            problems.append("<tg-emoji> needs a numeric emoji-id")
    elif name == "blockquote":
        allowed_attrs = {"expandable"}
    for attr_name, _value in token.attrs:
        if attr_name not in allowed_attrs:
            problems.append(f"unsupported attribute {attr_name!r} on <{name}>")
    if "code" in open_names:
        problems.append(f"<{name}> inside <code> (code cannot contain other tags)")
    elif "pre" in open_names and not (name == "code" and open_names[-1] == "pre"):
        problems.append(f"<{name}> inside <pre> (only <code> may be nested in <pre>)")
    if name == "blockquote" and "blockquote" in open_names:
        problems.append("nested <blockquote>")
    if name == "a" and "a" in open_names:
        problems.append("nested <a>")
    return problems


def _check_text_token(token: _Token) -> list[str]:
    if token.raw == "<":
        return ["raw '<' (escape it as &lt;)"]
    if token.raw == "&":
        return ["raw '&' (escape it as &amp;)"]
    if not token.raw.startswith("&") or len(token.raw) == 1:
        return []
    if token.raw.startswith("&#"):
        digits = token.raw[2:-1]
        code = int(digits[1:], 16) if digits[:1] in {"x", "X"} else int(digits)
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return [f"invalid character reference {token.raw}"]
        return []
    if token.raw not in _NAMED_ENTITIES:
        return [f"unsupported entity {token.raw} (only &lt; &gt; &amp; &quot; and &#N;)"]
    return []


def _problems(text: str, max_length: int | None) -> list[tuple[int | None, str]]:
    """Every problem with ``text``: (character offset, reason), offset None for the whole text.

    In the order found: markup problems in document order, then tags never closed, then
    problems of the text as a whole.
    """
    problems: list[tuple[int | None, str]] = []
    open_tags: list[_Token] = []
    visible: list[str] = []
    for token in _tokenize(text):
        if token.kind == "text":
            problems.extend((token.pos, reason) for reason in _check_text_token(token))
            visible.append(token.visible)
        elif token.kind == "void":
            problems.append((token.pos, f"self-closing tag {token.raw} is not supported"))
        elif token.kind == "start":
            reasons = _check_start_tag(token, [t.name for t in open_tags])
            problems.extend((token.pos, reason) for reason in reasons)
            open_tags.append(token)
        else:
            names = [t.name for t in open_tags]
            if names and names[-1] == token.name:
                open_tags.pop()
            elif token.name in names:
                problems.append(
                    (
                        token.pos,
                        f"</{token.name}> closes <{token.name}> "
                        f"while <{names[-1]}> is still open (improper nesting)",
                    )
                )
                del open_tags[len(names) - 1 - names[::-1].index(token.name) :]
            else:
                problems.append((token.pos, f"</{token.name}> without an opening tag"))
    for token in open_tags:
        problems.append((token.pos, f"<{token.name}> is never closed"))
    shown = "".join(visible)
    if not shown.strip():
        problems.append((None, "the visible text is empty"))
    if max_length is not None and len(shown) > max_length:
        problems.append(
            (None, f"the visible text is {len(shown)} characters long (limit {max_length})")
        )
    return problems


def html_problems(text: str, *, max_length: int | None = None) -> list[tuple[int, str]]:
    """Problems with ``text`` as a Telegram HTML message, as (character offset, reason) pairs.

    The same checks as :func:`validate_telegram_html`, for callers that map problems back to
    their own coordinates (e.g. a file line: count the newlines in ``text[:offset]``). The
    offset is where the offending tag, entity or character starts; a problem with the text as
    a whole (empty visible text, over ``max_length``) has offset 0. Empty when ``text`` is
    valid.
    """
    return [(0 if pos is None else pos, reason) for pos, reason in _problems(text, max_length)]


def validate_telegram_html(text: str, *, max_length: int | None = None) -> list[str]:
    """Problems with ``text`` as a Telegram HTML message; an empty list when it is valid.

    Checks the tag set and attributes Telegram accepts, proper closing and nesting
    (including: nothing inside ``<code>``, only ``<code>`` directly inside ``<pre>``,
    ``class="language-…"`` only on a ``<code>`` directly inside ``<pre>``, no nested
    ``<blockquote>`` or ``<a>``), entities (``&lt; &gt; &amp; &quot;`` and numeric only),
    no raw ``<`` or ``&``, and a non-blank visible text. With ``max_length``, also that the
    visible text is at most that many characters (code points, as Telegram counts).

    Each problem reads ``"position N: reason"`` (N a character offset in ``text``), or just
    the reason for a problem with the text as a whole. See :func:`html_problems`.
    """
    return [
        reason if pos is None else f"position {pos}: {reason}"
        for pos, reason in _problems(text, max_length)
    ]


# --------------------------------------------------------------------------- splitting

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
        self.tokens = tokens = _tokenize(text)
        self.n = len(tokens)
        self.stacks = _open_stacks(tokens)
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
