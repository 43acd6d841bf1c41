"""The certificate as a PNG, drawn with Pillow and the DejaVu Sans fonts shipped in
bot/rules/fonts (their licence, which allows redistribution, is beside them).

DejaVu covers Latin, Greek and Cyrillic. A name with characters it lacks is drawn with the
first font in `FALLBACK_FONTS` found on the machine that has them all (CJK fonts, when the
operator installed one); symbols no font has (emoji) are left out; when letters would be
missing, the certificate shows the learner's fallback label instead of boxes. The caption
sent with the image always carries the name as written. Rendering never raises for a name.

Pillow is imported by the first render, not with this module: a bot process that never
renders a certificate does not keep it in memory (about 4 MB).
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from bot.rules.shorten import shorten

if TYPE_CHECKING:
    from PIL import ImageDraw, ImageFont

FONTS = Path(__file__).parent / "fonts"
REGULAR = FONTS / "DejaVuSans.ttf"
BOLD = FONTS / "DejaVuSans-Bold.ttf"
# CJK fonts that Debian packages install (fonts-noto-cjk, fonts-wqy-zenhei, fonts-droid-fallback).
FALLBACK_FONTS = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
)
SIZE = (1600, 1130)
MARGIN = 60
NAME_SIZE, NAME_MIN_SIZE = 84, 36
CUT_STEP = 8  # characters dropped at a time from a text too long to fit
INK = (33, 37, 41)
ACCENT = (32, 94, 166)
MUTED = (108, 117, 125)
PAPER = (252, 250, 244)
# Asked of a font for a code point it certainly lacks, to learn what its "missing" glyph is.
NO_SUCH_CHARACTER = "\U0010fffd"


@dataclass(frozen=True)
class CertificateText:
    """Everything printed, already in the learner's language."""

    heading: str
    awarded_to: str
    name: str
    fallback_name: str  # printed when the name cannot be drawn
    completed: str
    course_title: str
    date_line: str
    code_line: str


def render_certificate(text: CertificateText) -> bytes:
    """The certificate as PNG bytes."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", SIZE, PAPER)
    draw = ImageDraw.Draw(image)
    width, height = SIZE
    draw.rectangle(
        (MARGIN // 2,) * 2 + (width - MARGIN // 2, height - MARGIN // 2), outline=ACCENT, width=8
    )
    draw.rectangle((MARGIN,) * 2 + (width - MARGIN, height - MARGIN), outline=ACCENT, width=2)
    _centred(draw, 190, text.heading, _font(BOLD, 64), ACCENT)
    _centred(draw, 330, text.awarded_to, _font(REGULAR, 36), MUTED)
    name, font_path = drawable_name(text.name, text.fallback_name)
    _centred(draw, 450, *_fitting(draw, name, font_path, NAME_SIZE), INK)
    _centred(draw, 580, text.completed, _font(REGULAR, 36), MUTED)
    title, title_font = drawable_name(text.course_title, text.course_title)
    _centred(draw, 690, *_fitting(draw, title, title_font, 60), ACCENT)
    _centred(draw, 860, text.date_line, _font(REGULAR, 34), INK)
    _centred(draw, 940, text.code_line, _font(REGULAR, 30), MUTED)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")  # optimize=True halves the speed for 3 % smaller files
    return buffer.getvalue()


def drawable_name(name: str, fallback: str) -> tuple[str, Path]:
    """The name as it can be drawn and the font to draw it with (see the module docstring)."""
    for path in (BOLD, *(p for p in FALLBACK_FONTS if p.exists())):
        missing = [ch for ch in name if not _has_glyph(path, ch)]
        if not any(unicodedata.category(ch)[0] in "LN" for ch in missing):
            kept = "".join(ch for ch in name if ch not in missing)
            kept = " ".join(kept.split())
            if kept:
                return kept, path
    return fallback, BOLD


@cache
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    return ImageFont.truetype(str(path), size)


@cache
def _has_glyph(path: Path, character: str) -> bool:
    if character.isspace():
        return True
    font = _font(path, 24)
    return bytes(font.getmask(character)) != bytes(font.getmask(NO_SUCH_CHARACTER))


def _fitting(
    draw: ImageDraw.ImageDraw, text: str, path: Path, size: int
) -> tuple[str, ImageFont.FreeTypeFont]:
    """`text` at the largest size, down to `NAME_MIN_SIZE`, that fits between the margins;
    still too long at the smallest, it is cut after a word with an ellipsis."""
    room = SIZE[0] - 4 * MARGIN
    while size > NAME_MIN_SIZE and draw.textlength(text, font=_font(path, size)) > room:
        size -= 4
    font = _font(path, size)
    shown, limit = text, len(text)
    while limit > 1 and draw.textlength(shown, font=font) > room:
        limit = max(1, limit - CUT_STEP)
        shown = shorten(text, limit)
    return shown, font


def _centred(
    draw: ImageDraw.ImageDraw,
    y: int,
    text: str,
    font: ImageFont.FreeTypeFont,
    fill: tuple[int, int, int],
) -> None:
    draw.text((SIZE[0] // 2, y), text, font=font, fill=fill, anchor="mm")
