"""`restagen export`: a Protocol-style module written back as a `.restagen.yaml` definition file.

The Protocol front end already builds the plain data a YAML file would give; this module checks it like
any definition file and prints it with ruamel.yaml, keeping the declaration order, writing lists of names
inline (`enum: [A, B]`) and multi-line descriptions as literal blocks, so the result reads like hand-written YAML.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

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
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 110
    out = io.StringIO()
    yaml.dump(_styled(data), out)
    # A blank line before each section, as in hand-written files; nested keys are indented, so untouched.
    lines = out.getvalue().split("\n")[:-1]  # not splitlines: U+2028 and U+0085 stay inside their strings
    spaced = [
        f"\n{line}" if index and line.split(":")[0] in _SPACED and not line[:1].isspace() else line
        for index, line in enumerate(lines)
    ]
    return "\n".join(spaced) + "\n"


def _styled(value: Any) -> Any:
    if isinstance(value, dict):
        node = CommentedMap()
        for key, item in value.items():
            node[key] = _styled(item)
        return node
    if isinstance(value, list):
        seq = CommentedSeq(_styled(item) for item in value)
        if all(not isinstance(item, dict | list) for item in value):
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, str) and any(char in value for char in _UNICODE_BREAKS):
        # ruamel.yaml would write them raw and indent after each, as if a line ended there.
        return DoubleQuotedScalarString(value)
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value)
    return value


_UNICODE_BREAKS = "\u0085\u2028\u2029"
