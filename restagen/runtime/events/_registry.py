"""The event registry of a cluster: a virtual object (`restagen_events`, keyed by cluster) that
keeps the subscriptions, completes the delivery of what is published, and keeps the failure queue.

- `subscribe` replaces the subscriptions of the given components with the given ones: registering
  the same endpoint again changes nothing, and every handler of an event is kept, each on its own.
- `snapshot` is the subscriptions with their version (a hash): what publishers cache to deliver
  in one hop.
- `publish` (shared, so publishes run side by side) gets every publish. One the publisher already
  delivered from the current version of the subscriptions needs nothing more; any other (from
  outside handlers, or from a copy that is out of date) is sent to every subscriber of each
  event's type, deduplicated by the event ids (see `_delivery`). Then the events are appended to
  the log of their stream. What cannot be delivered is kept in the failure queue, and logged.
- The failure queue holds at most `max_undelivered` items: beyond that the oldest are dropped and
  counted. `undelivered` and `report` read it, `retry` delivers items again (to the subscription
  of their handler as it is now) and `drop` removes them.
"""

from __future__ import annotations

import logging
from typing import Final

import restate

from restagen.runtime._core.codecs import JsonCodec
from restagen.runtime._core.outgoing import TRACE_HEADERS
from restagen.runtime._core.specs import ComponentSpec, HandlerSpec
from restagen.runtime.events._delivery import deliver, refusal, send, snapshot_of
from restagen.runtime.events._log import APPEND, log_key
from restagen.runtime.events._wire import (
    AppendRequest,
    EventSubscription,
    PublishRequest,
    SubscribeRequest,
    SubscriptionsSnapshot,
    Undelivered,
    UndeliveredReport,
    UndeliveredSelection,
)

__all__ = [
    "DROP",
    "PUBLISH",
    "REGISTRY",
    "REPORT",
    "RETRY",
    "SNAPSHOT",
    "SUBSCRIBE",
    "SUBSCRIPTIONS",
    "UNDELIVERED",
    "EventRegistry",
    "registry_spec",
]

REGISTRY: Final = "restagen_events"
_SUBSCRIPTIONS = "subscriptions"
_UNDELIVERED = "undelivered"
_DROPPED = "dropped"
_NUMBERED = "numbered"

_log = logging.getLogger("restagen.events")


_SUBSCRIPTION_LIST: JsonCodec[tuple[EventSubscription, ...]] = JsonCodec(tuple[EventSubscription, ...])
_UNDELIVERED_LIST: JsonCodec[tuple[Undelivered, ...]] = JsonCodec(tuple[Undelivered, ...])
_COUNT: JsonCodec[int] = JsonCodec(int)
_SELECTION = JsonCodec(UndeliveredSelection)

SUBSCRIBE: Final = HandlerSpec[SubscribeRequest, None](
    component=REGISTRY, name="subscribe", kind="exclusive", input=JsonCodec(SubscribeRequest), output=None
)
SUBSCRIPTIONS: Final = HandlerSpec[None, tuple[EventSubscription, ...]](
    component=REGISTRY, name="subscriptions", kind="shared", input=None, output=_SUBSCRIPTION_LIST
)
SNAPSHOT: Final = HandlerSpec[None, SubscriptionsSnapshot](
    component=REGISTRY, name="snapshot", kind="shared", input=None, output=JsonCodec(SubscriptionsSnapshot)
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
REPORT: Final = HandlerSpec[None, UndeliveredReport](
    component=REGISTRY, name="report", kind="shared", input=None, output=JsonCodec(UndeliveredReport)
)
RETRY: Final = HandlerSpec[UndeliveredSelection, UndeliveredReport](
    component=REGISTRY, name="retry", kind="exclusive", input=_SELECTION, output=JsonCodec(UndeliveredReport)
)
DROP: Final = HandlerSpec[UndeliveredSelection, UndeliveredReport](
    component=REGISTRY, name="drop", kind="exclusive", input=_SELECTION, output=JsonCodec(UndeliveredReport)
)


def registry_spec() -> ComponentSpec:
    return ComponentSpec(
        kind="object",
        name=REGISTRY,
        handlers=(SUBSCRIBE, SUBSCRIPTIONS, SNAPSHOT, PUBLISH, KEEP, UNDELIVERED, REPORT, RETRY, DROP),
        description="restagen events: the subscriptions of a cluster, the fan-out of what is published, "
        "and what could not be delivered",
    )


class EventRegistry:
    """The implementation of the registry; its failure queue keeps at most `max_undelivered` items."""

    def __init__(self, *, max_undelivered: int = 1000) -> None:
        if max_undelivered < 1:
            raise ValueError("the failure queue keeps at least one item")
        self.max_undelivered = max_undelivered

    async def subscribe(self, ctx: restate.ObjectContext, request: SubscribeRequest) -> None:
        current = await ctx.get(_SUBSCRIPTIONS, serde=_SUBSCRIPTION_LIST) or ()
        replaced = set(request.components)
        kept = {s for s in current if s.component not in replaced} | set(request.subscriptions)
        ctx.set(_SUBSCRIPTIONS, tuple(sorted(kept, key=_order)), serde=_SUBSCRIPTION_LIST)

    async def subscriptions(self, ctx: restate.ObjectSharedContext) -> tuple[EventSubscription, ...]:
        return await ctx.get(_SUBSCRIPTIONS, serde=_SUBSCRIPTION_LIST) or ()

    async def snapshot(self, ctx: restate.ObjectSharedContext) -> SubscriptionsSnapshot:
        return snapshot_of(await ctx.get(_SUBSCRIPTIONS, serde=_SUBSCRIPTION_LIST) or ())

    async def publish(self, ctx: restate.ObjectSharedContext, request: PublishRequest) -> None:
        current = snapshot_of(await ctx.get(_SUBSCRIPTIONS, serde=_SUBSCRIPTION_LIST) or ())
        # The publisher's trace context goes on to each delivery, so that a subscriber's span is
        # a child of the publish (W3C trace context; nothing when the publish carried none).
        incoming = ctx.request().headers
        trace: dict[str, str] = {name: incoming[name] for name in TRACE_HEADERS if name in incoming}
        if request.delivered == current.version:
            refused = [
                Undelivered(event=event, subscription=subscription, reason=reason, key=request.key)
                for event in request.events
                for subscription in current.subscriptions
                if subscription.type == event.type
                and (reason := refusal(event, subscription, request.key)) is not None
            ]
        else:
            refused = deliver(ctx, request, current.subscriptions, trace)
        if refused:
            for item in refused:
                _log.warning(
                    "event %s (%s) not delivered to %s: %s",
                    item.event.id,
                    item.event.type,
                    item.subscription.target,
                    item.reason,
                )
            ctx.generic_send(REGISTRY, KEEP.name, _UNDELIVERED_LIST.encode(tuple(refused)), key=ctx.key())
        append = AppendRequest(
            cluster=ctx.key(), stream=request.stream, events=request.events, sse=request.sse, at=request.at
        )
        assert APPEND.input is not None
        ctx.generic_send(
            APPEND.component, APPEND.name, APPEND.input.encode(append), key=log_key(ctx.key(), request.stream)
        )

    # -- the failure queue ------------------------------------------------------------------

    async def keep(self, ctx: restate.ObjectContext, request: tuple[Undelivered, ...]) -> None:
        numbered = await ctx.get(_NUMBERED, serde=_COUNT) or 0
        fresh = []
        for item in request:
            numbered += 1
            fresh.append(item.model_copy(update={"number": numbered}))
        ctx.set(_NUMBERED, numbered, serde=_COUNT)
        await self._store(ctx, (*(await self._kept(ctx)), *fresh))

    async def undelivered(self, ctx: restate.ObjectSharedContext) -> tuple[Undelivered, ...]:
        return await self._kept(ctx)

    async def report(self, ctx: restate.ObjectSharedContext) -> UndeliveredReport:
        return await self._report(ctx)

    async def retry(self, ctx: restate.ObjectContext, request: UndeliveredSelection) -> UndeliveredReport:
        """Deliver the selected items again, each to its handler's subscription as it is now: those
        still refused (or whose handler no longer subscribes to the event) stay, with the new reason."""
        subscriptions = await ctx.get(_SUBSCRIPTIONS, serde=_SUBSCRIPTION_LIST) or ()
        current = {(s.type, s.component, s.handler): s for s in subscriptions}
        kept = []
        for item in await self._kept(ctx):
            if request.numbers is not None and item.number not in request.numbers:
                kept.append(item)
                continue
            subscription = current.get(
                (item.event.type, item.subscription.component, item.subscription.handler)
            )
            if subscription is None:
                reason: str | None = f"{item.subscription.target} no longer subscribes to {item.event.type}"
            else:
                reason = refusal(item.event, subscription, item.key)
            if reason is not None or subscription is None:
                kept.append(item.model_copy(update={"reason": reason or item.reason}))
                continue
            send(ctx, item.event, subscription, item.key, {})
        ctx.set(_UNDELIVERED, tuple(kept), serde=_UNDELIVERED_LIST)
        return await self._report(ctx)

    async def drop(self, ctx: restate.ObjectContext, request: UndeliveredSelection) -> UndeliveredReport:
        numbers = request.numbers
        kept = tuple(
            item for item in await self._kept(ctx) if numbers is not None and item.number not in numbers
        )
        ctx.set(_UNDELIVERED, kept, serde=_UNDELIVERED_LIST)
        return await self._report(ctx)

    async def _kept(
        self, ctx: restate.ObjectSharedContext | restate.ObjectContext
    ) -> tuple[Undelivered, ...]:
        return await ctx.get(_UNDELIVERED, serde=_UNDELIVERED_LIST) or ()

    async def _store(self, ctx: restate.ObjectContext, items: tuple[Undelivered, ...]) -> None:
        over = len(items) - self.max_undelivered
        if over > 0:
            _log.warning(
                "the failure queue of cluster %s is full: dropping its %d oldest items", ctx.key(), over
            )
            ctx.set(_DROPPED, (await ctx.get(_DROPPED, serde=_COUNT) or 0) + over, serde=_COUNT)
            items = items[over:]
        ctx.set(_UNDELIVERED, items, serde=_UNDELIVERED_LIST)

    async def _report(self, ctx: restate.ObjectSharedContext | restate.ObjectContext) -> UndeliveredReport:
        return UndeliveredReport(
            items=await self._kept(ctx),
            dropped=await ctx.get(_DROPPED, serde=_COUNT) or 0,
            bound=self.max_undelivered,
        )


def _order(subscription: EventSubscription) -> tuple[str, str, str]:
    return (subscription.type, subscription.component, subscription.handler)
