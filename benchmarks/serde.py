"""Serde: encode + decode of a realistic nested model through the generated codecs and the baselines.

The model is `Order` of `app/bench.restagen.yaml` (uuid, datetime, enum, decimals, a list of line
items, nested addresses, a map), with 10 line items. Each variant turns the model into bytes and
back into a model (the plain `json` baseline: a dict into bytes and back into a dict, no
validation, for scale). Variants are timed in interleaved rounds; the suite reports the best
round of each (the least disturbed by the rest of the machine) and the per-round ratios.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

__all__ = ["measure", "sample_order"]


def sample_order(models: Any, items: int = 10) -> Any:
    """An `Order` of the generated `models` module, with `items` line items."""
    return models.Order(
        order_id=uuid.UUID("12345678-1234-5678-1234-567812345678"),
        customer="customer-0042",
        placed_at=datetime(2026, 11, 28, 12, 30, 15, 123456, tzinfo=UTC),
        status=models.OrderStatus.APPROVED,
        items=[
            models.LineItem(
                sku=f"SKU-{index:05d}",
                quantity=index + 1,
                price=Decimal(f"{index + 1}.99"),
                note="gift wrap" if index % 3 == 0 else None,
            )
            for index in range(items)
        ],
        delivery=models.Address(street="1 Main Street", city="Springfield", zip_code="12345", country="US"),
        billing=models.Address(street="2 Side Road", city="Shelbyville", zip_code="54321", country="US"),
        attributes={"channel": "web", "campaign": "winter", "priority": "normal"},
        total=Decimal("65.90"),
        express=True,
    )


def _per_call(run: Callable[[], object], number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        run()
    return (time.perf_counter() - start) / number


def measure(codecs: Any, models: Any, *, number: int, rounds: int) -> dict[str, list[float]]:
    """Seconds per encode+decode of each variant in each of `rounds` interleaved rounds of `number` calls."""
    order = sample_order(models)
    order_type = models.Order
    codec = codecs.ORDER
    plain = order.model_dump(mode="json")

    variants: dict[str, Callable[[], object]] = {
        "restagen JSON codec": lambda: codec.decode(codec.encode(order)),
        "pydantic model_dump_json/model_validate_json": lambda: order_type.model_validate_json(
            order.model_dump_json()
        ),
        "json.dumps/json.loads of a dict (no validation)": lambda: json.loads(json.dumps(plain)),
    }
    try:
        from restagen.runtime import BsonCodec
    except ImportError:
        pass
    else:
        bson_codec = BsonCodec[Any](order_type)
        variants["restagen BSON codec"] = lambda: bson_codec.decode(bson_codec.encode(order))
    for run in variants.values():  # same result everywhere, and warm
        assert run() in (order, plain)
    seconds: dict[str, list[float]] = {label: [] for label in variants}
    labels = list(variants)
    for round_ in range(rounds):
        shift = round_ % len(labels)
        for label in labels[shift:] + labels[:shift]:
            seconds[label].append(_per_call(variants[label], number))
    return seconds
