"""Event types as generated code declares them, and the headers a delivery carries.

An `EventSpec` names an event type (qualified by its package), its version (the hash of its
canonical structure) and its codec. A subscriber handler receives the event itself as its input,
with the headers `restagen-event` (type), `restagen-event-version` and `restagen-event-id`.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from restagen.runtime._core.codecs import Codec
from restagen.runtime._record import Record

__all__ = [
    "EVENT_HEADER",
    "EVENT_ID_HEADER",
    "EVENT_VERSION_HEADER",
    "SUBSCRIBES_METADATA",
    "EventSpec",
    "EventsClient",
]

T = TypeVar("T")

EVENT_HEADER = "restagen-event"
EVENT_VERSION_HEADER = "restagen-event-version"
EVENT_ID_HEADER = "restagen-event-id"
SUBSCRIBES_METADATA = "restagen.subscribes"
"""Discovery metadata of a subscriber handler: `type@version` of each event it takes."""


class EventSpec(Record, Generic[T]):
    """An event type: `name` is qualified by its package (`ftgo.orders.OrderCreated`)."""

    name: str
    version: str
    codec: Codec[T]


class EventsClient:
    """The base of generated event publishers: they can be injected into handlers."""
