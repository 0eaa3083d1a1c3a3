"""`restagen export`: a Protocol-style module written back as a `.restagen.yaml` definition file.

The Protocol front end already builds the plain data a YAML file would give; this module checks it like
any definition file and prints it with PyYAML, the library that loads it, keeping the declaration order,
writing lists of names inline (`enum: [A, B]`) and multi-line descriptions as literal blocks, so the
result reads like hand-written YAML.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from restagen.compiler.frontends.protocol import translate_module
from restagen.compiler.frontends.sources import display_name
from restagen.compiler.structure.check import check_structure
from restagen.diagnostics import Diagnostics

__all__ = ["export_yaml", "to_yaml"]

_SPACED = {"imports", "types", "errors", "events", "services", "objects", "workflows", "sagas"}


def export_yaml(path: Path, diagnostics: Diagnostics, *, display: str | None = None) -> str | None:
    """The YAML text of the Protocol module at `path`; None (with diagnostics) when it has errors."""
    before = len(diagnostics.items)
    source = translate_module(path.resolve(), display or display_name(path), diagnostics)
    if source is None or check_structure(source, diagnostics) is None or len(diagnostics.items) > before:
        return None
    return to_yaml(source.data)


def to_yaml(data: dict[str, Any]) -> str:
    """Plain definition data as YAML text, in the order given."""
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)
    # A blank line before each section, as in hand-written files; nested keys are indented, so untouched.
    lines = text.split("\n")[:-1]  # not splitlines: U+2028 and U+0085 stay inside their strings
    spaced = [
        f"\n{line}" if index and line.split(":")[0] in _SPACED and not line[:1].isspace() else line
        for index, line in enumerate(lines)
    ]
    return "\n".join(spaced) + "\n"


class _Dumper(yaml.SafeDumper):
    """Block mappings in the order given, sequences indented under their key (`  - name: x`)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _mapping(dumper: yaml.SafeDumper, value: dict[Any, Any]) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=False)


def _sequence(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.Node:
    names = all(not isinstance(item, dict | list) for item in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=names)


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = None
    if any(char in value for char in _UNICODE_BREAKS):
        # Written raw, they would end a line for some readers: escaped in a double-quoted string.
        style = '"'
    elif "\n" in value:
        style = "|"
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_UNICODE_BREAKS = "\u0085\u2028\u2029"
_Dumper.add_representer(dict, _mapping)
_Dumper.add_representer(list, _sequence)
_Dumper.add_representer(str, _string)
