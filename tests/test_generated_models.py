"""The generated models behave as the language promises, checked on the food-to-go golden output.

Optional is explicit (a `T?` field may be absent or null; a required field rejects both, naming the
field), keyword field names keep their wire name, tagged unions pick their member by the tag, enum
defaults are enum members, constraints hold, and errors travel with their fields.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest
from pydantic import ValidationError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def ftgo() -> Iterator[dict[str, ModuleType]]:
    import importlib
    import sys

    sys.path.insert(0, str(ROOT / "examples" / "ftgo" / "src"))
    try:
        yield {
            name: importlib.import_module(f"ftgo.{name}")
            for name in ("common.models", "orders.models", "orders.errors", "accounting.errors")
        }
    finally:
        sys.path.remove(str(ROOT / "examples" / "ftgo" / "src"))
        for module in [m for m in sys.modules if m == "ftgo" or m.startswith("ftgo.")]:
            del sys.modules[module]


def _details(ftgo: dict[str, ModuleType]) -> dict[str, object]:
    return {
        "consumer_id": str(uuid.UUID(int=7)),
        "restaurant_id": "r1",
        "line_items": [{"menu_item_id": "m1", "quantity": 2}],
        "total": {"amount": "12.50"},
        "tags": {"vip": "yes"},
        "placed_at": "2026-01-02T03:04:05+00:00",
        "payment": {"kind": "CardPayment", "card_token": "tok"},
    }


def test_a_valid_document_round_trips_exactly(ftgo: dict[str, ModuleType]) -> None:
    models = ftgo["orders.models"]
    details = models.OrderDetails.model_validate(_details(ftgo))
    assert details.total.amount == Decimal("12.50")
    assert details.total.currency == "EUR"
    assert details.placed_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert details.delivery is None
    again = models.OrderDetails.model_validate_json(details.model_dump_json(by_alias=True))
    assert again == details


def test_a_required_field_rejects_absent_and_null_naming_it(ftgo: dict[str, ModuleType]) -> None:
    models = ftgo["orders.models"]
    for broken in (
        {k: v for k, v in _details(ftgo).items() if k != "restaurant_id"},
        {**_details(ftgo), "restaurant_id": None},
    ):
        with pytest.raises(ValidationError) as caught:
            models.OrderDetails.model_validate(broken)
        assert [e["loc"] for e in caught.value.errors()] == [("restaurant_id",)]


def test_an_optional_field_may_be_absent_or_null(ftgo: dict[str, ModuleType]) -> None:
    models = ftgo["orders.models"]
    assert models.LineItem.model_validate({"menu_item_id": "m", "quantity": 1}).note is None
    assert models.LineItem.model_validate({"menu_item_id": "m", "quantity": 1, "note": None}).note is None


def test_keyword_field_keeps_its_wire_name(ftgo: dict[str, ModuleType]) -> None:
    models = ftgo["orders.models"]
    order = models.Order.model_validate({"order_id": "o1", "details": _details(ftgo), "from": "app"})
    assert order.from_ == "app"
    assert order.model_dump(by_alias=True)["from"] == "app"
    assert order.state is models.OrderState.APPROVAL_PENDING


def test_tagged_union_picks_the_member_by_its_tag(ftgo: dict[str, ModuleType]) -> None:
    models = ftgo["orders.models"]
    cash = models.Payment.model_validate({"kind": "CashPayment"}).root
    assert isinstance(cash, models.CashPayment)
    assert models.CardPayment(card_token="t").kind == "CardPayment"
    with pytest.raises(ValidationError):
        models.Payment.model_validate({"kind": "Bitcoin"})


def test_constraints_hold(ftgo: dict[str, ModuleType]) -> None:
    common = ftgo["common.models"]
    with pytest.raises(ValidationError):
        common.Money.model_validate({"amount": "-1"})
    with pytest.raises(ValidationError):
        common.Money.model_validate({"amount": "1", "currency": "euro"})


def test_declared_errors_carry_their_fields_across_the_wire(ftgo: dict[str, ModuleType]) -> None:
    errors = ftgo["accounting.errors"]
    declined = errors.CardDeclined(reason="insufficient funds")
    assert declined.code == 402
    assert declined.to_wire() == {"reason": "insufficient funds"}
    revived = errors.CardDeclined.from_wire(declined.to_wire())
    assert isinstance(revived, errors.CardDeclined)
    assert revived.reason == "insufficient funds"
    assert revived == declined
