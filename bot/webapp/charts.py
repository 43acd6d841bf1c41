"""SVG charts drawn on the server: bars, a line, horizontal bars and the calendar grid.

Every label goes through `escape`; sizes are attributes (the Content-Security-Policy
allows no inline style), colours come from the stylesheet's classes, which follow
Telegram's theme.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

from bot.rules.dashboard.learner import Calendar

WIDTH = 320  # the viewBox width; the SVG scales to the page
BAR_HEIGHT = 100
CELL = 12  # a calendar day's square
GAP = 3


def _svg(height: int, body: str, title: str, width: int = WIDTH) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'preserveAspectRatio="xMidYMid meet"><title>{escape(title)}</title>{body}</svg>'
    )


def bars(values: Sequence[tuple[str, float]], title: str) -> Markup:
    """A vertical bar per value, each with its label and value as a tooltip."""
    if not values:
        return Markup("")
    top = max((value for _label, value in values), default=0) or 1
    step = WIDTH / len(values)
    parts = []
    for index, (label, value) in enumerate(values):
        height = round(BAR_HEIGHT * value / top, 1)
        x = round(index * step + 1, 1)
        parts.append(
            f'<rect class="bar" x="{x}" y="{BAR_HEIGHT - height + 14}" '
            f'width="{max(step - 2, 1):.1f}" height="{height}">'
            f"<title>{escape(label)}: {value:g}</title></rect>"
        )
    parts.append(f'<text class="axis" x="0" y="10">{top:g}</text>')
    parts.append(f'<text class="axis" x="0" y="{BAR_HEIGHT + 28}">{escape(values[0][0])}</text>')
    parts.append(
        f'<text class="axis" x="{WIDTH}" y="{BAR_HEIGHT + 28}" text-anchor="end">'
        f"{escape(values[-1][0])}</text>"
    )
    return _svg(BAR_HEIGHT + 32, "".join(parts), title)


def line(values: Sequence[tuple[str, float | None]], title: str) -> Markup:
    """A line over 0..100 %; a day without a value breaks it."""
    known = [(i, v) for i, (_label, v) in enumerate(values) if v is not None]
    if not known:
        return Markup("")
    step = WIDTH / max(len(values) - 1, 1)
    points = " ".join(f"{i * step:.1f},{14 + BAR_HEIGHT * (1 - v):.1f}" for i, v in known)
    dots = "".join(
        f'<circle class="dot" cx="{i * step:.1f}" cy="{14 + BAR_HEIGHT * (1 - v):.1f}" r="2.5">'
        f"<title>{escape(values[i][0])}: {round(100 * v)} %</title></circle>"
        for i, v in known
    )
    body = (
        '<text class="axis" x="0" y="10">100 %</text>'
        f'<line class="grid" x1="0" x2="{WIDTH}" y1="{14 + BAR_HEIGHT / 2}" '
        f'y2="{14 + BAR_HEIGHT / 2}"/>'
        f'<polyline class="line" points="{points}"/>{dots}'
        f'<text class="axis" x="0" y="{BAR_HEIGHT + 28}">{escape(values[0][0])}</text>'
        f'<text class="axis" x="{WIDTH}" y="{BAR_HEIGHT + 28}" text-anchor="end">'
        f"{escape(values[-1][0])}</text>"
    )
    return _svg(BAR_HEIGHT + 32, body, title)


def funnel(rows: Sequence[tuple[str, int, int]], title: str) -> Markup:
    """Per step, a bar of who started it and, inside it, who finished it."""
    if not rows:
        return Markup("")
    top = max(started for _label, started, _done in rows) or 1
    row_height = 30
    parts = []
    for index, (label, started, finished) in enumerate(rows):
        y = index * row_height
        parts.append(
            f'<text class="label" x="0" y="{y + 10}">{escape(label)}</text>'
            f'<rect class="bar-soft" x="0" y="{y + 14}" width="{WIDTH * started / top:.1f}" '
            f'height="10"/><rect class="bar" x="0" y="{y + 14}" '
            f'width="{WIDTH * finished / top:.1f}" height="10"/>'
            f'<text class="axis" x="{WIDTH}" y="{y + 10}" text-anchor="end">'
            f"{finished} / {started}</text>"
        )
    return _svg(row_height * len(rows), "".join(parts), title)


def calendar(data: Calendar, labels: dict[str, str], title: str) -> Markup:
    """Weeks as columns (oldest left), Monday to Sunday as rows; a square per day."""
    parts = []
    for column, week in enumerate(data.weeks):
        for row, day in enumerate(week):
            label = labels.get(day.kind.value, "")
            detail = f"{day.day.isoformat()}: {label}"
            if day.lessons or day.reviews:
                detail += f" ({day.lessons} + {day.reviews})"
            parts.append(
                f'<rect class="day {day.kind.value}" x="{column * (CELL + GAP)}" '
                f'y="{row * (CELL + GAP)}" width="{CELL}" height="{CELL}" rx="2">'
                f"<title>{escape(detail)}</title></rect>"
            )
    width = len(data.weeks) * (CELL + GAP)
    return _svg(7 * (CELL + GAP), "".join(parts), title, width=width)
