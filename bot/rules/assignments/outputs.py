"""Field outputs in lesson texts: `{{woop.wish}}` is replaced by the learner's latest
submitted answer to that field, HTML-escaped; without one, by the fallback the lesson
gives (`{{woop.wish|your wish}}`, Telegram HTML like the rest of the text) or "…"."""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.assignments.answers import answer_text
from bot.rules.course import PLACEHOLDER_RE, LessonInfo
from db.queries.assignments import output_values

NO_VALUE = "…"


def fill(body: str, values: Mapping[str, dict[str, Any]]) -> str:
    def replace(match: re.Match[str]) -> str:
        text = answer_text(values.get(match.group(1)))
        if text:
            return escape(text)
        return match.group(2).strip() if match.group(2) is not None else NO_VALUE

    return PLACEHOLDER_RE.sub(replace, body)


async def filled_body(session: AsyncSession, user_id: int, lesson: LessonInfo) -> str | None:
    """The lesson's text with its placeholders filled for this learner; None when it has
    none (and then nothing is read)."""
    wanted = {match.group(1) for match in PLACEHOLDER_RE.finditer(lesson.body)}
    if not wanted:
        return None
    return fill(lesson.body, await output_values(session, user_id, wanted))
