"""The import plan: what a course would change in the database, and how it reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["course", "module", "lesson", "question"]
Action = Literal["add", "change", "unpublish", "delete"]
_SIGNS: dict[str, str] = {"add": "+", "change": "~", "unpublish": "-", "delete": "-"}


@dataclass(frozen=True)
class Change:
    """One change an import makes. Questions are keyed ``lesson-slug/question-id``."""

    action: Action
    kind: Kind
    slug: str
    title: str = ""
    fields: tuple[str, ...] = ()
    parent: str | None = None  # a question's lesson slug

    def __str__(self) -> str:
        sign = _SIGNS[self.action]
        if self.action == "add":
            return f"{sign} {self.kind} {self.slug} «{self.title}»"
        if self.action == "change":
            return f"{sign} {self.kind} {self.slug}: {', '.join(self.fields)}"
        done = "unpublished" if self.action == "unpublish" else "deleted"
        return f"{sign} {self.kind} {self.slug} ({done})"


@dataclass(frozen=True)
class ImportPlan:
    """What an import changes (or changed), in course order, and how many learners it touches.

    ``learners_affected`` counts distinct learners with progress on a lesson that changes
    (its fields or its questions), is unpublished, or whose module is published/unpublished.
    """

    changes: tuple[Change, ...] = ()
    learners_affected: int = 0

    @property
    def is_empty(self) -> bool:
        return not self.changes

    def _select(self, action: Action, kind: Kind | None) -> list[Change]:
        return [c for c in self.changes if c.action == action and kind in (None, c.kind)]

    def added(self, kind: Kind | None = None) -> list[Change]:
        return self._select("add", kind)

    def changed(self, kind: Kind | None = None) -> list[Change]:
        return self._select("change", kind)

    def unpublished(self, kind: Kind | None = None) -> list[Change]:
        return self._select("unpublish", kind)

    def deleted(self, kind: Kind | None = None) -> list[Change]:
        return self._select("delete", kind)

    def lines(self) -> list[str]:
        """One line per change, for printing; questions of a new lesson are folded into it."""
        new_lessons = {c.slug for c in self.added("lesson")}
        counts: dict[str, int] = {}
        for c in self.added("question"):
            if c.parent in new_lessons:
                counts[c.parent] = counts.get(c.parent, 0) + 1
        result: list[str] = []
        for c in self.changes:
            if c.kind == "question" and c.action == "add" and c.parent in new_lessons:
                continue
            line = str(c)
            if c.kind == "lesson" and c.action == "add":
                n = counts.get(c.slug, 0)
                line += f" ({n} question{'s' if n != 1 else ''})"
            result.append(line)
        return result

    def summary(self) -> str:
        """A one-line count of the changes, e.g. for a confirmation message."""
        if self.is_empty:
            return "no changes"
        parts: list[str] = []
        kinds: tuple[Kind, ...] = ("module", "lesson", "question")
        actions: tuple[tuple[Action, str], ...] = (
            ("add", "added"),
            ("change", "changed"),
            ("unpublish", "unpublished"),
            ("delete", "deleted"),
        )
        for kind in kinds:
            counts = [
                f"{len(self._select(action, kind))} {word}"
                for action, word in actions
                if self._select(action, kind)
            ]
            if counts:
                parts.append(f"{kind}s: {', '.join(counts)}")
        parts.append(f"learners affected: {self.learners_affected}")
        return "; ".join(parts)
