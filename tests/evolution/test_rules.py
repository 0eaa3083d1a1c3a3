"""Each rule of `restagen breaking` with an old and a new definition file that fall under it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from restagen.compiler.evolution.rules import RULES, Severity
from tests.evolution.conftest import Compare, lines


@dataclass(frozen=True)
class Case:
    rule: str
    old: str
    new: str
    expected: str
    """A finding line, without the file name (`new/shop.restagen.yaml:` or `old/...`)."""


ITEM = """
types:
  Item:
    properties:
      sku: string
      qty: {fields}
services:
  store:
    handlers:
      put: {{input: Item}}
"""
REPLY = """
types:
  Reply:
    properties:
{fields}
services:
  store:
    handlers:
      get: {{output: Reply}}
"""
SAGA = """
types:
  Data:
    properties:
      id: string
{fields}
services:
  airline:
    handlers:
      book: {{input: string}}
sagas:
  trip:
    data: Data
    steps:
      - {{name: book, invoke: airline.book}}
"""

CASES = [
    Case(
        "component-removed",
        "services:\n  store: {handlers: {put: {}}}\n  other: {handlers: {x: {}}}\n",
        "services:\n  other: {handlers: {x: {}}}\n",
        "old/shop.restagen.yaml:4:3: breaking: component-removed: store: callers of service store get 'not found'",
    ),
    Case(
        "component-removed",
        "services:\n  store: {handlers: {put: {}}}\n",
        "services:\n  shop_store: {handlers: {put: {}}}\n",
        "old/shop.restagen.yaml:4:3: breaking: component-removed: store: callers of service store get "
        "'not found' (renamed to shop_store? the name is the address)",
    ),
    Case(
        "component-kind",
        "services:\n  store: {handlers: {put: {}}}\n",
        "objects:\n  store: {handlers: {put: {}}}\n",
        "new/shop.restagen.yaml:4:3: breaking: component-kind: store: service -> object: old callers address "
        "it as a service",
    ),
    Case(
        "handler-removed",
        "services:\n  store:\n    handlers:\n      put: {}\n      get: {}\n",
        "services:\n  store:\n    handlers:\n      put: {}\n",
        "old/shop.restagen.yaml:7:7: breaking: handler-removed: store.get: calls of old clients, and "
        "invocations queued for it, fail",
    ),
    Case(
        "handler-removed",
        "services:\n  store:\n    handlers:\n      put: {input: string}\n",
        "services:\n  store:\n    handlers:\n      store_item: {input: string}\n",
        "old/shop.restagen.yaml:6:7: breaking: handler-removed: store.put: calls of old clients, and "
        "invocations queued for it, fail (renamed to store_item? the name is the address)",
    ),
    Case(
        "ingress-private",
        "services:\n  store:\n    handlers:\n      put: {}\n",
        "services:\n  store:\n    handlers:\n      put: {options: {ingress_private: true}}\n",
        "new/shop.restagen.yaml:6:7: breaking: ingress-private: store.put: callers through the ingress "
        "are refused now",
    ),
    Case(
        "codec-changed",
        "services:\n  store:\n    handlers:\n      put: {input: string}\n",
        "services:\n  store:\n    options: {serde: bson}\n    handlers:\n      put: {input: string}\n",
        "new/shop.restagen.yaml:7:7: breaking: codec-changed: store.put: json -> bson: old callers' values "
        "no longer decode",
    ),
    Case(
        "input-type",
        ITEM.format(fields="int"),
        ITEM.format(fields="string"),
        "new/shop.restagen.yaml:8:7: breaking: input-type: store.put.input.qty: int -> string; breaks "
        "requests of old callers",
    ),
    Case(
        "input-type",
        "services:\n  store:\n    handlers:\n      put: {}\n",
        "services:\n  store:\n    handlers:\n      put: {input: string}\n",
        "new/shop.restagen.yaml:6:13: breaking: input-type: store.put.input: none -> string; breaks "
        "requests of old callers, which carry none",
    ),
    Case(
        "input-type",
        "services:\n  store:\n    handlers:\n      put: {input: string}\n",
        "services:\n  store:\n    handlers:\n      put: {}\n",
        "new/shop.restagen.yaml:6:7: breaking: input-type: store.put.input: string -> none; breaks "
        "requests of old callers, which carry one",
    ),
    Case(
        "output-type",
        "services:\n  store:\n    handlers:\n      get: {output: string}\n",
        "services:\n  store:\n    handlers:\n      get: {}\n",
        "new/shop.restagen.yaml:6:7: breaking: output-type: store.get.output: string -> none; breaks "
        "clients generated from the old schema, which expect one",
    ),
    Case(
        "compatible",
        "services:\n  store:\n    handlers:\n      get: {}\n",
        "services:\n  store:\n    handlers:\n      get: {output: string}\n",
        "new/shop.restagen.yaml:6:13: safe: compatible: store.get.output: none -> string",
    ),
    Case(
        "input-required",
        ITEM.format(fields="int?"),
        ITEM.format(fields="int"),
        "new/shop.restagen.yaml:8:7: breaking: input-required: store.put.input.qty: qty made required; "
        "breaks requests of old callers",
    ),
    Case(
        "input-required",
        ITEM.format(fields="int"),
        ITEM.format(fields="int\n      note: string"),
        "new/shop.restagen.yaml:9:7: breaking: input-required: store.put.input.note: new required field "
        "note; breaks requests of old callers",
    ),
    Case(
        "input-value-removed",
        "types:\n  Size:\n    enum: [s, m, l]\nservices:\n  store: {handlers: {put: {input: Size}}}\n",
        "types:\n  Size:\n    enum: [s, m]\nservices:\n  store: {handlers: {put: {input: Size}}}\n",
        "old/shop.restagen.yaml:5:18: breaking: input-value-removed: store.put.input: enum value l removed; "
        "breaks requests of old callers",
    ),
    Case(
        "input-value-removed",
        "services:\n  store: {handlers: {put: {input: string | int}}}\n",
        "services:\n  store: {handlers: {put: {input: string}}}\n",
        "old/shop.restagen.yaml:4:28: breaking: input-value-removed: store.put.input: union member int "
        "removed; breaks requests of old callers",
    ),
    Case(
        "input-constraint",
        ITEM.format(fields="{type: int, max: 10}"),
        ITEM.format(fields="{type: int, max: 5}"),
        "new/shop.restagen.yaml:8:24: breaking: input-constraint: store.put.input.qty: max 10 -> 5, "
        "tightened; breaks requests of old callers",
    ),
    Case(
        "output-type",
        REPLY.format(fields="      total: int"),
        REPLY.format(fields="      total: float"),
        "new/shop.restagen.yaml:7:7: breaking: output-type: store.get.output.total: int -> float, widened; "
        "breaks clients generated from the old schema",
    ),
    Case(
        "output-removed",
        REPLY.format(fields="      total: int\n      note: string"),
        REPLY.format(fields="      note: string"),
        "old/shop.restagen.yaml:7:7: breaking: output-removed: store.get.output.total: required field "
        "total removed; breaks clients generated from the old schema",
    ),
    Case(
        "output-removed",
        REPLY.format(fields="      total: int"),
        REPLY.format(fields="      total: int?"),
        "new/shop.restagen.yaml:7:7: breaking: output-removed: store.get.output.total: total made optional; "
        "breaks clients generated from the old schema",
    ),
    Case(
        "output-value-added",
        "types:\n  Size:\n    enum: [s, m]\nservices:\n  store: {handlers: {get: {output: Size}}}\n",
        "types:\n  Size:\n    enum: [s, m, l]\nservices:\n  store: {handlers: {get: {output: Size}}}\n",
        "new/shop.restagen.yaml:5:18: breaking: output-value-added: store.get.output: enum value l added; "
        "breaks clients generated from the old schema",
    ),
    Case(
        "output-constraint",
        REPLY.format(fields="      code: {type: string, max_length: 4}"),
        REPLY.format(fields="      code: {type: string, max_length: 8}"),
        "new/shop.restagen.yaml:7:28: breaking: output-constraint: store.get.output.code: max_length 4 -> 8, "
        "loosened; breaks clients generated from the old schema",
    ),
    Case(
        "workflow-run",
        "types:\n  Done:\n    properties: {at: string}\nworkflows:\n  signup:\n    run: {output: Done}\n",
        "types:\n  Done:\n    properties: {at: string, by: string}\nworkflows:\n  signup:\n    run: {output: Done}\n",
        "new/shop.restagen.yaml:5:30: breaking: workflow-run: signup.run.output.by: new required field by; "
        "breaks new clients reading the results of runs begun on the old deployment",
    ),
    Case(
        "state-type",
        "objects:\n  cart:\n    state: {count: int}\n    handlers: {add: {}}\n",
        "objects:\n  cart:\n    state: {count: string}\n    handlers: {add: {}}\n",
        "new/shop.restagen.yaml:5:13: breaking: state-type: cart.state.count: int -> string; breaks the new "
        "code reading values stored by the old",
    ),
    Case(
        "state-type",
        "objects:\n  cart:\n    state: {count: int}\n    handlers: {add: {}}\n",
        "objects:\n  cart:\n    state: {count: int?}\n    handlers: {add: {}}\n",
        "new/shop.restagen.yaml:5:13: breaking: state-type: cart.state.count: count made optional; breaks "
        "invocations draining on the old deployment reading values stored by the new",
    ),
    Case(
        "promise-type",
        "workflows:\n  signup:\n    promises: {approved: bool}\n    run: {}\n",
        "workflows:\n  signup:\n    promises: {approved: string}\n    run: {}\n",
        "new/shop.restagen.yaml:5:16: breaking: promise-type: signup.promises.approved: bool -> string; "
        "breaks the new code reading promises resolved by the old",
    ),
    Case(
        "event-changed",
        "events:\n  Placed:\n    properties: {id: string}\n"
        "services:\n  mailer: {handlers: {on_placed: {subscribe: [Placed]}}}\n",
        "events:\n  Placed:\n    properties: {id: int}\n"
        "services:\n  mailer: {handlers: {on_placed: {subscribe: [Placed]}}}\n",
        "new/shop.restagen.yaml:4:3: breaking: event-changed: shop.orders.Placed: subscribed by "
        "mailer.on_placed: events of the other version go to the registry's undelivered list while publishers "
        "and subscribers differ (version {old} -> {new})",
    ),
    Case(
        "event-removed",
        "events:\n  Placed:\n    properties: {id: string}\n"
        "services:\n  mailer: {handlers: {on_placed: {subscribe: [Placed]}}}\n",
        "services:\n  mailer: {handlers: {on_placed: {}}}\n",
        "old/shop.restagen.yaml:4:3: breaking: event-removed: shop.orders.Placed: subscribed by "
        "mailer.on_placed: old publishers' events of it find no handler",
    ),
    Case(
        "subscription-removed",
        "events:\n  Placed:\n    properties: {id: string}\n  Paid:\n    properties: {id: string}\n"
        "services:\n  mailer: {handlers: {on: {subscribe: [Placed, Paid]}}}\n",
        "events:\n  Placed:\n    properties: {id: string}\n  Paid:\n    properties: {id: string}\n"
        "services:\n  mailer: {handlers: {on: {subscribe: [Placed]}}}\n",
        "old/shop.restagen.yaml:9:48: breaking: subscription-removed: mailer.on: the registry still delivers "
        "shop.orders.Paid to it, under the subscription made for the old code",
    ),
    Case(
        "error-details",
        "errors:\n  Full:\n    code: 409\n    properties: {left: int}\n"
        "services:\n  store: {handlers: {put: {errors: [Full]}}}\n",
        "errors:\n  Full:\n    code: 409\n    properties: {remaining: int}\n"
        "services:\n  store: {handlers: {put: {errors: [Full]}}}\n",
        "old/shop.restagen.yaml:6:18: breaking: error-details: shop.orders.Full.left: required field left "
        "removed; breaks clients generated from the old schema reviving the error",
    ),
    Case(
        "saga-removed",
        SAGA.format(fields=""),
        "services:\n  airline: {handlers: {book: {input: string}}}\n",
        "old/shop.restagen.yaml:14:3: breaking: saga-removed: trip: running sagas of it have no workflow "
        "left to read their state",
    ),
    Case(
        "saga-data",
        SAGA.format(fields=""),
        SAGA.format(fields="      seats: int"),
        "new/shop.restagen.yaml:8:7: breaking: saga-data: trip.data.seats: new required field seats; breaks "
        "sagas begun on the old deployment, whose persisted data the new code reads",
    ),
    Case(
        "component-added",
        "services:\n  store: {handlers: {put: {}}}\n",
        "services:\n  store: {handlers: {put: {}}}\n  audit: {handlers: {log: {}}}\n",
        "new/shop.restagen.yaml:5:3: safe: component-added: audit: new service",
    ),
    Case(
        "handler-added",
        "services:\n  store:\n    handlers:\n      put: {}\n",
        "services:\n  store:\n    handlers:\n      put: {}\n      get: {output: string}\n",
        "new/shop.restagen.yaml:7:7: safe: handler-added: store.get: new handler",
    ),
    Case(
        "saga-added",
        "services:\n  airline: {handlers: {book: {input: string}}}\n",
        SAGA.format(fields=""),
        "new/shop.restagen.yaml:14:3: safe: saga-added: trip: new saga",
    ),
    Case(
        "event-changed-unsubscribed",
        "events:\n  Placed:\n    properties: {id: string}\n",
        "events:\n  Placed:\n    properties: {id: int}\n",
        "new/shop.restagen.yaml:4:3: safe: event-changed-unsubscribed: shop.orders.Placed: version {old} -> {new}",
    ),
    Case(
        "compatible",
        ITEM.format(fields="{type: int, max: 5}"),
        ITEM.format(fields="{type: int, max: 10}"),
        "new/shop.restagen.yaml:8:24: safe: compatible: store.put.input.qty: max 5 -> 10, loosened",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.rule)
def test_rule(case: Case, compare: Compare) -> None:
    outcome = compare(case.old, case.new)
    found = lines(outcome)
    expected = case.expected
    if "{old}" in expected:  # an event's version is a hash of its structure
        (finding,) = [f for f in outcome.findings or () if f.rule == case.rule]
        old, _, new = finding.message.rpartition("version ")[2].rstrip(")").split()
        expected = expected.format(old=old, new=new)
        assert old != new
    assert expected in found, "\n".join(found)
    assert outcome.breaking is (RULES[case.rule].severity is Severity.BREAKING)


def test_every_rule_has_a_case() -> None:
    assert {case.rule for case in CASES} == set(RULES)
