"""The comparison of two schema sets, element kind by element kind.

`compare` runs the comparison of each kind of element into one collection of findings:
components with their handlers, state and promises (`components`), sagas, events and errors
(`durable`). The types they carry are compared structurally (`types`) and judged by the way their
values travel (`flows`).
"""

from __future__ import annotations

from restagen.compiler.evolution.collect import Findings
from restagen.compiler.evolution.components import compare_components
from restagen.compiler.evolution.durable import compare_errors, compare_events, compare_sagas
from restagen.compiler.evolution.findings import Finding, sorted_findings
from restagen.compiler.evolution.located import SchemaSet

__all__ = ["compare"]


def compare(old: SchemaSet, new: SchemaSet) -> list[Finding]:
    """Every finding between the old schema set and the new one, sorted."""
    found = Findings(old, new)
    compare_components(found)
    compare_sagas(found)
    compare_events(found)
    compare_errors(found)
    return sorted_findings(found.items)
