"""How a subscriber handler decodes its input: a delivery by the event its headers name (in the
version the handler was generated for), a Kafka record by the header or field its schema gives,
never by trying each member of the union."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from pydantic import BaseModel
from restate.exceptions import TerminalError

from restagen.runtime import JsonCodec
from restagen.runtime._core.specs import HandlerSpec
from restagen.runtime._endpoint.binding import _event_reader
from restagen.runtime.events import EventSpec


class Changed(BaseModel):
    kind: str
    sku: str
    quantity: int = 0


class Cleared(BaseModel):
    kind: str
    sku: str
    quantity: int = 0  # the same fields: trying each member would take a Cleared for a Changed


CHANGED = EventSpec[Changed](name="shop.StockChanged", version="c1", codec=JsonCodec(Changed))
CLEARED = EventSpec[Cleared](name="shop.StockCleared", version="c2", codec=JsonCodec(Cleared))


@dataclass
class _Request:
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Ctx:
    headers: dict[str, str] = field(default_factory=dict)

    def request(self) -> _Request:
        return _Request(self.headers)


def _spec(**kafka: Any) -> HandlerSpec[Any, Any]:
    return HandlerSpec(
        component="catalog",
        name="on_stock",
        input=JsonCodec(Changed | Cleared),  # type: ignore[arg-type]
        events=(CHANGED, CLEARED),
        **kafka,
    )


BODY = b'{"kind": "StockCleared", "sku": "s-1"}'


def test_a_delivery_is_decoded_by_the_event_its_headers_name() -> None:
    read = _event_reader(_spec())
    headers = {"restagen-event": "shop.StockCleared", "restagen-event-version": "c2"}
    assert type(read(_Ctx(headers), BODY)) is Cleared
    with pytest.raises(TerminalError, match="takes version c2"):
        read(_Ctx({**headers, "restagen-event-version": "old"}), BODY)
    with pytest.raises(TerminalError, match="does not subscribe to StockCleared"):
        read(_Ctx({"restagen-event": "StockCleared", "restagen-event-version": "c2"}), BODY)


def test_a_kafka_record_is_decoded_by_the_header_its_schema_names() -> None:
    read = _event_reader(_spec(event_type_header="event-type"))
    assert type(read(_Ctx({"Event-Type": "StockCleared"}), BODY)) is Cleared
    assert type(read(_Ctx({"event-type": "shop.StockChanged"}), BODY)) is Changed
    with pytest.raises(TerminalError, match="names no event this handler takes"):
        read(_Ctx({"event-type": "Other"}), BODY)
    with pytest.raises(TerminalError, match="the header event-type"):
        read(_Ctx(), BODY)


def test_a_kafka_record_is_decoded_by_the_field_its_schema_names() -> None:
    read = _event_reader(_spec(event_discriminator="kind"))
    assert type(read(_Ctx(), BODY)) is Cleared
    assert type(read(_Ctx(), b'{"kind": "StockChanged", "sku": "s-1", "quantity": 2}')) is Changed
    with pytest.raises(TerminalError, match="the field kind"):
        read(_Ctx(), b'{"sku": "s-1"}')
    with pytest.raises(TerminalError, match="the field kind"):
        read(_Ctx(), b"[1, 2]")
