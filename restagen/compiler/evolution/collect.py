"""Findings collected while comparing: a change under the rule it breaks, or as compatible.

Every comparison module adds to one `Findings`, which turns a structural `Change` into a finding by
the way the compared values travel (`flows.Flow`), and places it in the new files, or in the old
ones for an element that is gone.
"""

from __future__ import annotations

from restagen.compiler import ir
from restagen.compiler.evolution import flows
from restagen.compiler.evolution.findings import Finding
from restagen.compiler.evolution.located import Loc, SchemaSet
from restagen.compiler.evolution.types import Change, Kind, compare_types, describe

__all__ = ["Findings"]


class Findings:
    def __init__(self, old: SchemaSet, new: SchemaSet) -> None:
        self.old = old
        self.new = new
        self.items: list[Finding] = []

    def add(self, rule_id: str, loc: Loc, path: str, message: str, *, old: bool = False) -> None:
        position = (self.old if old else self.new).position(loc)
        self.items.append(Finding(rule_id, position, path, message))

    def changes(self, changes: list[Change], flow: flows.Flow, path: str) -> None:
        """A finding per change: under the rule it breaks, else as compatible."""
        for change in changes:
            where = f"{path}{change.path}"
            verdict = flow.rule(change.kind)
            if verdict is None:
                rule_id, message = "compatible", change.detail
            else:
                rule_id, whom = verdict
                message = f"{change.detail}; breaks {whom}"
            if change.new is not None:
                self.add(rule_id, change.new, where, message)
            else:
                assert change.old is not None
                self.add(rule_id, change.old, where, message, old=True)

    def value(
        self,
        was: ir.TypeRef | None,
        now: ir.TypeRef | None,
        flow: flows.Flow,
        path: str,
        old_loc: Loc,
        new_loc: Loc,
        handler_loc: Loc,
    ) -> None:
        """A handler's input or output, either of which may be none (no body at all)."""
        if was is not None and now is not None:
            self.changes(compare_types(self.old, self.new, was, now, old_loc, new_loc), flow, path)
            return
        if was is None and now is not None:
            detail = f"none -> {describe(now)}"
            rules, whom = (
                (None if isinstance(now, ir.Nullable) else flow.new_reads_old),
                f"{flow.why_new}, which carry none",
            )
        elif was is not None and now is None:
            detail = f"{describe(was)} -> none"
            if flow.new_reads_old is not None:  # Restate refuses a body for a handler that takes none
                rules, whom = flow.new_reads_old, f"{flow.why_new}, which carry one"
            else:
                rules, whom = flow.old_reads_new, f"{flow.why_old}, which expect one"
        else:
            return
        loc = new_loc if now is not None else handler_loc
        if rules is None:
            self.add("compatible", loc, path, detail)
        else:
            self.add(rules[Kind.REPLACED], loc, path, f"{detail}; breaks {whom}")
