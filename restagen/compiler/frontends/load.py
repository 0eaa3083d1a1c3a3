"""Load stage: YAML text to plain Python data, keeping the line and column of every key and value.

libyaml (through PyYAML's C parser) composes the node tree, which carries the position of every
node; we walk it once, building plain dicts/lists/scalars and a `SourceMap` keyed by document
path, and report duplicate keys on the way. Scalars resolve as in YAML 1.2: only `true` and
`false` are booleans (`yes`, `no`, `on`, `off` stay strings, so they can be enum values); and,
as in YAML 1.2, only `\n` and `\r` break lines: libyaml would also break at U+0085, U+2028 and
U+2029, even inside a comment, and every line number after one would be off by one.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.error import MarkedYAMLError, YAMLError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

from restagen.diagnostics import Diagnostics, Position

__all__ = ["DocPath", "SourceDocument", "SourceMap", "load_file", "load_text"]

DocPath = tuple[str | int, ...]

_MERGE_TAG = "tag:yaml.org,2002:merge"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_VALUE_TAG = "tag:yaml.org,2002:value"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp")
)

# Limits far beyond any real definition file, so that a hostile one ends in a diagnostic: YAML
# aliases share a value, so a few lines can expand to billions of values (an "alias bomb").
MAX_DEPTH = 100
MAX_REPEATED = 100_000


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader with YAML 1.2 booleans."""


_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)

_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in (_BOOL_TAG, _INT_TAG, _FLOAT_TAG, _VALUE_TAG)  # `=` is text in YAML 1.2
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_Loader.add_implicit_resolver(_INT_TAG, _INT, list("-+0123456789"))
_Loader.add_implicit_resolver(_FLOAT_TAG, _FLOAT, list("-+.0123456789"))


def _number(tag: str, text: str) -> int | float:
    """Numbers as YAML 1.2 reads them (`010` is ten; `0o10` is eight)."""
    if tag == _INT_TAG:
        if text.startswith(("0o", "0x")):
            return int(text[2:], 8 if text[1] == "o" else 16)
        return int(text)
    lowered = text.lower()
    if lowered.endswith(".inf"):
        return float("-inf") if lowered.startswith("-") else float("inf")
    if lowered == ".nan":
        return float("nan")
    return float(text)


class _Refused(Exception):
    """A document the walker does not turn into data, and the node to point at."""

    def __init__(self, code: str, message: str, node: Node, hint: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.node = node
        self.hint = hint


def _short(tag: str) -> str:
    """`!!bool` for `tag:yaml.org,2002:bool`, as the tag is written."""
    prefix = "tag:yaml.org,2002:"
    return f"!!{tag.removeprefix(prefix)}" if tag.startswith(prefix) else tag


def _check_tag(node: Node) -> None:
    """Refuse a tag that does not fit its node (`!!str [1]`) or that the language has no use for."""
    if isinstance(node, MappingNode):
        kind, fitting = "mapping", {_MAP_TAG}
    elif isinstance(node, SequenceNode):
        kind, fitting = "list", {_SEQ_TAG}
    else:
        kind, fitting = "single value", set(_SCALAR_TAGS)
    if node.tag in fitting:
        return
    known = node.tag in _SCALAR_TAGS or node.tag in (_MAP_TAG, _SEQ_TAG)
    problem = f"does not fit a {kind}" if known else "is not supported"
    raise _Refused("yaml-tag", f"the tag {_short(node.tag)} {problem}", node, _TAG_HINT)


_TAG_HINT = "remove the tag: values need none, and quotes make text"


@dataclass
class SourceMap:
    """Positions of the values (and, for mapping entries, the keys) of one document."""

    file: str
    values: dict[DocPath, tuple[int, int]] = field(default_factory=dict)
    keys: dict[DocPath, tuple[int, int]] = field(default_factory=dict)
    quoted: set[DocPath] = field(default_factory=set)
    """Values written in quotes: their text starts one column after their position."""
    folded: set[DocPath] = field(default_factory=set)
    """Values written over several lines, or as block scalars: YAML folds their lines, so a
    character of their text has no column of its own, and their errors point at the value."""

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

    def text_position(self, path: DocPath, offset: int) -> Position:
        """The position of character `offset` of the text of the value at `path`."""
        start = self.position(path)
        if path in self.folded:
            return start
        return Position(start.file, start.line, start.col + offset + (path in self.quoted))


@dataclass
class SourceDocument:
    file: str
    data: Any
    source_map: SourceMap


def _at(node: Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _Walker:
    """Builds plain data from composed nodes, recording positions by document path.

    Aliases make the node tree a graph: a value may contain itself, or be shared so often that
    walking it never ends. The walker keeps the collections it is inside (`active`) and counts the
    values it walks again (`repeated`), and refuses both, as it refuses nesting beyond `MAX_DEPTH`.
    """

    def __init__(self, loader: Any, smap: SourceMap, restore: dict[int, int]) -> None:
        self.loader = loader
        self.smap = smap
        self.restore = restore
        self.active: set[int] = set()
        self.seen: set[int] = set()
        self.repeated = 0

    def scalar(self, node: ScalarNode) -> Any:
        if node.tag == _MERGE_TAG:  # `<<` anywhere but as a key is text
            return self._text(node.value)
        _check_tag(node)
        try:
            if node.tag in (_INT_TAG, _FLOAT_TAG) and not node.style:
                return _number(node.tag, node.value)
            value = self.loader.construct_object(node, deep=True)
        except (ArithmeticError, AttributeError, KeyError, TypeError, ValueError):
            if self.loader.resolve(ScalarNode, node.value, (True, False)) == node.tag:
                return self._text(node.value)  # untagged, only looks like one: `2024-02-30` is text
            raise _Refused(
                "yaml-tag", f"{self._text(node.value)!r} is not a valid {_short(node.tag)}", node, _TAG_HINT
            ) from None
        if isinstance(value, datetime.datetime | datetime.date):
            return value.isoformat()
        if isinstance(value, str):
            return self._text(value)
        return value

    def _text(self, value: str) -> str:
        return value.translate(self.restore) if self.restore else value

    def entries(self, node: MappingNode, merging: frozenset[int] = frozenset()) -> list[tuple[Node, Node]]:
        """The key/value pairs of a mapping, with `<<` merge keys expanded (explicit keys win)."""
        merging |= {id(node)}
        own = [(k, v) for k, v in node.value if k.tag != _MERGE_TAG]
        merged: list[tuple[Node, Node]] = []
        for key, value in node.value:
            if key.tag != _MERGE_TAG:
                continue
            sources = value.value if isinstance(value, SequenceNode) else [value]
            for source in sources:
                if id(source) in merging or id(source) in self.active:
                    raise _Refused(
                        "yaml-alias",
                        "this merge key refers to a mapping that contains it",
                        key,
                        "merge only mappings defined before and outside this one",
                    )
                if isinstance(source, MappingNode):
                    self.count_repeat(source)
                    merged.extend(self.entries(source, merging))
        # Explicit keys win over merged ones, and an earlier merged mapping over a later one.
        names = {k.value for k, _ in own if isinstance(k, ScalarNode)}
        first: dict[Any, tuple[Node, Node]] = {}
        for pair in merged:
            if pair[0].value not in names:
                first.setdefault(pair[0].value, pair)
        return [*first.values(), *own]

    def count_repeat(self, node: Node) -> None:
        """Count a value walked (or merged) once more, and stop an alias bomb."""
        self.repeated += 1
        if self.repeated > MAX_REPEATED:
            raise _Refused(
                "yaml-limit",
                f"aliases expand to more than {MAX_REPEATED} values",
                node,
                "write the values out, or repeat fewer of them",
            )

    def walk(self, node: Node, path: DocPath, where: Node | None = None) -> Any:
        """The data of `node` at `path`; `where` is the node to point at for a value in a loop."""
        if id(node) in self.active:
            raise _Refused(
                "yaml-alias",
                "this alias refers to a value that contains it",
                where or node,
                "an alias may only repeat a value defined before and outside it",
            )
        if id(node) in self.seen:
            self.count_repeat(node)
        self.seen.add(id(node))
        if len(path) > MAX_DEPTH:
            raise _Refused(
                "yaml-limit", f"values nest deeper than {MAX_DEPTH} levels", node, "nest fewer levels"
            )
        if isinstance(node, ScalarNode):
            if node.style in ('"', "'"):
                self.smap.quoted.add(path)
            if node.style in ("|", ">") or node.end_mark.line != node.start_mark.line:
                self.smap.folded.add(path)
            return self.scalar(node)
        _check_tag(node)
        self.active.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self.mapping(node, path)
            assert isinstance(node, SequenceNode)
            return self.sequence(node, path)
        finally:
            self.active.discard(id(node))

    def mapping(self, node: MappingNode, path: DocPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in self.entries(node):
            if not isinstance(key_node, ScalarNode):
                raise _Refused(
                    "yaml-key",
                    "a key must be a name, not a mapping or a list",
                    key_node,
                    "a key is a single value before ':'",
                )
            key = self.walk(key_node, path, key_node)
            name = key if isinstance(key, str) else str(key)
            if name in result:
                raise _Refused(
                    "yaml-duplicate-key",
                    f'found duplicate key "{name}"',
                    key_node,
                    "each key may appear once",
                )
            child = (*path, name)
            self.smap.keys[child] = _at(key_node)
            self.smap.values[child] = _at(value_node)
            result[name] = self.walk(value_node, child, key_node)
        return result

    def sequence(self, node: SequenceNode, path: DocPath) -> list[Any]:
        items = []
        for index, item in enumerate(node.value):
            self.smap.values[(*path, index)] = _at(item)
            items.append(self.walk(item, (*path, index), node))
        return items


_ALIAS = re.compile(r"\*([^\s,\[\]{}]+)")


def _explain(exc: MarkedYAMLError, text: str) -> tuple[str, str, Any]:
    """A readable message, a hint and the place to point at, for the YAML parser's jargon."""
    problem = str(exc.problem or exc.context or "invalid YAML")
    context = str(exc.context or "")
    mark = exc.problem_mark or exc.context_mark
    if "end of stream" in problem and "quoted scalar" in context:
        return "this quoted string is never closed", "add the closing quote", exc.context_mark or mark
    if "<block end>" in problem or ("expected key" in problem and "block mapping" in context):
        return "inconsistent indentation", "keys of one mapping must start in the same column", mark
    if "exceeded maximum nesting depth" in problem:  # libyaml's own limit, beyond ours
        return f"values nest deeper than {MAX_DEPTH} levels", "nest fewer levels", mark
    if "found undefined alias" in problem and mark is not None:
        alias = _ALIAS.match(text, mark.index)
        name = f" '{alias.group(1)}'" if alias else ""
        return f"unknown alias{name}", "define the anchor (&name) before the alias (*name)", mark
    if "mapping values are not allowed" in problem:
        return (
            "unexpected ':'",
            "quote a value that contains ': ', or check the indentation of this line",
            mark,
        )
    if "cannot start any token" in problem and mark is not None and text[mark.index : mark.index + 1] == "\t":
        return "a tab character cannot indent YAML", "indent with spaces", mark
    for closing in ("}", "]"):
        if f"',' or '{closing}'" in problem:
            return (
                f"expected ',' or '{closing}'",
                "inside {...} or [...], quote values that contain [ ] { } or commas: {items: 'list[string]'}",
                mark,
            )
    return problem, "check indentation and quoting", mark


# Characters libyaml reads as line breaks and YAML 1.2 does not.
_UNICODE_BREAKS = "\u0085\u2028\u2029"


def _hide_unicode_breaks(text: str) -> tuple[str, dict[int, int]]:
    """`text` with each of `_UNICODE_BREAKS` replaced by a private-use character it does not
    contain (one character for one, so positions stay), and the table that puts them back."""
    present = [char for char in _UNICODE_BREAKS if char in text]
    if not present:
        return text, {}
    used = set(text)
    spare = (chr(code) for code in range(0xE000, 0xF900) if chr(code) not in used)
    hide = {ord(char): next(spare) for char in present}
    return text.translate(hide), {ord(placeholder): code for code, placeholder in hide.items()}


def _line_col(text: str, index: int) -> tuple[int, int]:
    """The 1-based line and column of `text[index]`, counting lines as YAML does (`\n`, `\r\n`, `\r`).

    An index at or past the end (the parser's "end of stream") is moved back to just after the last
    character that is not blank, so that a position is always inside the file.
    """
    if index >= len(text.rstrip()):
        index = len(text.rstrip())
    before = text[:index]
    line = before.count("\n") + before.count("\r") - before.count("\r\n") + 1
    return line, index - max(before.rfind("\n"), before.rfind("\r"))


def load_text(text: str, file: str, diagnostics: Diagnostics) -> SourceDocument | None:
    """Parse YAML `text`; on a syntax error, add a diagnostic and return None."""
    smap = SourceMap(file)
    text, restore = _hide_unicode_breaks(text)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            data: Any = {}
        else:
            data = _Walker(loader, smap, restore).walk(node, ())
    except _Refused as exc:
        line, col = _at(exc.node)
        diagnostics.error(exc.code, exc.message, Position(file, line, col), hint=exc.hint)
        return None
    except MarkedYAMLError as exc:
        message, hint, mark = _explain(exc, text)
        line, col = _line_col(text, mark.index) if mark else (1, 1)
        diagnostics.error(
            "yaml-syntax", f"YAML syntax error: {message}", Position(file, line, col), hint=hint
        )
        return None
    except ReaderError as exc:
        line, col = _line_col(text, exc.position)
        diagnostics.error(
            "yaml-syntax",
            f"YAML syntax error: the character U+{exc.character:04X} cannot appear in YAML text",
            Position(file, line, col),
            hint=r'write it as an escape in a double-quoted string, such as "\t" or "\x01"',
        )
        return None
    except YAMLError as exc:
        diagnostics.error("yaml-syntax", f"YAML syntax error: {exc}", Position(file, 1, 1))
        return None
    except RecursionError:
        # PyYAML's own composer, used when libyaml is missing, recurses once per level.
        mark = loader.get_mark()
        diagnostics.error(
            "yaml-limit",
            f"values nest deeper than {MAX_DEPTH} levels",
            Position(file, *_line_col(text, mark.index)),
            hint="nest fewer levels",
        )
        return None
    finally:
        loader.dispose()
    if isinstance(data, dict):
        smap.values[()] = (1, 1)
    return SourceDocument(file, data, smap)


def load_file(path: Path, diagnostics: Diagnostics, *, display: str | None = None) -> SourceDocument | None:
    name = display or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        diagnostics.error("io", f"cannot read file: {exc.strerror or exc}", Position(name))
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Lines break where YAML breaks them (`\n`, `\r\n`, `\r`), as every other position counts;
        # the column counts the characters before the bad byte on its line, as an editor would.
        before = data[: exc.start]
        line = before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1
        line_start = max(before.rfind(b"\n"), before.rfind(b"\r")) + 1
        col = len(before[line_start:].decode("utf-8", errors="replace")) + 1
        diagnostics.error(
            "encoding",
            f"not UTF-8: byte 0x{data[exc.start]:02x} cannot be read as text",
            Position(name, line, col),
            hint="save the file as UTF-8",
        )
        return None
    return load_text(text, name, diagnostics)


def is_mapping(value: Any) -> bool:
    return isinstance(value, Mapping)
