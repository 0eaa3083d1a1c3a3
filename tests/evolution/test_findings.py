"""Findings as lines: one line each, whatever the file names hold; breaking ones first."""

from __future__ import annotations

from restagen.compiler.evolution.findings import Finding, render_text, sorted_findings, summary
from restagen.diagnostics import Position


def test_a_file_name_cannot_add_lines() -> None:
    finding = Finding("handler-removed", Position("HEAD:a\nb.restagen.yaml", 3, 5), "store.put", "gone")
    assert (
        render_text([finding]) == "HEAD:a\\nb.restagen.yaml:3:5: breaking: handler-removed: store.put: gone\n"
    )


def test_breaking_first_then_by_position_each_once() -> None:
    safe = Finding("handler-added", Position("a.restagen.yaml", 1, 1), "store.get", "new handler")
    late = Finding("handler-removed", Position("b.restagen.yaml", 9, 1), "store.put", "gone")
    early = Finding("input-type", Position("b.restagen.yaml", 2, 1), "store.put.input", "int -> string")
    assert sorted_findings([safe, late, early, late]) == [early, late, safe]
    assert summary([safe, late, early], "main") == "2 breaking, 1 safe change(s) against main"
