"""Which way the values of a compared type travel, and so which changes break.

A request is written by an old caller and read by the new handler; a response, the other way.
State, promises and a workflow's result are written by one deployment and read by the other in
both directions while the old one drains. A `Flow` names, for each side that reads values the
other side wrote, the rule each harmful change falls under; a change no reader minds is
`compatible`.

What hurts the new reader of old values: a replaced or narrowed type, a field it requires that
old writers may leave out, a value it no longer knows, a constraint it checks more strictly.
What hurts the old reader of new values is the mirror image: a widened type, a field it requires
that may now be missing, a value it never knew, a constraint the new writer no longer keeps. A
field the reader does not know is ignored by the generated models, so adding one to a response
or dropping one from a request is safe.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from restagen.compiler.evolution.types import Kind

__all__ = [
    "ERROR",
    "INPUT",
    "OUTPUT",
    "PROMISE",
    "RUN_OUTPUT",
    "SAGA_DATA",
    "STATE",
    "Flow",
    "harms_new_reader",
    "harms_old_reader",
]

harms_new_reader = frozenset(
    {
        Kind.REPLACED,
        Kind.NARROWED,
        Kind.FIELD_ADDED_REQUIRED,
        Kind.MADE_REQUIRED,
        Kind.VALUE_REMOVED,
        Kind.TIGHTENED,
        Kind.RECONSTRAINED,
    }
)
harms_old_reader = frozenset(
    {
        Kind.REPLACED,
        Kind.WIDENED,
        Kind.FIELD_REMOVED_REQUIRED,
        Kind.MADE_OPTIONAL,
        Kind.VALUE_ADDED,
        Kind.LOOSENED,
        Kind.RECONSTRAINED,
    }
)


@dataclass(frozen=True)
class Flow:
    """The rule of each harmful change, for the new code reading old values and the old code
    reading new values; None for a direction values of this kind never take."""

    new_reads_old: Mapping[Kind, str] | None
    old_reads_new: Mapping[Kind, str] | None
    why_new: str = "old writers"
    why_old: str = "old readers"

    def rule(self, kind: Kind) -> tuple[str, str] | None:
        """The rule a change breaks and whom it breaks, or None when it breaks nothing."""
        if self.new_reads_old is not None and kind in harms_new_reader:
            return self.new_reads_old[kind], self.why_new
        if self.old_reads_new is not None and kind in harms_old_reader:
            return self.old_reads_new[kind], self.why_old
        return None


def _all(rule_id: str, kinds: frozenset[Kind]) -> dict[Kind, str]:
    return dict.fromkeys(kinds, rule_id)


INPUT = Flow(
    {
        Kind.REPLACED: "input-type",
        Kind.NARROWED: "input-type",
        Kind.FIELD_ADDED_REQUIRED: "input-required",
        Kind.MADE_REQUIRED: "input-required",
        Kind.VALUE_REMOVED: "input-value-removed",
        Kind.TIGHTENED: "input-constraint",
        Kind.RECONSTRAINED: "input-constraint",
    },
    None,
    why_new="requests of old callers",
)
OUTPUT = Flow(
    None,
    {
        Kind.REPLACED: "output-type",
        Kind.WIDENED: "output-type",
        Kind.FIELD_REMOVED_REQUIRED: "output-removed",
        Kind.MADE_OPTIONAL: "output-removed",
        Kind.VALUE_ADDED: "output-value-added",
        Kind.LOOSENED: "output-constraint",
        Kind.RECONSTRAINED: "output-constraint",
    },
    why_old="clients generated from the old schema",
)
RUN_OUTPUT = Flow(
    _all("workflow-run", harms_new_reader),
    OUTPUT.old_reads_new,
    why_new="new clients reading the results of runs begun on the old deployment",
    why_old=OUTPUT.why_old,
)
STATE = Flow(
    _all("state-type", harms_new_reader),
    _all("state-type", harms_old_reader),
    why_new="the new code reading values stored by the old",
    why_old="invocations draining on the old deployment reading values stored by the new",
)
PROMISE = Flow(
    _all("promise-type", harms_new_reader),
    _all("promise-type", harms_old_reader),
    why_new="the new code reading promises resolved by the old",
    why_old="runs draining on the old deployment reading promises resolved by the new",
)
SAGA_DATA = Flow(
    _all("saga-data", harms_new_reader),
    None,
    why_new="sagas begun on the old deployment, whose persisted data the new code reads",
)
ERROR = Flow(
    None,
    _all("error-details", harms_old_reader),
    why_old="clients generated from the old schema reviving the error",
)
