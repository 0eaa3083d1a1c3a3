"""Sending a published event to its subscribers, from the registry or straight from the publisher.

Both paths send each event to each subscriber as a durable one-way call whose idempotency key is
the event id. Restate deduplicates on (target, key, idempotency key) whoever sends, so an event
that the publisher delivered and the registry delivers again (because the publisher's copy of the
subscriptions was out of date) still runs each subscriber once. What cannot be delivered (a
version the subscriber was not generated for, an object subscriber without a key) is refused,
with the reason.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from restagen.runtime.events._spec import EVENT_HEADER, EVENT_ID_HEADER, EVENT_VERSION_HEADER
from restagen.runtime.events._wire import (
    EventEnvelope,
    EventSubscription,
    PublishRequest,
    SubscriptionsSnapshot,
    Undelivered,
)

__all__ = ["deliver", "refusal", "snapshot_of", "subscriptions_version"]


def subscriptions_version(subscriptions: Iterable[EventSubscription]) -> str:
    """A hash of a set of subscriptions: the same for the same set, in any order."""
    rows = sorted(json.dumps(s.model_dump(), sort_keys=True, separators=(",", ":")) for s in subscriptions)
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]


def snapshot_of(subscriptions: tuple[EventSubscription, ...]) -> SubscriptionsSnapshot:
    return SubscriptionsSnapshot(version=subscriptions_version(subscriptions), subscriptions=subscriptions)


def refusal(event: EventEnvelope, subscription: EventSubscription, key: str | None) -> str | None:
    """Why `event` cannot go to `subscription` with `key`; None when it can."""
    if event.version != subscription.version:
        return (
            f"version {event.version} published, but {subscription.target} was generated for "
            f"version {subscription.version} of {event.type}"
        )
    if subscription.kind != "service" and key is None:
        return f"{subscription.target} is a {subscription.kind} handler: publish with a key"
    return None


def send(
    ctx: Any,
    event: EventEnvelope,
    subscription: EventSubscription,
    key: str | None,
    trace: Mapping[str, str],
    delay: timedelta | None = None,
) -> None:
    """One delivery: a one-way call, deduplicated by the event id."""
    ctx.generic_send(
        subscription.component,
        subscription.handler,
        event.data.encode(),
        key=key if subscription.kind != "service" else None,
        send_delay=delay,
        idempotency_key=event.id,
        headers={
            **trace,
            EVENT_HEADER: event.type,
            EVENT_VERSION_HEADER: event.version,
            EVENT_ID_HEADER: event.id,
        },
    )


def deliver(
    ctx: Any,
    request: PublishRequest,
    subscriptions: Iterable[EventSubscription],
    trace: Mapping[str, str],
    delay: timedelta | None = None,
) -> list[Undelivered]:
    """Send each event of `request` to every subscription of its type; returns what was refused."""
    by_type: dict[str, list[EventSubscription]] = {}
    for subscription in subscriptions:
        by_type.setdefault(subscription.type, []).append(subscription)
    refused = []
    for event in request.events:
        for subscription in by_type.get(event.type, ()):
            reason = refusal(event, subscription, request.key)
            if reason is None:
                send(ctx, event, subscription, request.key, trace, delay)
            else:
                refused.append(
                    Undelivered(event=event, subscription=subscription, reason=reason, key=request.key)
                )
    return refused
