"""Structural comparison: named types followed, recursive types ended, unions and nulls."""

from __future__ import annotations

import pytest

from tests.evolution.conftest import Compare, lines

TREE = """
types:
  Node:
    properties:
      name: string
      children: list[Node]
      parent: {fields}
services:
  store: {{handlers: {{put: {{input: Node}}}}}}
"""


def test_a_recursive_type_is_compared_once_per_use(compare: Compare) -> None:
    found = lines(compare(TREE.format(fields="Node?"), TREE.format(fields="string?")))
    assert found == [
        "new/shop.restagen.yaml:9:7: breaking: input-type: store.put.input.parent: Node -> string; breaks requests of old callers",
    ]


def test_a_change_deep_in_a_recursive_type_is_found(compare: Compare) -> None:
    old = TREE.format(fields="Node?")
    new = old.replace("name: string", "name: int")
    assert lines(compare(old, new)) == [
        "new/shop.restagen.yaml:7:7: breaking: input-type: store.put.input.name: string -> int; breaks "
        "requests of old callers",
    ]


def test_a_field_that_may_no_longer_be_null_inside_a_list(compare: Compare) -> None:
    old = "services:\n  store:\n    handlers:\n      put: {input: 'list[string?]'}\n"
    new = "services:\n  store:\n    handlers:\n      put: {input: 'list[string]'}\n"
    assert lines(compare(old, new)) == [
        "new/shop.restagen.yaml:6:13: breaking: input-type: store.put.input[]: string | null -> string, may no "
        "longer be null; breaks requests of old callers",
    ]


def test_tagged_union_members_by_name(compare: Compare) -> None:
    old = """
types:
  Card: {properties: {number: string}}
  Cash: {properties: {}}
  Payment: {union: [Card, Cash], discriminator: kind}
services:
  store: {handlers: {pay: {input: Payment, output: Payment}}}
"""
    new = old.replace("union: [Card, Cash]", "union: [Card, Gift]").replace(
        "Cash: {properties: {}}", "Cash: {properties: {}}\n  Gift: {properties: {}}"
    )
    assert lines(compare(old, new)) == [
        "new/shop.restagen.yaml:8:27: breaking: output-value-added: store.pay.output: union member Gift added; "
        "breaks clients generated from the old schema",
        "old/shop.restagen.yaml:7:27: breaking: input-value-removed: store.pay.input: union member Cash removed; "
        "breaks requests of old callers",
        "new/shop.restagen.yaml:8:27: safe: compatible: store.pay.input: union member Gift added",
        "old/shop.restagen.yaml:7:27: safe: compatible: store.pay.output: union member Cash removed",
    ]


def test_an_enum_becoming_a_string_is_a_type_change(compare: Compare) -> None:
    old = "types:\n  Size: {enum: [s, m]}\nservices:\n  store: {handlers: {put: {input: Size}}}\n"
    new = "services:\n  store: {handlers: {put: {input: string}}}\n"
    assert lines(compare(old, new)) == [
        "new/shop.restagen.yaml:4:28: breaking: input-type: store.put.input: Size -> string; breaks requests "
        "of old callers",
    ]


def test_subscribers_of_both_versions_count(compare: Compare) -> None:
    """The registry holds the subscriptions made for the old code even when the new one drops them."""
    old = """
events:
  Placed:
    properties: {id: string}
services:
  mailer: {handlers: {on_placed: {subscribe: [Placed]}}}
"""
    new = """
events:
  Placed:
    properties: {id: int}
services:
  mailer: {handlers: {ping: {}}}
  ledger: {handlers: {on_placed: {subscribe: [Placed]}}}
"""
    found = [line for line in lines(compare(old, new)) if "event-changed" in line]
    assert len(found) == 1
    assert "subscribed by ledger.on_placed, mailer.on_placed:" in found[0]


_REQUEST = "types:\n  Item:\n    properties:\n      note: {field}\nservices:\n  store: {{handlers: {{put: {{input: Item}}}}}}\n"
_RESPONSE = "types:\n  Item:\n    properties:\n      note: {field}\nservices:\n  store: {{handlers: {{get: {{output: Item}}}}}}\n"
_STATE = "objects:\n  cart:\n    state: {{note: {field}}}\n    handlers: {{add: {{}}}}\n"


@pytest.mark.parametrize(
    ("template", "old", "new", "expected"),
    [
        # A `T?` field reads a null as absent: its null may come or go where it reads.
        (
            _REQUEST,
            "string | null",
            "string?",
            ["safe: compatible: store.put.input.note: note made optional"],
        ),
        (
            _RESPONSE,
            "string?",
            "string | null",
            ["safe: compatible: store.get.output.note: note made required"],
        ),
        # What the other side writes, though, it must read: an absent field, a null.
        (
            _REQUEST,
            "string?",
            "string | null",
            ["breaking: input-required: store.put.input.note: note made required"],
        ),
        (
            _RESPONSE,
            "string | null",
            "string?",
            ["breaking: output-removed: store.get.output.note: note made optional"],
        ),
        (
            _RESPONSE,
            "string",
            "string | null",
            ["breaking: output-type: store.get.output.note: string -> string | null"],
        ),
        (
            _REQUEST,
            "string | null",
            "string",
            ["breaking: input-type: store.put.input.note: string | null -> string"],
        ),
        (
            _REQUEST,
            "string",
            "string | null",
            ["safe: compatible: store.put.input.note: string -> string | null"],
        ),
        (
            _RESPONSE,
            "string",
            "string?",
            ["breaking: output-removed: store.get.output.note: note made optional"],
        ),
        # A state value is never absent: `T?` there is `T | null`.
        (_STATE, "string?", "string | null", []),
    ],
)
def test_absent_and_null(compare: Compare, template: str, old: str, new: str, expected: list[str]) -> None:
    found = lines(compare(template.format(field=f"'{old}'"), template.format(field=f"'{new}'")))
    for text in expected:
        assert any(text in line for line in found), "\n".join(found)
    if not expected:
        assert found == []
    breaking = [line for line in found if ": breaking: " in line]
    assert len(breaking) == sum(": breaking:" in f": {t}" for t in expected), "\n".join(found)


def test_a_field_added_to_state_breaks_old_readers_that_refuse_unknown_fields(compare: Compare) -> None:
    body = "types:\n  Line:\n    properties:\n{fields}objects:\n  cart:\n    state: {{line: Line}}\n    handlers: {{add: {{}}}}\n"
    old = body.format(fields="      sku: string\n")
    new = body.format(fields="      sku: string\n      gift: bool?\n")
    assert [line for line in lines(compare(old, new)) if ": breaking: " in line] == []
    strict = lines(compare("unknown_fields: reject\n" + old, "unknown_fields: reject\n" + new))
    assert [line.split(": ")[2:4] for line in strict if ": breaking: " in line] == [
        ["state-type", "cart.state.line.gift"]
    ]


def test_a_field_refused_as_unknown_is_reported_once(compare: Compare) -> None:
    body = "unknown_fields: reject\ntypes:\n  Item:\n    properties:\n      sku: string\n{fields}services:\n  store: {{handlers: {{put: {{input: Item}}, get: {{output: Item}}}}}}\n"
    found = lines(compare(body.format(fields="      note: string?\n"), body.format(fields="")))
    assert [line.split(": ")[1:4] for line in found] == [
        ["breaking", "input-field-refused", "store.put.input.note"],
        ["safe", "compatible", "store.get.output.note"],  # old clients' `note?` is left out
    ]
