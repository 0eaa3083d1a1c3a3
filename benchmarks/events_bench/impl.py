"""The events benchmark's endpoint: each receiver records how long after sending it got the event."""

from __future__ import annotations

import time
from collections import defaultdict

from bench.app import bind_components
from bench.clients import (
    DirectContextClient,
    FirstContextClient,
    SecondContextClient,
    ThirdContextClient,
)
from bench.contexts import (
    CollectorContext,
    DirectContext,
    FirstContext,
    SecondContext,
    SourceContext,
    ThirdContext,
)
from bench.events import BenchEvents
from bench.handlers import (
    CollectorServiceBase,
    DirectServiceBase,
    FirstServiceBase,
    SecondServiceBase,
    SourceServiceBase,
    ThirdServiceBase,
)
from bench.models import Ping

from restagen.runtime import Endpoint

LATENCIES: defaultdict[str, list[float]] = defaultdict(list)


def _record(kind: str, ping: Ping) -> None:
    LATENCIES[kind].append((time.time_ns() - ping.sent_ns) / 1e6)


class First(FirstServiceBase):
    async def on_ping(self, ctx: FirstContext, request: Ping) -> None:
        _record(f"event {request.payload}", request)


class Second(SecondServiceBase):
    async def on_ping(self, ctx: SecondContext, request: Ping) -> None:
        _record(f"event {request.payload}", request)


class Third(ThirdServiceBase):
    async def on_ping(self, ctx: ThirdContext, request: Ping) -> None:
        _record(f"event {request.payload}", request)


class Direct(DirectServiceBase):
    async def ping(self, ctx: DirectContext, request: Ping) -> None:
        _record("direct", request)


class Source(SourceServiceBase):
    """Publishes (to three subscribers), or sends to one handler: the clock is read just before.

    The reading is not deterministic, and a replayed attempt would publish another one: a
    benchmark's shortcut, which a real handler would take from `ctx.time()`.
    """

    def __init__(self, events: BenchEvents) -> None:
        self.events = events

    async def publish(self, ctx: SourceContext, request: str) -> None:
        await self.events.ping(Ping(sent_ns=time.time_ns(), payload=request))

    async def send(self, ctx: SourceContext, request: str) -> None:
        DirectContextClient(ctx).send_ping(Ping(sent_ns=time.time_ns(), payload=request))

    async def send_three(self, ctx: SourceContext, request: str) -> None:
        """What a publish does for its deliveries, by hand: a send to each of the three."""
        ping = Ping(sent_ns=time.time_ns(), payload=request)
        for client in (FirstContextClient(ctx), SecondContextClient(ctx), ThirdContextClient(ctx)):
            client.send_on_ping(ping, idempotency_key=str(ctx.uuid()))


class Collector(CollectorServiceBase):
    async def drain(self, ctx: CollectorContext) -> dict[str, list[float]]:
        drained = dict(LATENCIES)
        LATENCIES.clear()
        return drained


endpoint = Endpoint()
bind_components(
    endpoint,
    first=First(),
    second=Second(),
    third=Third(),
    direct=Direct(),
    source=Source,
    collector=Collector(),
)
app = endpoint.app()
