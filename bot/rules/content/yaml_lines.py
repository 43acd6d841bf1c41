"""YAML that remembers where each value came from, so a problem names its file and line."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Sequence
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.rules.content.spec import SLUG_RE, Problem
from bot.rules.formats.shorten import shorten


class YamlMap(dict[str, Any]):
    """A YAML mapping that remembers the file line of itself, each key and each value."""

    line: int
    key_lines: dict[str, int]
    raw: dict[str, str | None]  # a scalar value exactly as written (None for lists and maps)
    duplicates: list[tuple[str, int, int]]  # (key, line, line of the first occurrence)


class YamlSeq(list[Any]):
    """A YAML sequence that remembers the file line of itself and of each item."""

    line: int
    item_lines: list[int]
    raw: list[str | None]


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose maps and lists carry file line numbers (``line_offset`` + mark)."""

    line_offset = 1

    def _line(self, node: Node) -> int:
        return int(node.start_mark.line) + self.line_offset


def _raw(node: Node) -> str | None:
    return str(node.value) if isinstance(node, ScalarNode) else None


def _construct_map(loader: _LineLoader, node: MappingNode) -> YamlMap:
    loader.flatten_mapping(node)
    result = YamlMap()
    result.line = loader._line(node)
    result.key_lines, result.raw, result.duplicates = {}, {}, []
    for key_node, value_node in node.value:
        if isinstance(key_node, ScalarNode):
            key = str(key_node.value)
        else:
            key = str(loader.construct_object(key_node, deep=True))
        line = loader._line(key_node)
        value = loader.construct_object(value_node, deep=True)
        if key in result:
            result.duplicates.append((key, line, result.key_lines[key]))
            continue
        result[key] = value
        result.key_lines[key] = line
        result.raw[key] = _raw(value_node)
    return result


def _construct_seq(loader: _LineLoader, node: SequenceNode) -> YamlSeq:
    result = YamlSeq()
    result.line = loader._line(node)
    result.item_lines = [loader._line(item) for item in node.value]
    result.raw = [_raw(item) for item in node.value]
    result.extend(loader.construct_object(item, deep=True) for item in node.value)
    return result


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


class SourceFile:
    """Problems found in one file, with lines already in file terms."""

    def __init__(self, name: str, problems: list[Problem]) -> None:
        self.name = name
        self._problems = problems

    def add(self, line: int, reason: str) -> None:
        self._problems.append(Problem(self.name, line, reason))

    @property
    def count(self) -> int:
        """Problems found so far (of every file): a reader compares it before and after."""
        return len(self._problems)

    def parse_yaml(self, text: str, first_line: int) -> tuple[bool, Any]:
        """(True, the YAML document in ``text``) or (False, None) after adding a problem.

        ``text`` starts on line ``first_line`` of the file; an empty document is None.
        """
        loader = _LineLoader(text)
        loader.line_offset = first_line
        try:
            return True, loader.get_single_data()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = int(mark.line) + first_line if mark is not None else first_line
            what = ", ".join(part for part in (exc.context, exc.problem) if part)
            self.add(line, f"invalid YAML: {what}")
        except yaml.YAMLError as exc:
            self.add(first_line, f"invalid YAML: {exc}")
        finally:
            loader.dispose()
        return False, None


def show_value(value: Any, raw: str | None = None) -> str:
    text = raw if raw is not None else repr(value)
    return shorten(text, 40)


def type_name(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    return "text"


class Fields:
    """Typed access to a YAML mapping's keys; every mistake becomes a problem with its line."""

    def __init__(
        self,
        data: YamlMap,
        file: SourceFile,
        allowed: Sequence[str],
        required: Collection[str],
        where: str = "",
    ) -> None:
        self.data, self.file, self.where = data, file, where
        for key, line, first in data.duplicates:
            self.problem(line, f"key '{key}' is given twice (first on line {first})")
        for key in data:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = (
                    f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(allowed)})"
                )
                self.problem(data.key_lines[key], f"unknown key '{key}'{hint}")
        for key in required:
            if key not in data:
                self.problem(data.line, f"missing required key '{key}'")

    def problem(self, line: int, reason: str) -> None:
        self.file.add(line, f"{self.where}{reason}")

    def line(self, key: str) -> int:
        return self.data.key_lines.get(key, self.data.line)

    def _present(self, key: str) -> bool:
        return key in self.data and self.data[key] is not None

    def text(
        self,
        key: str,
        *,
        required: bool = False,
        max_len: int | None = None,
        one_line: bool = False,
        max_breaks: int | None = None,
    ) -> str | None:
        if key not in self.data:
            return None  # a missing required key is already reported
        value, raw = self.data[key], self.data.raw.get(key)
        if value is None:
            if required:
                self.problem(self.line(key), f"'{key}' is empty")
            return None
        text = scalar_text(value, raw)
        if text is None:
            self.problem(self.line(key), f"'{key}' must be text, not {type_name(value)}")
            return None
        text = text.strip()
        if not text:
            if required:
                self.problem(self.line(key), f"'{key}' is empty")
            return None
        if max_len is not None and len(text) > max_len:
            self.problem(
                self.line(key), f"'{key}' is {len(text)} characters long; at most {max_len}"
            )
        if one_line and "\n" in text:
            self.problem(self.line(key), f"'{key}' must be a single line")
        if max_breaks is not None and text.count("\n") > max_breaks:
            self.problem(
                self.line(key),
                f"'{key}' has {text.count(chr(10))} line breaks; at most {max_breaks}",
            )
        return text

    def slug(self, key: str) -> str | None:
        text = self.text(key, required=True)
        if text is not None and not SLUG_RE.fullmatch(text):
            self.problem(
                self.line(key),
                f"'{key}' is {show_value(text)}, not a valid slug: use 1-64 lowercase letters, "
                "digits and dashes, starting with a letter or digit",
            )
            return None
        return text

    def integer(self, key: str, *, minimum: int, maximum: int | None = None) -> int | None:
        if not self._present(key):
            return None
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(
                self.line(key),
                f"'{key}' must be a whole number, not {show_value(value, self.data.raw.get(key))}",
            )
            return None
        if value < minimum or (maximum is not None and value > maximum):
            limits = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
            self.problem(self.line(key), f"'{key}' must be {limits}, not {value}")
            return None
        return value

    def boolean(self, key: str, default: bool) -> bool:
        if not self._present(key):
            return default
        value = self.data[key]
        if not isinstance(value, bool):
            self.problem(
                self.line(key),
                f"'{key}' must be true or false, not {show_value(value, self.data.raw.get(key))}",
            )
            return default
        return value

    def sequence(self, key: str) -> YamlSeq | None:
        if key not in self.data:
            return None
        value = self.data[key]
        if not isinstance(value, YamlSeq):
            self.problem(self.line(key), f"'{key}' must be a list, not {type_name(value)}")
            return None
        return value

    def slug_list(self, key: str) -> tuple[tuple[str, int], ...] | None:
        """A list of slugs, each with its line (``[a, b]`` or one per line); None when absent."""
        if key not in self.data or self.data[key] is None:
            return None if key not in self.data else ()
        value = self.data[key]
        if isinstance(value, str):
            value = YamlSeq([value])
            value.line, value.item_lines, value.raw = self.line(key), [self.line(key)], [None]
        if not isinstance(value, YamlSeq):
            self.problem(self.line(key), f"'{key}' must be a list of slugs, not {type_name(value)}")
            return None
        found: list[tuple[str, int]] = []
        for item, line in zip(value, value.item_lines, strict=True):
            if not isinstance(item, str) or not SLUG_RE.fullmatch(item):
                self.problem(line, f"'{key}' lists {show_value(item)}, which is not a slug")
            else:
                found.append((item, line))
        return tuple(found)


def scalar_text(value: Any, raw: str | None) -> str | None:
    """A text value as written: ``Yes``, ``2024`` and ``1.10`` stay text, lists and maps don't."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return None
    return raw if raw is not None else str(value)
