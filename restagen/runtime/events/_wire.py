"""What travels when an event is published, and what the registry of a cluster keeps.

A publish is a `PublishRequest` of `EventEnvelope`s, each with a unique id, the type's name and
version, and the event as JSON text; the registry of the cluster fans each one out to the
`EventSubscription`s of its type, and keeps what it cannot deliver as `Undelivered`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["EventEnvelope", "EventSubscription", "PublishRequest", "SubscribeRequest", "Undelivered"]


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
