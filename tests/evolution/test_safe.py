"""Changes that break nothing: additions, descriptions, reordering, loosened input constraints."""

from __future__ import annotations

from pathlib import Path

import pytest

from restagen.compiler.evolution.check import check
from tests.evolution.conftest import Compare, lines

OLD = """
types:
  Item:
    properties:
      sku: {type: string, max_length: 8}
      qty: {type: int, min: 1}
  Order:
    properties:
      id: string
      items: list[Item]
  Receipt:
    properties: {id: string}
services:
  store:
    handlers:
      place: {input: Order}
      get: {input: string, output: Receipt}
"""

NEW = """
types:
  Receipt:
    properties: {id: string, total: int}
  Order:
    description: An order, as the customer placed it.
    properties:
      items: list[Item]
      id: string
      placed_at: datetime?
  Item:
    properties:
      qty: {type: int, min: 0}
      sku: {type: string, max_length: 16, description: The stock keeping unit.}
      gift: bool?
  Coupon:
    properties: {code: string}
services:
  store:
    description: The store.
    handlers:
      get: {input: string, output: Receipt}
      place: {input: Order}
      redeem: {input: Coupon}
  audit:
    handlers:
      log: {input: string}
"""


def test_additions_reordering_descriptions_and_loosened_input_constraints_are_safe(compare: Compare) -> None:
    outcome = compare(OLD, NEW)
    assert not outcome.breaking, "\n".join(lines(outcome))
    assert lines(outcome) == [
        "new/shop.restagen.yaml:6:30: safe: compatible: store.get.output.total: new required field total",
        "new/shop.restagen.yaml:12:7: safe: compatible: store.place.input.placed_at: new optional field placed_at",
        "new/shop.restagen.yaml:15:24: safe: compatible: store.place.input.items[].qty: min 1 -> 0, loosened",
        "new/shop.restagen.yaml:16:27: safe: compatible: store.place.input.items[].sku: max_length 8 -> 16, loosened",
        "new/shop.restagen.yaml:17:7: safe: compatible: store.place.input.items[].gift: new optional field gift",
        "new/shop.restagen.yaml:26:7: safe: handler-added: store.redeem: new handler",
        "new/shop.restagen.yaml:27:3: safe: component-added: audit: new service",
    ]


def test_the_same_schemas_have_no_findings(compare: Compare) -> None:
    assert lines(compare(OLD, OLD)) == []


def test_descriptions_and_order_alone_have_no_findings(compare: Compare) -> None:
    reordered = """
services:
  store:
    description: Now described.
    handlers:
      get: {input: string, output: Receipt}
      place: {input: Order, description: Places an order.}
types:
  Receipt:
    properties: {id: string}
  Order:
    properties:
      items: list[Item]
      id: {type: string, description: The order id.}
  Item:
    description: One line of an order.
    properties:
      qty: {type: int, min: 1}
      sku: {type: string, max_length: 8}
"""
    assert lines(compare(OLD, reordered)) == []


def test_a_type_moved_to_an_imported_file_is_the_same_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    service = "services:\n  store: {handlers: {put: {input: %s}}}\n"
    item = "  Item:\n    properties: {sku: string}\n"
    (tmp_path / "old/shop.restagen.yaml").write_text(
        "restagen: 1\npackage: shop\ntypes:\n" + item + service % "Item"
    )
    (tmp_path / "new/common.restagen.yaml").write_text("restagen: 1\npackage: common\ntypes:\n" + item)
    (tmp_path / "new/shop.restagen.yaml").write_text(
        "restagen: 1\npackage: shop\nimports: {common: common.restagen.yaml}\n" + service % "common.Item"
    )
    outcome = check([Path("new")], "old")
    assert outcome.findings == [], [f.render() for f in outcome.findings or ()]


def test_widening_an_input_is_safe_and_an_output_breaking(compare: Compare) -> None:
    old = "services:\n  store: {handlers: {put: {input: int, output: int}}}\n"
    new = "services:\n  store: {handlers: {put: {input: float, output: float}}}\n"
    found = lines(compare(old, new))
    assert found == [
        "new/shop.restagen.yaml:4:42: breaking: output-type: store.put.output: int -> float, widened; "
        "breaks clients generated from the old schema",
        "new/shop.restagen.yaml:4:28: safe: compatible: store.put.input: int -> float, widened",
    ]
