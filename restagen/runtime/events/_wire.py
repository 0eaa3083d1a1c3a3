"""What travels when an event is published, what the registry of a cluster keeps, and the log.

A publish is a `PublishRequest` of `EventEnvelope`s, each with a unique id, the type's name and
version, and the event as JSON text (one publish may mix types); the subscriptions of a cluster
are `EventSubscription`s, read by publishers as a versioned `SubscriptionsSnapshot`. What cannot
be delivered is kept as `Undelivered`. Every published event is appended to the log of its
(cluster, stream) as a `LogEntry` with an offset; `LogPage` is what a read returns.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "AppendRequest",
    "EventEnvelope",
    "EventSubscription",
    "LogEntry",
    "LogPage",
    "PublishRequest",
    "ReadRequest",
    "SubscribeRequest",
    "SubscriptionsSnapshot",
    "Undelivered",
    "UndeliveredReport",
    "UndeliveredSelection",
]


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
    delivered: str | None = None
    """The version of the subscriptions the publisher already delivered to (one hop, from inside a
    handler); None: the registry delivers. Another version than the registry's: it delivers again,
    and what was already delivered is deduplicated by the event ids."""
    at: int | None = None
    """When it was published (ms since the epoch): the time its log entries get."""


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


class SubscriptionsSnapshot(_Wire):
    """The subscriptions of a cluster, and their version (a hash of them: equal sets, equal versions)."""

    version: str
    subscriptions: tuple[EventSubscription, ...]


class Undelivered(_Wire):
    """An event the registry kept instead of delivering it, and why; `number` names it in the queue."""

    event: EventEnvelope
    subscription: EventSubscription
    reason: str
    key: str | None = None
    """The key it was published with (object subscribers are called with it)."""
    number: int = 0


class UndeliveredReport(_Wire):
    """The failure queue of a cluster: what it keeps (oldest first), and how many it dropped to stay
    within its bound."""

    items: tuple[Undelivered, ...]
    dropped: int = 0
    bound: int = 0


class UndeliveredSelection(_Wire):
    """Items of the failure queue by `number`; None: all of them."""

    numbers: tuple[int, ...] | None = None


class AppendRequest(_Wire):
    """Events to append to the log of (cluster, stream)."""

    cluster: str
    stream: str
    events: tuple[EventEnvelope, ...]
    sse: bool = False
    at: int | None = None
    """When they were published (ms since the epoch); None: when the log appends them."""


class LogEntry(_Wire):
    """One event of a stream's log: its offset, when it was appended (ms since the epoch), and whether
    it went to SSE subscribers; `previous` is the offset of the entry before it that did."""

    offset: int
    at: int
    event: EventEnvelope
    sse: bool = False
    previous: int | None = None


class ReadRequest(_Wire):
    from_offset: int = 0
    limit: int = 100


class LogPage(_Wire):
    """Entries of a log from an offset on (at most the read's `limit`). `next` is the offset to read
    from next, `first` the oldest offset the log keeps and `end` the one its next event will get:
    a reader at `end` is up to date."""

    entries: tuple[LogEntry, ...]
    next: int
    first: int
    end: int
