"""Events: what generated code declares about each event type, and what travels when one is published.

An `EventSpec` names an event type (qualified by its package), its version (the hash of its
canonical structure) and its codec. A publish is a `PublishRequest` of `EventEnvelope`s, each
with a unique id, the type's name and version, and the event as JSON text; the registry of the
cluster fans each one out to the `EventSubscription`s of its type. A subscriber handler receives the
event itself as its input, with the headers `restagen-event` (type), `restagen-event-version`
and `restagen-event-id`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from restagen.runtime._core.codecs import Codec

__all__ = [
    "EVENT_HEADER",
    "EVENT_ID_HEADER",
    "EVENT_VERSION_HEADER",
    "SUBSCRIBES_METADATA",
    "EventEnvelope",
    "EventSpec",
    "EventSubscription",
    "EventsClient",
    "PublishRequest",
    "SubscribeRequest",
    "Undelivered",
]

T = TypeVar("T")

EVENT_HEADER = "restagen-event"
EVENT_VERSION_HEADER = "restagen-event-version"
EVENT_ID_HEADER = "restagen-event-id"
SUBSCRIBES_METADATA = "restagen.subscribes"
"""Discovery metadata of a subscriber handler: `type@version` of each event it takes."""


@dataclass(frozen=True)
class EventSpec(Generic[T]):
    """An event type: `name` is qualified by its package (`ftgo.orders.OrderCreated`)."""

    name: str
    version: str
    codec: Codec[T]


class EventsClient:
    """The base of generated event publishers: they can be injected into handlers."""


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EventEnvelope(_Wire):
    id: str
    type: str
    version: str
    data: str
    """The event, as JSON text."""


class PublishRequest(_Wire):
    stream: str
    events: tuple[EventEnvelope, ...]
    key: str | None = None
    """The key for subscribers that are object handlers."""
    sse: bool = False


class EventSubscription(_Wire):
    """A handler that receives every event of one type, in the version it was generated for."""

    type: str
    version: str
    component: str
    handler: str
    kind: Literal["service", "object", "workflow"]

    @property
    def target(self) -> str:
        return f"{self.component}/{self.handler}"


class SubscribeRequest(_Wire):
    components: tuple[str, ...]
    """The components whose subscriptions `subscriptions` replaces."""
    subscriptions: tuple[EventSubscription, ...]


class Undelivered(_Wire):
    """An event the registry kept instead of delivering it, and why."""

    event: EventEnvelope
    subscription: EventSubscription
    reason: str
