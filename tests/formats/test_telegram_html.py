"""bot.rules.telegram_html: escaping, validation and splitting of Telegram-HTML messages."""

from __future__ import annotations

import random
import re

import pytest

from bot.rules.formats.html_split import split_html
from bot.rules.formats.telegram_html import (
    TELEGRAM_TEXT_LIMIT,
    escape,
    html_problems,
    validate_telegram_html,
    visible_text,
)
from tests.support.telegram_parser import parse_html

_WS = re.compile(r"\s+")


def squash(text: str) -> str:
    return _WS.sub("", text)


def assert_valid_chunks(original: str, chunks: list[str], limit: int) -> None:
    """Each chunk is one Telegram accepts (TDLib parses it, within the limit), and together
    they show the original's text."""
    assert chunks, "no chunks"
    for chunk in chunks:
        assert chunk, "empty chunk"
        assert chunk == chunk.strip()
        assert len(parse_html(chunk)) <= limit, (len(parse_html(chunk)), chunk)
        assert validate_telegram_html(chunk) == [], chunk
    joined = "".join(parse_html(chunk) for chunk in chunks)
    assert squash(joined) == squash(parse_html(original))


# --------------------------------------------------------------------------- escape


def test_escape() -> None:
    assert escape('a < b && c > "d"') == 'a &lt; b &amp;&amp; c &gt; "d"'
    assert escape('"x"', quote=True) == "&quot;x&quot;"
    assert validate_telegram_html(escape("if a < b & c > d: print('<b>')")) == []


def test_visible_text() -> None:
    assert visible_text('<b>a &amp; <a href="x">b</a></b> &#128512;') == "a & b 😀"


# --------------------------------------------------------------------------- validator


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        "<b>bold</b> <strong>s</strong> <i>i</i> <em>e</em> <u>u</u> <ins>i</ins>",
        "<s>s</s> <strike>s</strike> <del>d</del> <tg-spoiler>x</tg-spoiler>",
        '<span class="tg-spoiler">x</span>',
        '<a href="https://example.com/?a=1&amp;b=2">link</a>',
        "<code>x &lt; y</code>",
        '<pre><code class="language-python">print("hi")\n</code></pre>',
        "<pre>raw</pre>",
        "<blockquote>q</blockquote> <blockquote expandable>long</blockquote>",
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
        "<b>bold <i>italic <u>under</u></i> <s>x</s></b>",
        "&lt; &gt; &amp; &quot; &#39; &#x1F600;",
        "a > b",
        '<a href="tg://user?id=1"><b>bold link</b></a>',
        '<a href="mailto:team@example.com">write to us</a>',
        '<a href="HTTPS://example.com">upper-case scheme</a>',
        '<a href="https://example.com/?a=1&b=2">a <b>bold</b> link</a>',
        '<pre><code class="language-python">if a &lt; b:\n    pass</code></pre>',
        "<pre>x &lt; y</pre> <code>&amp;&quot;&gt;&#8212;&#x1F525;</code>",
        "<blockquote expandable>quote <i>it</i></blockquote> a > b",
        "Zoë 🔥 李小龍",
    ],
)
def test_validator_accepts(text: str) -> None:
    assert validate_telegram_html(text) == []


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("<p>x</p>", "unsupported tag <p>"),
        ("<b>x", "<b> is never closed"),
        ("x</b>", "without an opening tag"),
        ("a & b", "raw '&'"),
        ("a &nbsp; b", "unsupported entity &nbsp;"),
        ("a &#0; b", "invalid character reference"),
        ("a < b", "raw '<'"),
        ("<!-- c -->", "raw '<'"),
        ("<a>x</a>", "href"),
        ('<a href="">x</a>', "href"),
        ('<a href="javascript:alert(1)">x</a>', "links must start with http://"),
        ('<a href=" JavaScript:alert(1)">x</a>', "links must start with http://"),
        ('<a href="data:text/html,x">x</a>', "links must start with http://"),
        ('<a href="/relative">x</a>', "links must start with http://"),
        ("<i><b>x</i></b>", "improper nesting"),
        ("<span>x</span>", 'class="tg-spoiler"'),
        ('<span class="other">x</span>', 'class="tg-spoiler"'),
        ("<tg-emoji>👍</tg-emoji>", "emoji-id"),
        ('<code class="language-python">x</code>', "only allowed directly inside <pre>"),
        ('<pre><code class="python">x</code></pre>', 'class="language-…"'),
        ("<code><b>x</b></code>", "inside <code>"),
        ("<pre><b>x</b></pre>", "inside <pre>"),
        ("<blockquote><blockquote>x</blockquote></blockquote>", "nested <blockquote>"),
        ('<a href="x"><a href="y">z</a></a>', "nested <a>"),
        ('<b style="x">y</b>', "unsupported attribute 'style'"),
        ("line<br/>", "self-closing"),
        ("<b/>x", "self-closing tag <b/>"),
        ("a <br> b", "unsupported tag <br>"),
        ('<b class="x">y</b>', "unsupported attribute 'class'"),
        ("a &amp b", "raw '&'"),  # an entity needs its ';'
        ("", "empty"),
        ("<b> </b>", "empty"),
    ],
)
def test_validator_rejects(text: str, fragment: str) -> None:
    problems = validate_telegram_html(text)
    assert problems, text
    assert any(fragment in problem for problem in problems), problems


def test_validator_counts_code_points_as_telegram_does() -> None:
    assert validate_telegram_html("😀" * 10, max_length=10) == []
    assert validate_telegram_html("😀" * 11, max_length=10) != []
    assert validate_telegram_html("😀" * TELEGRAM_TEXT_LIMIT, max_length=TELEGRAM_TEXT_LIMIT) == []
    assert validate_telegram_html("<b>&amp;</b>" * 10, max_length=10) == []


def test_validator_message_format() -> None:
    assert validate_telegram_html("x</b>") == ["position 1: </b> without an opening tag"]
    assert validate_telegram_html("a\n<b>x") == ["position 2: <b> is never closed"]
    assert validate_telegram_html("") == ["the visible text is empty"]
    assert validate_telegram_html("😀" * 11, max_length=10) == [
        "the visible text is 11 characters long (limit 10)"
    ]


def test_html_problems_gives_character_offsets() -> None:
    assert html_problems("fine") == []
    assert html_problems("ok\n<p>x</p>") == [(3, "unsupported tag <p>")]
    text = "😀 a & b\n\n<b>x <i>y</b>"
    assert html_problems(text) == [
        (4, "raw '&' (escape it as &amp;)"),
        (18, "</b> closes <b> while <i> is still open (improper nesting)"),
    ]
    assert text[4] == "&"
    assert text[18:22] == "</b>"
    assert html_problems("a\n\n<code>x") == [(3, "<code> is never closed")]


def test_html_problems_whole_text_problems_are_at_offset_zero() -> None:
    assert html_problems("\n\n<b> </b>") == [(0, "the visible text is empty")]
    assert html_problems("😀" * 11, max_length=10) == [
        (0, "the visible text is 11 characters long (limit 10)")
    ]


@pytest.mark.parametrize(
    "text",
    ["", "<p>x", "a & b\n</i>", '<pre><code class="x"><b>y</b></code>', "<b> </b>", "😀" * 11],
)
def test_validator_is_built_on_html_problems(text: str) -> None:
    messages = validate_telegram_html(text, max_length=10)
    problems = html_problems(text, max_length=10)
    assert len(messages) == len(problems) > 0
    for message, (offset, reason) in zip(messages, problems, strict=True):
        assert message in {reason, f"position {offset}: {reason}"}


# --------------------------------------------------------------------------- split: examples


@pytest.mark.parametrize(
    "text", ["hello", "<b>hi</b> there", "x" * TELEGRAM_TEXT_LIMIT, "a &amp; b\n\nc"]
)
def test_short_text_unchanged(text: str) -> None:
    assert split_html(text) == [text]


def test_blank_text_gives_no_chunks() -> None:
    assert split_html("") == []
    assert split_html(" \n\n ") == []


def test_chunks_are_stripped() -> None:
    assert split_html("  \n hello \n") == ["hello"]


def test_paragraphs_split_on_blank_lines() -> None:
    paragraphs = [f"Paragraph {n}. " + "word " * 150 for n in range(12)]
    paragraphs = [p.strip() for p in paragraphs]
    text = "\n\n".join(paragraphs)
    chunks = split_html(text, limit=2000)
    assert_valid_chunks(text, chunks, 2000)
    # every cut falls on a paragraph boundary, and chunks are packed greedily
    for chunk in chunks:
        assert chunk.startswith("Paragraph ")
        assert chunk.endswith("word")
    assert "\n\n".join(chunks) == text
    assert len(chunks) == 6


def test_lines_preferred_over_spaces() -> None:
    text = "\n".join(f"line {n} " + "x " * 20 for n in range(40)).strip()
    chunks = split_html(text, limit=300)
    assert_valid_chunks(text, chunks, 300)
    assert all(chunk.startswith("line ") for chunk in chunks)


def test_single_huge_paragraph() -> None:
    rng = random.Random(7)
    words = ["".join(rng.choices("abcdefghij", k=rng.randint(1, 12))) for _ in range(2000)]
    text = " ".join(words)[:9_999] + "k"
    assert len(text) == 10_000
    chunks = split_html(text)
    assert len(chunks) == 3
    assert_valid_chunks(text, chunks, TELEGRAM_TEXT_LIMIT)
    assert " ".join(chunks) == text  # cut at spaces, nothing lost


def test_huge_word_is_cut_anywhere() -> None:
    text = "y" * 10_000
    chunks = split_html(text)
    assert [len(c) for c in chunks] == [4096, 4096, 1808]
    assert "".join(chunks) == text


def test_long_pre_code_block_reopened() -> None:
    opening = '<pre><code class="language-python">'
    lines = [f"    value_{n} = compute({n}) &lt;&lt; 2  # &amp; more" for n in range(300)]
    text = "Some code:\n\n" + opening + "def f():\n" + "\n".join(lines) + "</code></pre>\n\nDone."
    limit = 1000
    chunks = split_html(text, limit=limit)
    assert_valid_chunks(text, chunks, limit)
    code_chunks = [c for c in chunks if "value_" in c]
    assert len(code_chunks) > 5
    for chunk in code_chunks:
        assert opening in chunk
        assert chunk.count("</code></pre>") == 1
    for chunk in code_chunks[1:-1]:
        assert chunk.startswith(opening)
        assert chunk.endswith("</code></pre>")
        # cut at line breaks, and the indentation of the first line survives
        assert chunk.startswith(opening + "    value_")
    # nothing but line breaks were lost
    code = "".join(visible_text(c).split("Some code:")[-1].split("Done.")[0] for c in code_chunks)
    assert code.replace("\n", "") == visible_text(text).split("Some code:")[1].split("Done.")[
        0
    ].replace("\n", "")


def test_nested_inline_tags_reopened() -> None:
    text = '<b>bold <i>both <a href="https://x.org/?a=1&amp;b=2">' + "link " * 100
    text += "</a> tail</i> end</b>"
    chunks = split_html(text, limit=200)
    assert_valid_chunks(text, chunks, 200)
    assert chunks[0].startswith("<b>bold <i>both <a href=")
    for chunk in chunks[1:-1]:
        assert chunk.startswith('<b><i><a href="https://x.org/?a=1&amp;b=2">link')
        assert chunk.endswith("</a></i></b>")
    assert chunks[-1].endswith("</a> tail</i> end</b>")


def test_blockquote_attributes_reopened() -> None:
    text = "<blockquote expandable>" + "quoted text. " * 60 + "</blockquote>"
    chunks = split_html(text, limit=250)
    assert_valid_chunks(text, chunks, 250)
    assert all(c.startswith("<blockquote expandable>") for c in chunks)


@pytest.mark.parametrize("offset", range(0, 12))
def test_entities_at_the_split_point(offset: int) -> None:
    # a word made of entities, cut anywhere: an entity is never broken
    text = "x" * offset + "&amp;&lt;&gt;&quot;&#128512;" * 40
    limit = 50
    chunks = split_html(text, limit=limit)
    assert_valid_chunks(text, chunks, limit)
    assert "".join(visible_text(c) for c in chunks) == visible_text(text)


def test_an_emoji_counts_once_as_telegram_counts_it() -> None:
    text = "😀" * 5000  # 5,000 code points, 10,000 UTF-16 units
    chunks = split_html(text)
    assert [len(parse_html(c)) for c in chunks] == [4096, 904]
    assert_valid_chunks(text, chunks, TELEGRAM_TEXT_LIMIT)


def test_markup_costs_no_room_on_a_page() -> None:
    link = '<a href="https://example.com/a/long/path/to/a/page?with=query&amp;and=more">word</a>'
    text = " ".join([link] * 600)  # 2,999 visible characters in 50,000 of HTML
    assert split_html(text) == [text]


def test_pages_are_as_full_as_the_limit_allows() -> None:
    words = [f"<b>w{n % 97}</b>rd" for n in range(3000)]
    text = " ".join(words)
    chunks = split_html(text, limit=1000)
    assert_valid_chunks(text, chunks, 1000)
    longest_word = max(len(parse_html(word)) for word in words)
    for chunk in chunks[:-1]:  # a page is cut at the last space that still fits
        assert len(parse_html(chunk)) > 1000 - longest_word - 1


def test_emoji_sequences_kept_together_when_possible() -> None:
    family = "👨\u200d👩\u200d👧"  # one grapheme, five code points
    thumbs = "👍🏽"
    text = (family + thumbs) * 50
    chunks = split_html(text, limit=33)
    assert_valid_chunks(text, chunks, 33)
    for chunk in chunks:
        assert not chunk.startswith(("\u200d", "🏽"))
        assert not chunk.endswith("\u200d")


def test_limit_too_small() -> None:
    with pytest.raises(ValueError, match="too small"):
        split_html("<pre> " + "x" * 100 + "</pre>", 1)
    with pytest.raises(ValueError, match="positive"):
        split_html("abc", 0)


# --------------------------------------------------------------------------- split: random


class DocumentGenerator:
    """Random valid Telegram-HTML documents from a seeded generator."""

    INLINE = ("b", "i", "u", "s", "em", "strong", "ins", "del", "tg-spoiler")
    WORD_CHARS = "abcdefghijklmnopqrstuvwxyzäöü"
    SPECIAL = ("&amp;", "&lt;", "&gt;", "&quot;", "&#128512;", "😀", "👍🏽", "é", "𝔘")

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def word(self) -> str:
        rng = self.rng
        if rng.random() < 0.08:
            return rng.choice(self.SPECIAL)
        if rng.random() < 0.01:
            return "z" * rng.randint(50, 400)  # a huge word
        return "".join(rng.choices(self.WORD_CHARS, k=rng.randint(1, 10)))

    def inline(self, depth: int = 0, in_link: bool = False) -> str:
        rng = self.rng
        parts: list[str] = []
        for _ in range(rng.randint(1, 12)):
            roll = rng.random()
            if depth < 3 and roll < 0.1:
                tag = rng.choice(self.INLINE)
                parts.append(f"<{tag}>{self.inline(depth + 1, in_link)}</{tag}>")
            elif depth < 3 and roll < 0.13 and not in_link:
                path = "".join(rng.choices(self.WORD_CHARS, k=8))
                href = escape(f"https://example.com/{path}?q=1&r=2", quote=True)
                parts.append(f'<a href="{href}">{self.inline(depth + 1, True)}</a>')
            elif roll < 0.16:
                parts.append(f"<code>{' '.join(self.word() for _ in range(3))}</code>")
            else:
                parts.append(self.word())
        return rng.choice([" ", " ", " ", "\n"]).join(parts)

    def pre(self) -> str:
        rng = self.rng
        lines = [
            " " * rng.choice([0, 2, 4, 8]) + " ".join(self.word() for _ in range(rng.randint(0, 8)))
            for _ in range(rng.randint(1, 40))
        ]
        body = "\n".join(lines)
        if rng.random() < 0.5:
            lang = rng.choice(["python", "bash", "c++"])
            return f'<pre><code class="language-{lang}">{body}</code></pre>'
        return f"<pre>{body}</pre>"

    def document(self) -> str:
        rng = self.rng
        blocks: list[str] = []
        for _ in range(rng.randint(1, 15)):
            roll = rng.random()
            if roll < 0.15:
                blocks.append(self.pre())
            elif roll < 0.25:
                attr = " expandable" if rng.random() < 0.5 else ""
                blocks.append(f"<blockquote{attr}>{self.inline()}</blockquote>")
            else:
                blocks.append(self.inline())
        return rng.choice(["\n\n", "\n", "\n\n\n"]).join(blocks)


@pytest.mark.parametrize("seed", range(60))
def test_random_documents(seed: int) -> None:
    generator = DocumentGenerator(seed)
    text = generator.document()
    assert validate_telegram_html(text) == [], text
    limit = generator.rng.choice([160, 200, 300, 500, 1000, 4096])
    chunks = split_html(text, limit=limit)
    assert_valid_chunks(text, chunks, limit)
    if len(parse_html(text.strip())) <= limit:
        assert chunks == [text.strip()]


def test_a_document_of_fifty_thousand_characters_splits_into_valid_pages() -> None:
    text = "\n\n".join(DocumentGenerator(seed).document() for seed in range(100, 130))
    assert len(text) > 50_000
    assert_valid_chunks(text, split_html(text), TELEGRAM_TEXT_LIMIT)
