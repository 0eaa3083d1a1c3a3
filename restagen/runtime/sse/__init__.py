"""Server-Sent Events: events pushed to subscribers outside Restate (browsers, dashboards, scripts).

Needs the `sse` extra (`pip install 'restagen[sse]'`: sse-starlette, starlette, httpx-sse); the rest
of the runtime imports nothing of this package.

Each node of a deployment runs one `SseHub`, mounted in front of its ASGI app:

    hub = SseHub.from_config(config.pubsub, middleware=[check_token])
    app = hub.mount(endpoint.app())
    await hub.push([SseEvent(id, "ftgo.orders.OrderPlaced", version, data, "default", "orders")])

`hub.mount(app)` serves, and passes every other request (and lifespan events) to `app` untouched:

- `GET /restagen/sse/{cluster}/{stream}`: a subscription. The hub's middleware
  (`async (starlette.requests.Request) -> None`) run first; one raising `SseForbidden` (or another
  `SseError`) refuses it with that status (403). The stream opens with a `retry:` message, then
  each event as `id: <its offset in the stream's log>`, `event: <qualified type name>`,
  `data: {"version": "<hash>", "id": "<event id>", "data": <the event's JSON>}`. With a
  `Last-Event-ID` header (or a `last_event_id` query parameter; or `from_offset`, the first
  offset wanted), the events that followed that offset come first: from the node's cache, or from
  the stream's log (through `reader`) when the cache does not cover it, as after a restart. Each
  event after the offset is sent once, in order. `types` (comma-separated) filters by type.
- `POST /restagen/sse/{cluster}/publish`: events from the processor or a peer node, signed with
  the shared secret (`restagen-signature: t=<unix time>,v1=<HMAC-SHA256 hex of "t.cluster." +
  body>`). No signature: 401; a bad one, one older (or newer) than 5 minutes, or one already
  used: 403; and nothing is delivered. A hub without a secret has no publish route (404).

`hub.push(events)` delivers to this node's subscribers of each event's (cluster, stream), keeps
the events in that pair's replay cache (the last `buffer_size`), and posts them to every peer
(`peers`, and the addresses `discover` resolves to), which deliver them without forwarding: no
loops. An event whose id a buffer already holds is ignored, so a retried push delivers once.
Fan-out is best effort: an unreachable peer is logged, and its subscribers catch up from the
log, at the next event or when they reconnect. A subscriber too slow to keep up with `buffer_size`
queued events has its stream ended, and resumes by reconnecting.

`subscribe(url, callback, cluster=..., stream=...)` is the Python subscriber; it returns a
`SseSubscription` once the node has attached it; `await subscription()` (or `aclose()`) stops it.
`post_events(url, events, secret=...)` publishes to a node from another process.
"""

try:
    import httpx_sse  # noqa: F401
    import sse_starlette  # noqa: F401
    import starlette  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised in a subprocess
    raise ImportError(
        f"restagen.runtime.sse needs the sse extra: pip install 'restagen[sse]' ({error})"
    ) from error

from restagen.runtime.sse._client import Callback, SseSubscription, post_events, subscribe
from restagen.runtime.sse._hub import LogReader, Resolver, SseHub, SseMiddleware, resolve
from restagen.runtime.sse._model import PREFIX, SseError, SseEvent, SseForbidden, SseUnauthorized
from restagen.runtime.sse._signing import SIGNATURE_HEADER, Verifier, sign

__all__ = [
    "PREFIX",
    "SIGNATURE_HEADER",
    "Callback",
    "LogReader",
    "Resolver",
    "SseError",
    "SseEvent",
    "SseForbidden",
    "SseHub",
    "SseMiddleware",
    "SseSubscription",
    "SseUnauthorized",
    "Verifier",
    "post_events",
    "resolve",
    "sign",
    "subscribe",
]
