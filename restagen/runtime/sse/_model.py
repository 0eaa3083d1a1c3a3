"""What travels over SSE: the event, the errors, and the two wire formats.

A subscriber's stream carries one SSE message per event: `id:` the event's offset in its stream's
log (the event id, for an event pushed without one), `event:` the event type's qualified name,
and `data:` a JSON object `{"version": "<hash>", "id": "<event id>", "data": <the event>}`
(cluster and stream are those of the URL). A publish POST carries
`{"forward": bool, "events": [{"id", "event", "version", "data", "stream", "offset", "previous"}]}`,
where `data` is the event's JSON text as a string, the cluster is the URL's, and `offset` and
`previous` (the offset of the stream's SSE event before it) may be null.
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
_ID = ',"id":'
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
    offset: int | None = None
    """Its offset in the log of its stream (None: pushed to a hub directly, not published)."""
    previous: int | None = None
    """The offset of the event of the stream before it that went to SSE (None: none did)."""

    @property
    def sse_id(self) -> str:
        """What its SSE message's `id:` is, and what Last-Event-ID names: the offset if it has one."""
        return self.id if self.offset is None else str(self.offset)


def stream_data(event: SseEvent) -> str:
    """The `data:` of the SSE message of `event` (its JSON text spliced in, not re-encoded)."""
    return f"{_ENVELOPE}{json.dumps(event.version)}{_ID}{json.dumps(event.id)}{_DATA}{event.data}}}"


def offset_of(sse_id: str) -> int | None:
    """The offset an SSE id (Last-Event-ID) names; None for the id of an event pushed without one."""
    return int(sse_id) if sse_id.isdigit() and sse_id.isascii() else None


def from_stream(id_: str, name: str, data: str, cluster: str, stream: str) -> SseEvent:
    """The event of an SSE message written by `stream_data`; the event's JSON text comes back as sent."""
    if data.startswith(_ENVELOPE):
        try:
            version, end = _decoder.raw_decode(data, len(_ENVELOPE))
            event_id: Any = id_
            if data.startswith(_ID, end):
                event_id, end = _decoder.raw_decode(data, end + len(_ID))
        except ValueError:
            version, end = None, 0
        if (
            isinstance(version, str)
            and isinstance(event_id, str)
            and data.startswith(_DATA, end)
            and data.endswith("}")
        ):
            offset = offset_of(id_) if event_id != id_ else None
            return SseEvent(event_id, name, version, data[end + len(_DATA) : -1], cluster, stream, offset)
    envelope = json.loads(data)  # another writer's spacing: decode and re-encode compactly
    text = json.dumps(envelope["data"], separators=(",", ":"), ensure_ascii=False)
    event_id = str(envelope.get("id", id_))
    offset = offset_of(id_) if event_id != id_ else None
    return SseEvent(event_id, name, str(envelope["version"]), text, cluster, stream, offset)


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
        positions = (row.get("offset"), row.get("previous"))
        if not all(value is None or (type(value) is int and value >= 0) for value in positions):
            raise ValueError(f"events[{index}]: offset and previous are offsets (integers) or null")
        json.loads(row["data"])  # a subscriber's stream splices it in: it must be JSON
        events.append(
            SseEvent(row["id"], row["event"], row["version"], row["data"], cluster, row["stream"], *positions)
        )
    return events, forward
