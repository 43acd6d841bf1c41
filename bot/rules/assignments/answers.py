"""What counts as an answer to a field, and how an answer is kept.

An answer is stored as a small JSON object by kind: text as written (escaped only when
shown), a choice as the option's text, media as Telegram's file_id (never downloaded) and
the file's name for a document. A wrong kind (a sticker for a text field, text for a photo)
or a text out of the field's length range is refused with the reason, and the same field
is asked again.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from bot.rules.course import TEXT_ANSWER_MAX, FieldInfo, FieldKind

Answer = dict[str, Any]


@dataclass(frozen=True)
class Incoming:
    """What a learner's message holds, as the chat layer read it."""

    kind: FieldKind | None  # None: something no field takes (a sticker, a location…)
    text: str | None = None
    file_id: str | None = None
    file_name: str | None = None


class AnswerProblem(enum.Enum):
    WRONG_KIND = "wrong_kind"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    NOT_AN_OPTION = "not_an_option"


@dataclass(frozen=True)
class Refused:
    problem: AnswerProblem
    field: FieldInfo


def answer_for(field: FieldInfo, incoming: Incoming) -> Answer | Refused:
    """The answer to keep, or why the message does not answer the field."""
    if field.kind is FieldKind.CHOICE:
        if incoming.kind is FieldKind.TEXT and incoming.text in field.options:
            return {"kind": FieldKind.CHOICE.value, "text": incoming.text}
        return Refused(AnswerProblem.NOT_AN_OPTION, field)
    if incoming.kind is not field.kind:
        return Refused(AnswerProblem.WRONG_KIND, field)
    if field.kind is FieldKind.TEXT:
        text = (incoming.text or "").strip()
        if len(text) < (field.min or 1):
            return Refused(AnswerProblem.TOO_SHORT, field)
        if len(text) > (field.max or TEXT_ANSWER_MAX):
            return Refused(AnswerProblem.TOO_LONG, field)
        return {"kind": field.kind.value, "text": text}
    answer: Answer = {"kind": field.kind.value, "file_id": incoming.file_id}
    if incoming.file_name:
        answer["name"] = incoming.file_name
    if incoming.text:  # a caption
        answer["text"] = incoming.text[:TEXT_ANSWER_MAX]
    return answer


def choice_answer(field: FieldInfo, index: int) -> Answer | Refused:
    """A choice field answered by its button (the option's number)."""
    if field.kind is not FieldKind.CHOICE or not 0 <= index < len(field.options):
        return Refused(AnswerProblem.NOT_AN_OPTION, field)
    return {"kind": FieldKind.CHOICE.value, "text": field.options[index]}


def answer_text(answer: Answer | None) -> str | None:
    """The text of an answer that has one (text, choice, a caption), raw."""
    return answer.get("text") if answer else None


def is_media(answer: Answer | None) -> bool:
    return bool(answer and answer.get("file_id"))
