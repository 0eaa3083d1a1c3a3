"""The hub of one node: a bounded replay cache and the live subscribers of each (cluster, stream),
and the fan-out of what is pushed to the other nodes.

Delivery to this node's subscribers is synchronous (no await between caching an event and
queueing it for each subscriber), so a subscription attaching in between sees every event either
in its replay or live, never both, never neither. An event whose id is already in its cache is
ignored: a push that is retried, or that comes back from a peer, is delivered once.

Published events carry their offset in their stream's log, and the offset of the stream's SSE
event before them (`previous`). The cache is only a cache: a subscriber resuming from an offset
it does not cover, or a live event whose `previous` the subscriber has not seen (a push this
node missed), is served from the log through the hub's `reader` (see `_routes`).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from restagen.runtime.sse._client import post_events
from restagen.runtime.sse._model import SseEvent, offset_of
from restagen.runtime.sse._signing import Verifier

if TYPE_CHECKING:
    from starlette.requests import Request

    from restagen.runtime._endpoint.sections import PubSubConfig

__all__ = ["LogReader", "Resolver", "SseHub", "SseMiddleware"]

SseMiddleware = Callable[["Request"], Awaitable[None]]
"""Runs before a subscription is accepted; raising (SseForbidden: 403) refuses it."""
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""Resolves a host name and port to the addresses (IPs) of the nodes behind it."""
LogReader = Callable[[str, str, int], Awaitable[tuple[Sequence[SseEvent], int]]]
"""Reads the log of (cluster, stream) from an offset: a page of its SSE events, and the offset to
read from next (equal to the one given: nothing more)."""

DEFAULT_PORT = 9080

_log = logging.getLogger("restagen.sse")


@dataclass(eq=False)
class Subscriber:
    """One open subscription: what it missed (replayed first), then a queue of live events."""

    cluster: str
    stream: str
    replay: list[SseEvent]
    queue: asyncio.Queue[SseEvent | None]
    resume: int | None = None
    """The offset it resumes after (None: it takes what comes)."""
    from_log: bool = False
    """Whether what followed `resume` must be read from the log first (the cache does not cover it)."""


@dataclass(eq=False)
class _Channel:
    """One (cluster, stream): its buffer (event, sequence number) and its subscribers."""

    size: int
    buffer: deque[tuple[int, SseEvent]] = field(default_factory=deque)
    ids: dict[str, int] = field(default_factory=dict)
    next: int = 0
    subscribers: set[Subscriber] = field(default_factory=set)

    def add(self, event: SseEvent) -> bool:
        if event.id in self.ids:
            return False
        if len(self.buffer) == self.size:
            _, dropped = self.buffer.popleft()
            del self.ids[dropped.id]
        self.buffer.append((self.next, event))
        self.ids[event.id] = self.next
        self.next += 1
        return True

    def after_offset(self, resume: int) -> tuple[list[SseEvent], bool]:
        """The events after offset `resume`, and whether they are all of them (no SSE event of the
        stream between `resume` and the oldest cached one)."""
        logged = [event for _, event in self.buffer if event.offset is not None]
        covered = bool(logged) and (logged[0].previous is None or logged[0].previous <= resume)
        return [event for event in logged if event.offset is not None and event.offset > resume], covered

    def after(self, last_id: str | None) -> list[SseEvent]:
        """What followed `last_id`; the whole buffer when the id is not (or no longer) in it."""
        start = 0
        if last_id is not None and last_id in self.ids:
            start = self.ids[last_id] - self.buffer[0][0] + 1
        return [event for _, event in islice(self.buffer, start, None)]


async def resolve(host: str, port: int) -> list[str]:
    """The IP addresses `host` resolves to (A and AAAA records), sorted."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def _base_url(address: str) -> str:
    return (address if "://" in address else f"http://{address}").rstrip("/")


class SseHub:
    """Server-Sent Events of one node: subscribers, replay buffers, and fan-out to peer nodes.

    `buffer_size` events are kept per (cluster, stream), and a subscriber may fall that many behind.
    `secret` signs and checks publishes; `peers` (base URLs or `host:port`) and the addresses that
    `discover` (`host[:port]`, default port `discover_port`) resolves to through `resolver`, at most
    every `discover_ttl` seconds, get every push. `middleware` checks each subscription. A publish
    signed more than `signature_window` seconds away from now is refused; a peer gets
    `forward_timeout` seconds to answer; streams carry a keep-alive comment every `ping` seconds.
    `reader` reads the streams' logs (without one, only the cache is replayed).
    """

    def __init__(
        self,
        *,
        buffer_size: int = 1000,
        secret: str | None = None,
        peers: Sequence[str] = (),
        discover: str | None = None,
        middleware: Sequence[SseMiddleware] = (),
        discover_port: int = DEFAULT_PORT,
        discover_ttl: float = 10.0,
        resolver: Resolver = resolve,
        signature_window: float = 300.0,
        forward_timeout: float = 5.0,
        ping: float = 15.0,
        reader: LogReader | None = None,
    ) -> None:
        if buffer_size < 1:
            raise ValueError("buffer_size must be at least 1")
        if (peers or discover) and not secret:
            raise ValueError("fanning out to peers (peers or discover) needs the shared secret")
        self.buffer_size = buffer_size
        self.secret = secret
        self.peers = tuple(_base_url(peer) for peer in peers)
        self.middleware = tuple(middleware)
        self.ping = ping
        self.forward_timeout = forward_timeout
        self.verifier = Verifier(secret, window=signature_window) if secret else None
        self.reader = reader
        """Reads the streams' logs: what subscribers resuming from an offset the cache lacks get."""
        self._discover: tuple[str, str, int] | None = None
        if discover:
            parts = urlsplit(_base_url(discover))
            if not parts.hostname:
                raise ValueError(f"sse discover {discover!r} names no host")
            self._discover = (parts.scheme, parts.hostname, parts.port or discover_port)
        self._discover_ttl = discover_ttl
        self._resolver = resolver
        self._discovered: tuple[float, tuple[str, ...]] = (float("-inf"), ())
        self._channels: dict[tuple[str, str], _Channel] = {}
        self._client: httpx.AsyncClient | None = None
        self._client_loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def from_config(
        cls, pubsub: PubSubConfig, *, middleware: Sequence[SseMiddleware] = (), port: int | None = None
    ) -> SseHub:
        """The hub that the `pubsub` section describes; `port` is the one discovered peers listen on
        when `sse_discover` names none (default: that of the server section's default, 9080)."""
        secret = pubsub.sse_secret.get_secret_value() if pubsub.sse_secret is not None else None
        return cls(
            buffer_size=pubsub.sse_buffer,
            secret=secret,
            peers=pubsub.sse_peers,
            discover=pubsub.sse_discover,
            middleware=middleware,
            discover_port=port or DEFAULT_PORT,
        )

    # -- local delivery ---------------------------------------------------------------------

    def deliver(self, events: Iterable[SseEvent]) -> list[SseEvent]:
        """Buffer `events` and queue them for this node's subscribers; returns those that were new."""
        fresh = []
        for event in events:
            key = (event.cluster, event.stream)
            channel = self._channels.get(key)
            if channel is None:
                channel = self._channels[key] = _Channel(self.buffer_size)
            if not channel.add(event):
                continue
            fresh.append(event)
            for subscriber in channel.subscribers:
                try:
                    subscriber.queue.put_nowait(event)
                except asyncio.QueueFull:
                    # Too slow: end its stream; it reconnects with Last-Event-ID and replays.
                    _end(subscriber)
        return fresh

    def attach(
        self, cluster: str, stream: str, last_event_id: str | None, *, from_offset: int | None = None
    ) -> Subscriber:
        """A new subscriber of (cluster, stream): with Last-Event-ID (an offset, or the id of an event
        pushed without one), or else `from_offset`, what followed is replayed."""
        key = (cluster, stream)
        channel = self._channels.get(key)
        if channel is None:
            channel = self._channels[key] = _Channel(self.buffer_size)
        resume = offset_of(last_event_id) if last_event_id is not None else None
        if resume is None and last_event_id is None and from_offset is not None:
            resume = from_offset - 1
        queue: asyncio.Queue[SseEvent | None] = asyncio.Queue(maxsize=self.buffer_size)
        if resume is not None:
            replay, covered = channel.after_offset(resume)
            subscriber = Subscriber(cluster, stream, replay, queue, resume, not covered)
        else:
            replay = channel.after(last_event_id) if last_event_id is not None else []
            subscriber = Subscriber(cluster, stream, replay, queue)
        channel.subscribers.add(subscriber)
        return subscriber

    async def read_log(
        self, cluster: str, stream: str, from_offset: int, until: int | None = None
    ) -> AsyncIterator[SseEvent]:
        """The SSE events of the log of (cluster, stream) from `from_offset` (up to `until`,
        excluded), read through `reader`; nothing without one."""
        if self.reader is None:
            return
        while until is None or from_offset < until:
            try:
                page, following = await self.reader(cluster, stream, from_offset)
            except Exception as error:
                # The stream ends; the subscriber reconnects from its last offset and reads again.
                _log.warning(
                    "SSE: reading the log of %s/%s from %d failed: %s", cluster, stream, from_offset, error
                )
                raise
            for event in page:
                if until is not None and event.offset is not None and event.offset >= until:
                    return
                yield event
            if following <= from_offset:
                return
            from_offset = following

    def detach(self, subscriber: Subscriber) -> None:
        channel = self._channels.get((subscriber.cluster, subscriber.stream))
        if channel is not None:
            channel.subscribers.discard(subscriber)
            if not channel.subscribers and not channel.buffer:  # names nobody publishes to cost nothing
                del self._channels[(subscriber.cluster, subscriber.stream)]

    def subscribers(self, cluster: str, stream: str) -> int:
        """How many subscriptions of (cluster, stream) are open on this node."""
        channel = self._channels.get((cluster, stream))
        return len(channel.subscribers) if channel is not None else 0

    def buffered(self, cluster: str, stream: str) -> list[SseEvent]:
        """The replay buffer of (cluster, stream), oldest first."""
        channel = self._channels.get((cluster, stream))
        return channel.after(None) if channel is not None else []

    def disconnect(self, cluster: str | None = None, stream: str | None = None) -> int:
        """End the open subscriptions (of a cluster, of a stream); clients reconnect. Returns how many."""
        ended = 0
        for (c, s), channel in self._channels.items():
            if (cluster is None or c == cluster) and (stream is None or s == stream):
                for subscriber in channel.subscribers:
                    _end(subscriber)
                    ended += 1
        return ended

    # -- pushing and fan-out ----------------------------------------------------------------

    async def push(self, events: Sequence[SseEvent], *, forward: bool = True) -> None:
        """Deliver `events` to this node's subscribers of each event's (cluster, stream), keep them in
        its replay buffer and, with `forward`, post them to every peer node (signed), which deliver
        them without forwarding them again. A peer that cannot be reached is logged, not raised:
        fan-out is best effort, and each node's buffer lets subscribers catch up on reconnect."""
        self.deliver(events)
        if not forward or not events:
            return
        peers = await self.peer_urls()
        if not peers:
            return
        assert self.secret is not None
        client = self._http()
        results = await asyncio.gather(
            *(post_events(peer, events, secret=self.secret, forward=False, client=client) for peer in peers),
            return_exceptions=True,
        )
        for peer, result in zip(peers, results, strict=True):
            if isinstance(result, BaseException):
                _log.warning("SSE fan-out to %s failed: %s", peer, result)

    async def peer_urls(self) -> tuple[str, ...]:
        """The configured peers and, with `discover`, the nodes its name resolves to (cached)."""
        if self._discover is None:
            return self.peers
        scheme, host, port = self._discover
        at, found = self._discovered
        now = time.monotonic()
        if now - at >= self._discover_ttl:
            try:
                addresses = await self._resolver(host, port)
            except OSError as error:
                _log.warning(
                    "SSE discovery of %s failed: %s (keeping %d known peers)", host, error, len(found)
                )
            else:
                found = tuple(f"{scheme}://{f'[{ip}]' if ':' in ip else ip}:{port}" for ip in addresses)
            self._discovered = (now, found)
        return tuple(dict.fromkeys((*self.peers, *found)))

    def _http(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop:
            self._client = httpx.AsyncClient(timeout=self.forward_timeout)
            self._client_loop = loop
        return self._client

    async def aclose(self) -> None:
        """End every subscription and close the connections to peers."""
        self.disconnect()
        if self._client is not None and self._client_loop is asyncio.get_running_loop():
            await self._client.aclose()
        self._client = None

    def mount(self, app: Any) -> Any:
        """`app` with the SSE routes in front (see the package docstring); the rest goes to `app`."""
        from restagen.runtime.sse._routes import mount

        return mount(self, app)


def _end(subscriber: Subscriber) -> None:
    while not subscriber.queue.empty():
        subscriber.queue.get_nowait()
    subscriber.queue.put_nowait(None)
