"""The event registry of a cluster: a virtual object (`restagen_events`, keyed by cluster) that
keeps the subscriptions and fans each published event out to them.

- `subscribe` replaces the subscriptions of the given components with the given ones: registering
  the same endpoint again changes nothing, and every handler of an event is kept, each on its own.
- `publish` (shared, so publishes run side by side) sends each event to every handler subscribed
  to its type, as a durable one-way call whose idempotency key is the event id: a publish that is
  retried or replayed never delivers an event twice to one handler. An event whose version the
  subscriber was not generated for, or that an object subscriber cannot get a key for, is not
  delivered: it is kept (`undelivered`), and logged.
- `subscriptions` and `undelivered` read the registry.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Final

import restate

from restagen.runtime._core.codecs import JsonCodec
from restagen.runtime._core.outgoing import TRACE_HEADERS
from restagen.runtime._core.specs import ComponentSpec, HandlerSpec
from restagen.runtime.events._spec import EVENT_HEADER, EVENT_ID_HEADER, EVENT_VERSION_HEADER
from restagen.runtime.events._wire import (
    EventEnvelope,
    EventSubscription,
    PublishRequest,
    SubscribeRequest,
    Undelivered,
)

__all__ = [
    "PUBLISH",
    "REGISTRY",
    "SUBSCRIBE",
    "SUBSCRIPTIONS",
    "UNDELIVERED",
    "EventRegistry",
    "registry_spec",
]

REGISTRY: Final = "restagen_events"
_SUBSCRIPTIONS = "subscriptions"
_UNDELIVERED = "undelivered"

_log = logging.getLogger("restagen.events")


_SUBSCRIPTION_LIST: JsonCodec[tuple[EventSubscription, ...]] = JsonCodec(tuple[EventSubscription, ...])
_UNDELIVERED_LIST: JsonCodec[tuple[Undelivered, ...]] = JsonCodec(tuple[Undelivered, ...])

SUBSCRIBE: Final = HandlerSpec[SubscribeRequest, None](
    component=REGISTRY, name="subscribe", kind="exclusive", input=JsonCodec(SubscribeRequest), output=None
)
SUBSCRIPTIONS: Final = HandlerSpec[None, tuple[EventSubscription, ...]](
    component=REGISTRY, name="subscriptions", kind="shared", input=None, output=_SUBSCRIPTION_LIST
)
PUBLISH: Final = HandlerSpec[PublishRequest, None](
    component=REGISTRY, name="publish", kind="shared", input=JsonCodec(PublishRequest), output=None
)
KEEP: Final = HandlerSpec[tuple[Undelivered, ...], None](
    component=REGISTRY, name="keep", kind="exclusive", input=_UNDELIVERED_LIST, output=None
)
UNDELIVERED: Final = HandlerSpec[None, tuple[Undelivered, ...]](
    component=REGISTRY, name="undelivered", kind="shared", input=None, output=_UNDELIVERED_LIST
)


def registry_spec() -> ComponentSpec:
    return ComponentSpec(
        kind="object",
        name=REGISTRY,
        handlers=(SUBSCRIBE, SUBSCRIPTIONS, PUBLISH, KEEP, UNDELIVERED),
        description="restagen events: the subscriptions of a cluster, and the fan-out of what is published",
    )


SsePush = Callable[[str, PublishRequest], Awaitable[None]]
"""Pushes the events of a publish in a cluster to SSE subscribers."""


class EventRegistry:
    """The implementation of the registry; `sse` pushes events published with SSE on."""

    def __init__(self, sse: SsePush | None = None) -> None:
        self._sse = sse

    async def subscribe(self, ctx: restate.ObjectContext, request: SubscribeRequest) -> None:
        current = await ctx.get(_SUBSCRIPTIONS, serde=_SUBSCRIPTION_LIST) or ()
        replaced = set(request.components)
        kept = {s for s in current if s.component not in replaced} | set(request.subscriptions)
        ctx.set(_SUBSCRIPTIONS, tuple(sorted(kept, key=_order)), serde=_SUBSCRIPTION_LIST)

    async def subscriptions(self, ctx: restate.ObjectSharedContext) -> tuple[EventSubscription, ...]:
        return await ctx.get(_SUBSCRIPTIONS, serde=_SUBSCRIPTION_LIST) or ()

    async def publish(self, ctx: restate.ObjectSharedContext, request: PublishRequest) -> None:
        subscriptions = await ctx.get(_SUBSCRIPTIONS, serde=_SUBSCRIPTION_LIST) or ()
        by_type: dict[str, list[EventSubscription]] = {}
        for subscription in subscriptions:
            by_type.setdefault(subscription.type, []).append(subscription)
        undelivered = []
        # The publisher's trace context goes on to each delivery, so that a subscriber's span is
        # a child of the publish (W3C trace context; nothing when the publish carried none).
        incoming = ctx.request().headers
        trace: dict[str, str] = {name: incoming[name] for name in TRACE_HEADERS if name in incoming}
        for event in request.events:
            for subscription in by_type.get(event.type, ()):
                reason = _refusal(event, subscription, request.key)
                if reason is not None:
                    undelivered.append(Undelivered(event=event, subscription=subscription, reason=reason))
                    continue
                ctx.generic_send(
                    subscription.component,
                    subscription.handler,
                    event.data.encode(),
                    key=request.key if subscription.kind != "service" else None,
                    idempotency_key=event.id,
                    headers={
                        **trace,
                        EVENT_HEADER: event.type,
                        EVENT_VERSION_HEADER: event.version,
                        EVENT_ID_HEADER: event.id,
                    },
                )
        if undelivered:
            for item in undelivered:
                _log.warning(
                    "event %s (%s) not delivered to %s: %s",
                    item.event.id,
                    item.event.type,
                    item.subscription.target,
                    item.reason,
                )
            ctx.generic_send(REGISTRY, KEEP.name, _UNDELIVERED_LIST.encode(tuple(undelivered)), key=ctx.key())
        if request.sse and self._sse is not None:
            push = self._sse

            cluster = ctx.key()

            async def to_sse() -> None:
                await push(cluster, request)

            await ctx.run_typed("sse", to_sse)

    async def keep(self, ctx: restate.ObjectContext, request: tuple[Undelivered, ...]) -> None:
        kept = await ctx.get(_UNDELIVERED, serde=_UNDELIVERED_LIST) or ()
        ctx.set(_UNDELIVERED, (*kept, *request), serde=_UNDELIVERED_LIST)

    async def undelivered(self, ctx: restate.ObjectSharedContext) -> tuple[Undelivered, ...]:
        return await ctx.get(_UNDELIVERED, serde=_UNDELIVERED_LIST) or ()


def _order(subscription: EventSubscription) -> tuple[str, str, str]:
    return (subscription.type, subscription.component, subscription.handler)


def _refusal(event: EventEnvelope, subscription: EventSubscription, key: str | None) -> str | None:
    if event.version != subscription.version:
        return (
            f"version {event.version} published, but {subscription.target} was generated for "
            f"version {subscription.version} of {event.type}"
        )
    if subscription.kind != "service" and key is None:
        return f"{subscription.target} is a {subscription.kind} handler: publish with a key"
    return None
