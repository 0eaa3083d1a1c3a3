"""What an endpoint with a `pubsub` section serves for events: the registry and the stream logs,
wired to the node's SSE hub (pushes go to it; it reads the logs through the ingress).

The SSE package is optional: the hub is passed in as the object it is, untyped, and nothing of
`restagen.runtime.sse` is imported here unless there is a hub.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from restagen.runtime._endpoint.sections import PubSubConfig
from restagen.runtime.events._log import READ, EventLog, LogPush, log_key, log_spec
from restagen.runtime.events._registry import EventRegistry, registry_spec
from restagen.runtime.events._wire import LogEntry, ReadRequest

if TYPE_CHECKING:
    from restagen.runtime.sse import SseEvent

__all__ = ["event_components", "log_reader"]


def event_components(pubsub: PubSubConfig, hub: Any, bind: Any) -> list[Any]:
    """The registry and the log, bound with `bind` (spec, implementation) -> component."""
    return [
        bind(registry_spec(), EventRegistry(max_undelivered=pubsub.undelivered_max)),
        bind(
            log_spec(),
            EventLog(
                max_events=pubsub.log_max_events,
                max_age=pubsub.log_max_age,
                sse=_pusher(hub) if hub is not None else None,
            ),
        ),
    ]


def _pusher(hub: Any) -> LogPush:
    async def push(cluster: str, stream: str, entries: Sequence[LogEntry]) -> None:
        await hub.push([_sse_event(entry, cluster, stream) for entry in entries])

    return push


def log_reader(ingress_url: str | Sequence[str], headers: dict[str, str] | None = None) -> Any:
    """A hub's `LogReader` reading the logs through the ingress at `ingress_url` (or several)."""
    from restagen.runtime._core.ingress import Ingress

    async def read(cluster: str, stream: str, from_offset: int) -> tuple[list[SseEvent], int]:
        async with Ingress(ingress_url, headers=headers) as ingress:
            page = await ingress.call(
                READ, ReadRequest(from_offset=from_offset), key=log_key(cluster, stream)
            )
        events = [_sse_event(entry, cluster, stream) for entry in page.entries if entry.sse]
        return events, page.next

    return read


def _sse_event(entry: LogEntry, cluster: str, stream: str) -> SseEvent:
    """A log entry as the SSE hub pushes it to the subscribers of its stream."""
    from restagen.runtime.sse import SseEvent

    return SseEvent(
        id=entry.event.id,
        event=entry.event.type,
        version=entry.event.version,
        data=entry.event.data,
        cluster=cluster,
        stream=stream,
        offset=entry.offset,
        previous=entry.previous,
    )
