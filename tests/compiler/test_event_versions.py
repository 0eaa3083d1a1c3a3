"""The version of an event: a hash of its canonical structure. The same structure written
differently (keys in another order, descriptions changed, another package name) keeps it; any
change of a field, anywhere in the structure, changes it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from restagen.compiler.pipeline import Compilation
from tests.compiler.conftest import rendered

Compile = Callable[..., Compilation]

BASE = """\
restagen: 1
package: shop.orders
types:
  Line:
    properties:
      sku: string
      qty: {type: int, min: 1}
events:
  Placed:
    description: An order was placed.
    properties:
      order_id: string
      lines: 'list[Line]'
      note: {type: string, default: ''}
      express: bool?
"""


def _version(compile_text: Compile, text: str) -> str:
    result = compile_text(text)
    assert rendered(result) == []
    assert result.program is not None
    (event,) = [e for p in result.program.packages for e in p.events]
    return str(event.version)


SAME = {
    "keys reordered": BASE.replace(
        "      order_id: string\n      lines: 'list[Line]'\n",
        "      lines: 'list[Line]'\n      order_id: string\n",
    ).replace(
        "      sku: string\n      qty: {type: int, min: 1}\n",
        "      qty: {min: 1, type: int}\n      sku: string\n",
    ),
    "description changed": BASE.replace("An order was placed.", "Someone placed an order."),
    "description removed": BASE.replace("    description: An order was placed.\n", ""),
    "field described": BASE.replace(
        "      order_id: string\n", "      order_id: {type: string, description: The id.}\n"
    ),
    "another package": BASE.replace("package: shop.orders", "package: store.orders"),
    "sections reordered": BASE[: BASE.index("types:")]
    + BASE[BASE.index("events:") :]
    + BASE[BASE.index("types:") : BASE.index("events:")],
}

CHANGED = {
    "a field renamed": BASE.replace("order_id: string", "order: string"),
    "a field added": BASE.replace("      express: bool?\n", "      express: bool?\n      gift: bool?\n"),
    "a field removed": BASE.replace("      express: bool?\n", ""),
    "a field's type": BASE.replace("order_id: string", "order_id: int"),
    "a field made optional": BASE.replace("order_id: string", "order_id: string?"),
    "a default changed": BASE.replace("default: ''", "default: 'none'"),
    "a constraint changed": BASE.replace("min: 1}", "min: 2}"),
    "a nested type's field": BASE.replace("sku: string", "sku: int"),
    "a list made a map": BASE.replace("'list[Line]'", "'map[Line]'"),
}


@pytest.mark.parametrize("name", sorted(SAME))
def test_the_version_is_stable_when_only_the_writing_changes(compile_text: Compile, name: str) -> None:
    assert SAME[name] != BASE
    assert _version(compile_text, SAME[name]) == _version(compile_text, BASE)


@pytest.mark.parametrize("name", sorted(CHANGED))
def test_any_change_of_a_field_changes_the_version(compile_text: Compile, name: str) -> None:
    assert CHANGED[name] != BASE
    assert _version(compile_text, CHANGED[name]) != _version(compile_text, BASE)
