"""What travels over SSE: the event, the errors, and the two wire formats.

A subscriber's stream carries one SSE message per event: `id:` the event id, `event:` the event
type's qualified name, and `data:` a JSON object `{"version": "<hash>", "data": <the event>}`
(cluster and stream are those of the URL). A publish POST carries
`{"forward": bool, "events": [{"id", "event", "version", "data", "stream"}]}`, where `data` is the
event's JSON text as a string and the cluster is the URL's.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["SseError", "SseEvent", "SseForbidden", "SseUnauthorized"]

PREFIX = "/restagen/sse"
"""Where a hub's routes are: `{PREFIX}/{cluster}/{stream}` and `{PREFIX}/{cluster}/publish`."""

_ENVELOPE = '{"version":'
_DATA = ',"data":'
_decoder = json.JSONDecoder()


class SseError(Exception):
    """An SSE request was refused or failed; `status_code` is the HTTP status it maps to.

    SseError
     ├── SseUnauthorized   401: no credentials (a publish without a signature)
     └── SseForbidden      403: credentials refused (a bad signature, a middleware saying no)
    """

    status_code = 500

    def __init__(self, message: str = "", *, status_code: int | None = None) -> None:
        super().__init__(message)
        if status_code is not None:
            self.status_code = status_code


class SseUnauthorized(SseError):
    status_code = 401


class SseForbidden(SseError):
    status_code = 403


@dataclass(frozen=True)
class SseEvent:
    """One event, as SSE subscribers get it."""

    id: str
    """The event id (a uuid string), unique per event: the SSE id and what Last-Event-ID names."""
    event: str
    """The event type's qualified name, e.g. `ftgo.orders.OrderPlaced`."""
    version: str
    """The event type's version hash."""
    data: str
    """The event as JSON text."""
    cluster: str
    stream: str


def stream_data(event: SseEvent) -> str:
    """The `data:` of the SSE message of `event` (its JSON text spliced in, not re-encoded)."""
    return f"{_ENVELOPE}{json.dumps(event.version)}{_DATA}{event.data}}}"


def from_stream(id_: str, name: str, data: str, cluster: str, stream: str) -> SseEvent:
    """The event of an SSE message written by `stream_data`; the event's JSON text comes back as sent."""
    if data.startswith(_ENVELOPE):
        try:
            version, end = _decoder.raw_decode(data, len(_ENVELOPE))
        except ValueError:
            version, end = None, 0
        if isinstance(version, str) and data.startswith(_DATA, end) and data.endswith("}"):
            return SseEvent(id_, name, version, data[end + len(_DATA) : -1], cluster, stream)
    envelope = json.loads(data)  # another writer's spacing: decode and re-encode compactly
    text = json.dumps(envelope["data"], separators=(",", ":"), ensure_ascii=False)
    return SseEvent(id_, name, str(envelope["version"]), text, cluster, stream)


def publish_body(events: Sequence[SseEvent], *, forward: bool) -> bytes:
    """The body of a publish POST (the events of one cluster)."""
    rows = [{key: value for key, value in asdict(event).items() if key != "cluster"} for event in events]
    return json.dumps({"forward": forward, "events": rows}, separators=(",", ":")).encode()


def parse_publish(body: bytes, cluster: str) -> tuple[list[SseEvent], bool]:
    """The events of a publish POST to `cluster`, and whether to forward them; ValueError if malformed."""
    payload: Any = json.loads(body)
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise ValueError('expected {"forward": bool, "events": [...]}')
    forward = payload.get("forward", True)
    if not isinstance(forward, bool):
        raise ValueError("forward must be a boolean")
    events = []
    for index, row in enumerate(payload["events"]):
        fields = ("id", "event", "version", "data", "stream")
        if not isinstance(row, dict) or not all(isinstance(row.get(name), str) for name in fields):
            raise ValueError(f"events[{index}] needs the strings {', '.join(fields)}")
        if row.get("cluster", cluster) != cluster:
            raise ValueError(f"events[{index}] is of cluster {row['cluster']!r}, posted to {cluster!r}")
        json.loads(row["data"])  # a subscriber's stream splices it in: it must be JSON
        events.append(SseEvent(row["id"], row["event"], row["version"], row["data"], cluster, row["stream"]))
    return events, forward
