"""Certificates: the PNG renders any name without crashing, and codes cannot be guessed."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.rules.certificate_image import (
    BOLD,
    CertificateText,
    _fitting,
    drawable_name,
    render_certificate,
)
from bot.rules.certificates import CODE_ALPHABET, CODE_LENGTH, new_code, normalise_code

FALLBACK = "a LearnBot learner"


def text_for(name: str) -> CertificateText:
    return CertificateText(
        heading="Certificate of completion",
        awarded_to="This certifies that",
        name=name,
        fallback_name=FALLBACK,
        completed="has completed the course",
        course_title="Git essentials",
        date_line="Issued on 2026-12-01",
        code_line="Verification code ABCDEFGHJK",
    )


@pytest.mark.parametrize(
    "name",
    [
        "Ada Lovelace",
        "Zoë 🔥",
        "Иван Петров",
        "李小龍",
        "山田 太郎",
        "🔥🔥🔥",
        "",
        "<b>&",
        "W" * 400,
    ],
)
def test_any_name_renders_a_png(name: str) -> None:
    image = Image.open(io.BytesIO(render_certificate(text_for(name))))
    assert (image.format, image.size) == ("PNG", (1600, 1130))


@pytest.mark.parametrize(
    ("name", "drawn"),
    [("Ada Lovelace", "Ada Lovelace"), ("Иван Петров", "Иван Петров"), ("Zoë 🔥", "Zoë")],
)
def test_latin_and_cyrillic_are_drawn_and_symbols_without_a_glyph_left_out(
    name: str, drawn: str
) -> None:
    assert drawable_name(name, FALLBACK)[0] == drawn


def test_a_title_too_long_for_the_smallest_size_is_cut_after_a_word() -> None:
    from PIL import Image, ImageDraw

    title = "Git essentials " * 12 + "and the very last words"
    draw = ImageDraw.Draw(Image.new("RGB", (10, 10)))
    shown, _font = _fitting(draw, title, BOLD, 60)
    head = shown.removesuffix("…")
    assert shown.endswith("…")
    assert title.startswith(head)
    assert title[len(head)] == " "


def test_letters_no_font_has_fall_back_to_the_label_never_to_boxes() -> None:
    drawn, _ = drawable_name("李小龍", FALLBACK)
    assert drawn in {"李小龍", FALLBACK}  # a CJK font on the machine draws it; else the label
    assert drawable_name("🔥", FALLBACK)[0] == FALLBACK


def test_codes_are_random_from_an_alphabet_without_look_alikes() -> None:
    codes = {new_code() for _ in range(1000)}
    assert len(codes) == 1000
    assert all(len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET) for code in codes)
    assert not set("01IOL") & set(CODE_ALPHABET)


def test_a_typed_code_is_read_case_and_dash_blind() -> None:
    assert normalise_code(" abcde-fghjk ") == "ABCDEFGHJK"
