"""Clients of a hub: `subscribe` to a stream (reconnecting with Last-Event-ID), and `post_events`
to publish signed events to a node (what the processor and the hubs' fan-out use)."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from urllib.parse import quote, urlencode

import httpx
from httpx_sse import SSEError, aconnect_sse

from restagen.runtime.sse._model import (
    PREFIX,
    SseError,
    SseEvent,
    SseForbidden,
    SseUnauthorized,
    from_stream,
    publish_body,
)
from restagen.runtime.sse._signing import SIGNATURE_HEADER, sign

__all__ = ["Callback", "SseSubscription", "post_events", "subscribe"]

Callback = Callable[[SseEvent], Awaitable[None] | None]

_log = logging.getLogger("restagen.sse")


def _status_error(status: int, body: str) -> SseError:
    kinds: dict[int, type[SseError]] = {401: SseUnauthorized, 403: SseForbidden}
    return kinds.get(status, SseError)(f"HTTP {status}: {body.strip()[:200]}", status_code=status)


async def post_events(
    url: str,
    events: Sequence[SseEvent],
    *,
    secret: str,
    forward: bool = True,
    client: httpx.AsyncClient | None = None,
    timeout: float = 5.0,
) -> None:
    """Post `events` to the hub at `url` (one signed request per cluster); with `forward` that node
    also fans them out to its peers. Raises SseError (SseUnauthorized, SseForbidden) if refused."""
    by_cluster: dict[str, list[SseEvent]] = defaultdict(list)
    for event in events:
        by_cluster[event.cluster].append(event)
    own = client is None
    http = client if client is not None else httpx.AsyncClient(timeout=timeout)
    try:
        for cluster, batch in by_cluster.items():
            body = publish_body(batch, forward=forward)
            response = await http.post(
                f"{url.rstrip('/')}{PREFIX}/{quote(cluster, safe='')}/publish",
                content=body,
                headers={SIGNATURE_HEADER: sign(secret, cluster, body), "content-type": "application/json"},
            )
            if response.status_code != 200:
                raise _status_error(response.status_code, response.text)
    finally:
        if own:
            await http.aclose()


class SseSubscription:
    """A running subscription; `await unsubscribe()` (or `aclose()`) stops it."""

    def __init__(
        self,
        url: str,
        callback: Callback,
        *,
        cluster: str,
        stream: str,
        headers: Mapping[str, str],
        last_event_id: str | None,
        reconnect_delay: float,
        max_reconnect_delay: float,
        timeout: httpx.Timeout,
        from_offset: int | None = None,
        types: Sequence[str] | None = None,
    ) -> None:
        self.cluster = cluster
        self.stream = stream
        query = {}
        if from_offset is not None:
            query["from_offset"] = str(from_offset)
        if types is not None:
            query["types"] = ",".join(types)
        self._url = f"{url.rstrip('/')}{PREFIX}/{quote(cluster, safe='')}/{quote(stream, safe='')}"
        if query:
            self._url += f"?{urlencode(query)}"
        self._callback = callback
        self._headers = dict(headers)
        self._last_event_id = last_event_id
        self._delays = (reconnect_delay, max_reconnect_delay)
        self._client = httpx.AsyncClient(timeout=timeout)
        self._task: asyncio.Task[None] | None = None
        self._error: BaseException | None = None
        self.connections = 0
        """How many times the stream was (re)opened."""

    @property
    def last_event_id(self) -> str | None:
        """The SSE id of the last event received (its offset): what a reconnection resumes after."""
        return self._last_event_id

    @property
    def error(self) -> BaseException | None:
        """What stopped the subscription on its own (a refused reconnection), if anything did."""
        return self._error

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._run(ready))
        try:
            await ready
        except BaseException:
            await self.aclose()
            raise

    async def wait(self) -> BaseException | None:
        """Wait until the subscription stops by itself (a reconnection refused); returns `error`."""
        if self._task is not None:
            await asyncio.wait([self._task])
        return self._error

    async def aclose(self) -> None:
        """Stop: close the stream and wait until the callback is no longer called."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task])  # unlike awaiting it, lets a cancellation of ours through
        await self._client.aclose()

    async def __call__(self) -> None:
        await self.aclose()

    async def _run(self, ready: asyncio.Future[None]) -> None:
        delay = self._delays[0]
        while True:
            try:
                await self._connect(ready)
                if ready.done():
                    delay = self._delays[0]
            except SseError as error:
                if not ready.done():
                    ready.set_exception(error)
                    return
                if error.status_code < 500:  # refused (403, 404...): retrying would not change that
                    _log.error("SSE subscription to %s stopped: %s", self._url, error)
                    self._error = error
                    return
                _log.warning("SSE stream %s: %s; reconnecting", self._url, error)
            except (httpx.HTTPError, SSEError) as error:
                if not ready.done():
                    ready.set_exception(SseError(f"cannot subscribe to {self._url}: {error}"))
                    return
                _log.warning("SSE stream %s dropped: %s; reconnecting", self._url, error)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._delays[1])

    async def _connect(self, ready: asyncio.Future[None]) -> None:
        headers = dict(self._headers)
        if self._last_event_id is not None:
            headers["Last-Event-ID"] = self._last_event_id
        async with aconnect_sse(self._client, "GET", self._url, headers=headers) as source:
            response = source.response
            if response.status_code != 200:
                raise _status_error(response.status_code, (await response.aread()).decode(errors="replace"))
            attached = False
            async for message in source.aiter_sse():
                if not attached:  # the first message (retry:) says the subscription is attached
                    attached = True
                    self.connections += 1
                    if not ready.done():
                        ready.set_result(None)
                if not message.data:  # the retry: message; as in browsers, no data is no event
                    continue
                event = from_stream(message.id, message.event, message.data, self.cluster, self.stream)
                self._last_event_id = message.id
                try:
                    result = self._callback(event)
                    if inspect.isawaitable(result):
                        await result
                except Exception:
                    _log.exception("SSE callback failed on event %s (%s)", event.id, event.event)


async def subscribe(
    url: str,
    callback: Callback,
    *,
    cluster: str = "default",
    stream: str = "default",
    headers: Mapping[str, str] | None = None,
    last_event_id: str | None = None,
    from_offset: int | None = None,
    types: Sequence[str] | None = None,
    reconnect_delay: float = 0.5,
    max_reconnect_delay: float = 10.0,
    timeout: float = 10.0,
    read_timeout: float | None = 45.0,
) -> SseSubscription:
    """Subscribe to (cluster, stream) on the node at `url`, calling `callback` with each event.

    Returns once the node has accepted the subscription (raising SseForbidden, SseUnauthorized or
    SseError if it refused or could not be reached): every event pushed after that reaches
    `callback`, in order. With `last_event_id` (an offset, as `subscription.last_event_id` gives)
    or `from_offset`, the events of the stream's log after it (from it) come first. `types` keeps
    only the events of those qualified type names. A dropped stream is reopened (waiting
    `reconnect_delay`, doubling up to `max_reconnect_delay`) with Last-Event-ID, so what was
    missed is replayed, from the node's cache or the stream's log; a reconnection the node refuses (4xx) stops the subscription (see `error`). With
    `read_timeout` (longer than the node's ping interval, 15 s), a silent connection counts as
    dropped. An exception of `callback` is logged, and the next event is delivered.
    """
    subscription = SseSubscription(
        url,
        callback,
        cluster=cluster,
        stream=stream,
        headers=headers or {},
        last_event_id=last_event_id,
        from_offset=from_offset,
        types=types,
        reconnect_delay=reconnect_delay,
        max_reconnect_delay=max_reconnect_delay,
        timeout=httpx.Timeout(timeout, read=read_timeout),
    )
    await subscription.start()
    return subscription
