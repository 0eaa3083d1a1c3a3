"""Structural comparison: named types followed, recursive types ended, unions and nulls."""

from __future__ import annotations

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
        "new/shop.restagen.yaml:6:13: breaking: input-type: store.put.input[]: string? -> string, may no "
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
