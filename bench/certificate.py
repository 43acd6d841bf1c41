"""Certificate rendering: time and PNG size.

    .venv/bin/python -m bench.certificate [--renders 30]

Renders the certificate for a Latin, a Cyrillic, a CJK (drawn or replaced by the fallback
label, depending on the fonts on the machine), an emoji-laden and an over-long name, and
prints p50/p95/max milliseconds per render and the PNG sizes. The first render, which
loads the fonts, is reported apart. Rendering runs in a worker thread in the bot, so it
never blocks the event loop; the target is well under a second and a PNG well under
Telegram's 10 MB photo limit.
"""

from __future__ import annotations

import argparse
import time

from bench.common import percentile
from bot.rules.formats.certificate_image import CertificateText, render_certificate

NAMES = ("Ada Lovelace", "Иван Петров", "李小龍", "Zoë 🔥✨", "Maximiliana " * 12)


def text_for(name: str) -> CertificateText:
    return CertificateText(
        heading="Certificate of completion",
        awarded_to="This certifies that",
        name=name,
        fallback_name="a LearnBot learner",
        completed="has completed the course",
        course_title="Git essentials",
        date_line="Issued on 2026-12-01",
        code_line="Verification code K7QX2MPA9F: send /verify K7QX2MPA9F to the bot",
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--renders", type=int, default=30, help="renders per name")
    args = parser.parse_args()
    started = time.perf_counter()
    render_certificate(text_for(NAMES[0]))
    print(f"first render (loads the fonts): {1000 * (time.perf_counter() - started):.0f} ms")
    timings: list[float] = []
    for name in NAMES:
        sizes = set()
        for _ in range(args.renders):
            started = time.perf_counter()
            png = render_certificate(text_for(name))
            timings.append(1000 * (time.perf_counter() - started))
            sizes.add(len(png))
        print(f"{name[:24]!r:28} PNG {max(sizes) / 1024:.1f} KiB")
    ordered = sorted(timings)
    print(
        f"{len(timings)} renders: p50 {percentile(ordered, 0.5):.0f} ms, "
        f"p95 {percentile(ordered, 0.95):.0f} ms, max {max(timings):.0f} ms"
    )


if __name__ == "__main__":
    main()
