"""Load stage: YAML text to plain Python data, keeping the line and column of every key and value.

ruamel.yaml's round-trip loader records positions on its container nodes; we walk the tree once,
converting it to plain dicts/lists/scalars and filling a `SourceMap` keyed by document path.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from restagen.diagnostics import Diagnostics, Position

__all__ = ["DocPath", "SourceDocument", "SourceMap", "load_file", "load_text"]

DocPath = tuple[str | int, ...]


@dataclass
class SourceMap:
    """Positions of the values (and, for mapping entries, the keys) of one document."""

    file: str
    values: dict[DocPath, tuple[int, int]] = field(default_factory=dict)
    keys: dict[DocPath, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: DocPath, *, key: bool = False) -> Position:
        """The position of `path`, or of its nearest known ancestor."""
        table = self.keys if key else self.values
        probe = path
        while True:
            found = table.get(probe) or self.values.get(probe)
            if found:
                return Position(self.file, found[0], found[1])
            if not probe:
                return Position(self.file, 1, 1)
            probe = probe[:-1]


@dataclass
class SourceDocument:
    file: str
    data: Any
    source_map: SourceMap


def _plain_scalar(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def _walk(node: Any, path: DocPath, smap: SourceMap) -> Any:
    if isinstance(node, CommentedMap):
        result: dict[Any, Any] = {}
        for key, value in node.items():
            plain_key = _plain_scalar(key)
            child = (*path, plain_key if isinstance(plain_key, str) else str(plain_key))
            kline, kcol = node.lc.key(key)
            smap.keys[child] = (kline + 1, kcol + 1)
            vpos = node.lc.value(key)
            if vpos is not None and vpos[0] is not None:
                smap.values[child] = (vpos[0] + 1, vpos[1] + 1)
            else:
                smap.values[child] = (kline + 1, kcol + 1)
            result[child[-1]] = _walk(value, child, smap)
        return result
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            line, col = node.lc.item(index)
            smap.values[(*path, index)] = (line + 1, col + 1)
            items.append(_walk(value, (*path, index), smap))
        return items
    return _plain_scalar(node)


def _explain(exc: MarkedYAMLError) -> tuple[str, str, Any]:
    """A readable message, a hint and the place to point at, for ruamel.yaml's parser jargon."""
    problem = str(exc.problem or exc.context or "invalid YAML")
    context = str(exc.context or "")
    mark = exc.problem_mark or exc.context_mark
    if "end of stream" in problem and "quoted scalar" in context:
        return "this quoted string is never closed", "add the closing quote", exc.context_mark or mark
    if "<block end>" in problem:
        return "inconsistent indentation", "keys of one mapping must start in the same column", mark
    if "mapping values are not allowed here" in problem:
        return (
            "unexpected ':'",
            "quote a value that contains ': ', or check the indentation of this line",
            mark,
        )
    if "'\\t'" in problem:
        return "a tab character cannot indent YAML", "indent with spaces", mark
    if "',' or '}'" in problem or "',' or ']'" in problem:
        return (
            problem,
            "inside {...} or [...], quote values that contain [ ] { } or commas: {items: 'list[string]'}",
            mark,
        )
    return problem, "check indentation and quoting", mark


def load_text(text: str, file: str, diagnostics: Diagnostics) -> SourceDocument | None:
    """Parse YAML `text`; on a syntax error, add a diagnostic and return None."""
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    smap = SourceMap(file)
    try:
        node = yaml.load(text)
    except DuplicateKeyError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = (exc.problem or "duplicate key").split(" with value")[0]
        diagnostics.error(
            "yaml-duplicate-key", problem, Position(file, line, col), hint="each key may appear once"
        )
        return None
    except MarkedYAMLError as exc:
        message, hint, mark = _explain(exc)
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        diagnostics.error(
            "yaml-syntax", f"YAML syntax error: {message}", Position(file, line, col), hint=hint
        )
        return None
    except YAMLError as exc:
        diagnostics.error("yaml-syntax", f"YAML syntax error: {exc}", Position(file, 1, 1))
        return None
    if node is None:
        node = CommentedMap()
    if isinstance(node, CommentedMap):
        smap.values[()] = (1, 1)
    return SourceDocument(file, _walk(node, (), smap), smap)


def load_file(path: Path, diagnostics: Diagnostics, *, display: str | None = None) -> SourceDocument | None:
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        diagnostics.error("io", f"cannot read file: {exc}", Position(name))
        return None
    return load_text(text, name, diagnostics)


def is_mapping(value: Any) -> bool:
    return isinstance(value, Mapping)
