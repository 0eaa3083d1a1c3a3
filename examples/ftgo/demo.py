"""The food-to-go example: generate its packages, then use the generated models and errors.

Run with `make demo` (or `python examples/ftgo/demo.py` inside the project's environment).
"""

from __future__ import annotations

import importlib
import sys
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from restagen.cli import main

HERE = Path(__file__).resolve().parent


def run() -> int:
    print("== restagen generate examples/ftgo/schemas -o examples/ftgo/gen")
    code = main(["generate", str(HERE / "schemas"), "-o", str(HERE / "gen")])
    if code:
        return code
    for path in sorted((HERE / "gen").rglob("*.py")):
        print(f"   {path.relative_to(HERE)}")

    sys.path.insert(0, str(HERE / "gen"))
    common = importlib.import_module("ftgo.common.models")
    orders = importlib.import_module("ftgo.orders.models")
    accounting = importlib.import_module("ftgo.accounting.errors")

    print("\n== an order, built from the generated models")
    details = orders.OrderDetails(
        consumer_id=uuid.UUID(int=1),
        restaurant_id="ajanta",
        line_items=[orders.LineItem(menu_item_id="samosa", quantity=2)],
        total=common.Money(amount=Decimal("11.80")),
        tags={"channel": "web"},
        placed_at=datetime(2026, 11, 28, 19, 30, tzinfo=UTC),
        payment=orders.Payment(orders.CardPayment(card_token="tok_visa")),
    )
    order = orders.Order(order_id="o-1", details=details)
    wire = order.model_dump_json(by_alias=True)
    print(f"   on the wire: {wire}")
    again = orders.Order.model_validate_json(wire)
    print(f"   read back equal: {again == order}; state: {again.state.value}; from: {again.from_}")

    print("\n== a declared error, through its wire form")
    declined = accounting.CardDeclined(reason="insufficient funds")
    revived = accounting.CardDeclined.from_wire(declined.to_wire())
    print(f"   {type(revived).__name__} (code {revived.code}): reason={revived.reason!r}")
    return 0


if __name__ == "__main__":
    sys.exit(run())
