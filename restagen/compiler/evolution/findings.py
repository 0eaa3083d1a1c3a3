"""Findings of `restagen breaking`: one per change, printed as a line each or as JSON.

A line reads `FILE:LINE:COL: SEVERITY: RULE: PATH: WHY`. The position is the element's in the new
files, or in the old ones for an element that is gone (a git revision's files are shown as
`REVISION:path`). PATH names the element as callers see it, `component.handler.input.field`,
with `[]` for a list's items and `{}` for a map's values.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from restagen.compiler.evolution.rules import Severity, rule
from restagen.diagnostics import Position

__all__ = ["Finding", "render_json", "render_text", "sorted_findings", "summary"]


@dataclass(frozen=True)
class Finding:
    rule: str
    position: Position
    path: str
    message: str

    @property
    def severity(self) -> Severity:
        return rule(self.rule).severity

    @property
    def breaking(self) -> bool:
        return self.severity is Severity.BREAKING

    def render(self) -> str:
        return _printable(f"{self.position}: {self.severity}: {self.rule}: {self.path}: {self.message}")

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.position.file,
            "line": self.position.line,
            "col": self.position.col,
            "severity": str(self.severity),
            "rule": self.rule,
            "path": self.path,
            "message": self.message,
        }


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Each finding once, breaking ones first, then by position."""
    unique = dict.fromkeys(findings)
    return sorted(unique, key=lambda f: (not f.breaking, f.position, f.path, f.rule, f.message))


def render_text(findings: list[Finding]) -> str:
    return "".join(f"{finding.render()}\n" for finding in findings)


def render_json(findings: list[Finding], against: str) -> str:
    document = {
        "against": against,
        "breaking": any(f.breaking for f in findings),
        "findings": [f.as_json() for f in findings],
    }
    return json.dumps(document, indent=2) + "\n"


def summary(findings: list[Finding], against: str) -> str:
    count = sum(f.breaking for f in findings)
    return f"{count} breaking, {len(findings) - count} safe change(s) against {against}"


def _printable(text: str) -> str:
    """A file name from a git tree may hold any character: one line stays one line."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)
