"""The `restagen breaking` run: load the new and the old schema sets, compare, hand back findings.

Both sets go through the compiler's front ends and resolver, so a broken schema on either side
gives the usual diagnostics (and no findings), exactly as `validate` would. An old side with no
definition files at all (a revision before the schemas existed) is an empty set: everything in
the new one is added.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from restagen.compiler.evolution.against import old_schemas
from restagen.compiler.evolution.compare import compare
from restagen.compiler.evolution.findings import Finding
from restagen.compiler.evolution.located import EMPTY, load_schema_set
from restagen.diagnostics import Diagnostics, Position

__all__ = ["Outcome", "check"]


@dataclass
class Outcome:
    diagnostics: Diagnostics
    findings: list[Finding] | None
    """None when either side has errors."""

    @property
    def breaking(self) -> bool:
        return any(f.breaking for f in self.findings or ())


def check(paths: list[Path], against: str) -> Outcome:
    """Compare the schemas at `paths` with those of `against` (a folder, a file or a git revision)."""
    diagnostics = Diagnostics()
    new = load_schema_set(paths, diagnostics)
    if new is not None and not new.program.packages:
        where = Position(", ".join(str(p) for p in paths) or ".")
        diagnostics.error(
            "no-input", "no definition files found", where, hint="name *.restagen.yaml files or folders"
        )
        new = None
    with old_schemas(against, paths) as found:
        old = load_schema_set(found.paths, diagnostics, found.label) if found.paths else EMPTY
    if new is None or old is None:
        return Outcome(diagnostics, None)
    return Outcome(diagnostics, compare(old, new))
