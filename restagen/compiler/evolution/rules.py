"""The rule table of `restagen breaking`: every finding names one of these rules.

A rule is breaking when a change under it makes something already running fail: a request of an
old caller, a response an old client decodes, an event an existing subscription receives, or a
value stored by the old code. The others are safe, and are reported so that a change is never
silent. docs/evolution.md explains each rule; a test keeps that page and this table in step.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["RULES", "Rule", "Severity", "rule"]


class Severity(enum.StrEnum):
    BREAKING = "breaking"
    SAFE = "safe"


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    description: str


_B, _S = Severity.BREAKING, Severity.SAFE

RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule("component-removed", _B, "a service, object or workflow was removed or renamed"),
        Rule("component-kind", _B, "a component's kind changed (service, object, workflow)"),
        Rule("handler-removed", _B, "a handler was removed or renamed"),
        Rule("ingress-private", _B, "a component or handler became private to the ingress"),
        Rule("codec-changed", _B, "the codec (json, bson) of a handler's or component's values changed"),
        Rule("input-type", _B, "an input, or a field of it, changed type: old requests no longer decode"),
        Rule("input-required", _B, "an input field old callers may leave out is now required"),
        Rule("input-value-removed", _B, "an enum value or union member old callers may send was removed"),
        Rule("input-constraint", _B, "an input constraint was tightened: old requests may violate it"),
        Rule("output-type", _B, "an output, or a field of it, changed type: old clients cannot decode it"),
        Rule("output-removed", _B, "an output field old clients require was removed or may now be missing"),
        Rule("output-value-added", _B, "an output may hold an enum value or union member old clients lack"),
        Rule("output-constraint", _B, "an output constraint was loosened: old clients check the old one"),
        Rule("workflow-run", _B, "a workflow's run output changed: results of old runs no longer fit"),
        Rule("state-type", _B, "a state key's type changed: stored values and draining handlers disagree"),
        Rule("promise-type", _B, "a workflow promise's type changed: its value crosses deployments"),
        Rule("event-changed", _B, "an event's structure changed while handlers subscribe to it"),
        Rule("event-removed", _B, "an event with subscribers was removed"),
        Rule("subscription-removed", _B, "a handler stopped subscribing to an event it is subscribed to"),
        Rule("error-details", _B, "a declared error's fields changed so that old clients cannot revive it"),
        Rule("saga-removed", _B, "a saga was removed or renamed while sagas of it may be running"),
        Rule("saga-data", _B, "saga data changed so that data persisted by running sagas no longer fits"),
        Rule("component-added", _S, "a service, object or workflow was added"),
        Rule("handler-added", _S, "a handler was added"),
        Rule("saga-added", _S, "a saga was added"),
        Rule("event-changed-unsubscribed", _S, "an event nothing subscribes to changed"),
        Rule("compatible", _S, "a change every reader and writer on both sides still understands"),
    )
}


def rule(rule_id: str) -> Rule:
    return RULES[rule_id]
