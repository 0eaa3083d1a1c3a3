"""Publishing events: durably from inside a handler, through the ingress from outside.

Outside handlers, a publish is one `PublishRequest` to the registry of the cluster
(`restagen_events`), which delivers it; the ids are random and the send carries an idempotency
key made of them, so retrying the same publish call is harmless.

Inside a handler, a publish is one hop: the handler sends each event to its subscribers itself,
from this process's copy of the cluster's subscriptions (`_cache`), then tells the registry,
with the version of that copy, so that the registry delivers again only when its subscriptions
have changed since, and appends the events to the stream's log. The copy an invocation used is
journaled (a `run`), the sends are journaled and the event ids come from the invocation's
deterministic random source: a retried or replayed handler makes the same sends, and each
subscriber gets each event once.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, TypeVar

from restagen.runtime._core.context import HandlerContext
from restagen.runtime._core.ingress import Ingress
from restagen.runtime._core.outgoing import TRACE_HEADERS
from restagen.runtime._endpoint.sections import PubSubConfig
from restagen.runtime.events._cache import journaled_snapshot
from restagen.runtime.events._delivery import deliver
from restagen.runtime.events._registry import PUBLISH, REGISTRY
from restagen.runtime.events._spec import EventSpec
from restagen.runtime.events._wire import EventEnvelope, PublishRequest

__all__ = ["ContextPublisher", "EventPublisher", "IngressPublisher"]

T = TypeVar("T")


class EventPublisher(ABC):
    """Publishes typed events to a cluster's subscribers (and its SSE streams)."""

    def __init__(self, pubsub: PubSubConfig) -> None:
        self._pubsub = pubsub

    async def publish(
        self,
        spec: EventSpec[T],
        events: Sequence[T],
        *,
        stream: str | None = None,
        key: str | None = None,
        delay: timedelta | None = None,
        sse: bool | None = None,
        cluster: str | None = None,
    ) -> list[str]:
        """Publish `events` in one batch; returns their ids.

        `key` goes to subscribers that are object (or workflow) handlers; `sse` (default: the
        configuration's `pubsub.sse`) also pushes them to the SSE subscribers of `stream`.
        """
        return await self.publish_mixed(
            [(spec, event) for event in events], stream=stream, key=key, delay=delay, sse=sse, cluster=cluster
        )

    async def publish_mixed(
        self,
        events: Sequence[tuple[EventSpec[Any], Any]],
        *,
        stream: str | None = None,
        key: str | None = None,
        delay: timedelta | None = None,
        sse: bool | None = None,
        cluster: str | None = None,
    ) -> list[str]:
        """Publish events of several types in one batch (each with its spec), in this order; returns
        their ids. The options are those of `publish`."""
        ids = self._ids(len(events))
        request = PublishRequest(
            stream=stream or self._pubsub.default_stream,
            key=key,
            sse=self._pubsub.sse if sse is None else sse,
            events=tuple(
                EventEnvelope(
                    id=id_, type=spec.name, version=spec.version, data=spec.codec.encode(event).decode()
                )
                for id_, (spec, event) in zip(ids, events, strict=True)
            ),
        )
        await self._send(cluster or self._pubsub.cluster, request, delay)
        return ids

    @abstractmethod
    def _ids(self, count: int) -> list[str]: ...

    @abstractmethod
    async def _send(self, cluster: str, request: PublishRequest, delay: timedelta | None) -> None: ...


class ContextPublisher(EventPublisher):
    """Publishes from inside a handler: journaled, exactly once."""

    def __init__(self, ctx: HandlerContext[Any], pubsub: PubSubConfig) -> None:
        super().__init__(pubsub)
        self._ctx = ctx.restate
        self._typed = ctx

    def _ids(self, count: int) -> list[str]:
        return [str(self._ctx.uuid()) for _ in range(count)]

    async def _send(self, cluster: str, request: PublishRequest, delay: timedelta | None) -> None:
        assert PUBLISH.input is not None
        snapshot, at, recorded = await journaled_snapshot(self._ctx, cluster, self._pubsub.subscriptions_ttl)
        # Without an outgoing hook (tracing), a publish carries no headers, as it always did.
        hook = self._typed.outgoing_hook
        headers = hook("publish", PUBLISH, cluster, None) if hook is not None else None
        trace = {name: value for name, value in (headers or {}).items() if name in TRACE_HEADERS}
        # Refusals are kept by the registry, which sees the same subscriptions when the versions match.
        deliver(self._ctx, request, snapshot.subscriptions, trace, delay)
        self._ctx.generic_send(
            REGISTRY,
            PUBLISH.name,
            PUBLISH.input.encode(request.model_copy(update={"delivered": snapshot.version, "at": at})),
            key=cluster,
            send_delay=delay,
            headers=headers,
        )
        if recorded is not None:
            await recorded


class IngressPublisher(EventPublisher):
    """Publishes from outside handlers, through the Restate ingress."""

    def __init__(self, ingress: Ingress, pubsub: PubSubConfig | None = None) -> None:
        super().__init__(pubsub or PubSubConfig())
        self._ingress = ingress

    def _ids(self, count: int) -> list[str]:
        return [str(uuid.uuid4()) for _ in range(count)]

    async def _send(self, cluster: str, request: PublishRequest, delay: timedelta | None) -> None:
        digest = hashlib.sha256("".join(event.id for event in request.events).encode()).hexdigest()
        stamped = request.model_copy(update={"at": time.time_ns() // 1_000_000})
        await self._ingress.send(
            PUBLISH, stamped, key=cluster, delay=delay, idempotency_key=f"publish-{digest}"
        )
