"""Mermaid text that cannot break its diagram: quoted labels with entity escapes, and node ids.

Names reaching a diagram are validated, but descriptions are free text: a quote ends a label, `<`
starts HTML, a backtick a Markdown string, `#` an entity, a `|` an edge label, a backslash an
escape in some renderers, and a newline the statement. Every label goes through `label`
(whitespace collapsed, those characters written as Mermaid's `#<code>;` entities, then quoted),
and every node id comes from `NodeIds`, which makes identifiers of any key and never gives two
keys the same id.
"""

from __future__ import annotations

import re
import textwrap

__all__ = ["LINE_BREAK", "NodeIds", "label", "summary", "text"]

LINE_BREAK = "<br>"
"""A line break inside a label; only ever written by restagen, never taken from a schema."""

# Each character on its own: `#` too, since the others become entities that start with it.
_ENTITIES = {c: f"#{ord(c)};" for c in '#"&<>`|\\'}
_NOT_ID = re.compile(r"[^A-Za-z0-9_]+")
_SUMMARY_WIDTH = 60


def text(value: str) -> str:
    """`value` on one line, with every character Mermaid would read as syntax written as an entity."""
    return "".join(_ENTITIES.get(c, c) for c in " ".join(value.split()))


def summary(description: str | None) -> str | None:
    """A description shortened for a label, at a word boundary (None when there is none)."""
    if description is None or not description.strip():
        return None
    return textwrap.shorten(description, _SUMMARY_WIDTH, placeholder=" …")


def label(*lines: str | None) -> str:
    """A quoted label of the given lines (None lines left out), each escaped with `text`."""
    return '"' + LINE_BREAK.join(text(line) for line in lines if line is not None) + '"'


class NodeIds:
    """Mermaid node ids, one per key: a prefix and the key's parts, made identifiers.

    `a.b_c` and `a_b.c` both become `a_b_c`: the second key asked for gets a numbered id instead,
    so ids are unique and, keys being asked for in a sorted order, deterministic.
    """

    def __init__(self) -> None:
        self._ids: dict[tuple[str, ...], str] = {}
        self._taken: set[str] = set()

    def __call__(self, prefix: str, *parts: str) -> str:
        key = (prefix, *parts)
        if key in self._ids:
            return self._ids[key]
        base = prefix + "_" + "__".join(_NOT_ID.sub("_", part) for part in parts)
        candidate, number = base, 1
        while candidate in self._taken:
            number += 1
            candidate = f"{base}_{number}"
        self._ids[key] = candidate
        self._taken.add(candidate)
        return candidate
