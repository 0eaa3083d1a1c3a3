"""Typed SSE subscribers: each event of a stream decoded into its generated model.

Generated `events` modules call `subscribe_events` with their event specs. An event of another
type on the stream is not for this subscriber and is skipped; an event of a known type in a
version the subscriber was not generated for is not decoded: it is logged, and handed to
`on_mismatch` when one is given. Importing this module needs nothing of the `sse` extra;
subscribing does.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from restagen.runtime.events._spec import EventSpec

if TYPE_CHECKING:
    from restagen.runtime.sse import SseEvent, SseSubscription

__all__ = ["subscribe_events"]

T = TypeVar("T")

_log = logging.getLogger("restagen.events")


async def subscribe_events(
    url: str,
    specs: Sequence[EventSpec[Any]],
    callback: Callable[[T], Awaitable[None] | None],
    *,
    cluster: str = "default",
    stream: str = "default",
    headers: Mapping[str, str] | None = None,
    last_event_id: str | None = None,
    from_offset: int | None = None,
    on_mismatch: Callable[[SseEvent], Awaitable[None] | None] | None = None,
) -> SseSubscription:
    """Subscribe to `stream` of `cluster` at the SSE node `url`, calling `callback` with each
    event of `specs`, decoded (the node sends only those types); `await subscription()` stops it.
    With `last_event_id` (an offset) or `from_offset`, the stream's log is replayed from there."""
    from restagen.runtime.sse import subscribe

    by_name = {spec.name: spec for spec in specs}

    async def deliver(event: SseEvent) -> None:
        spec = by_name.get(event.event)
        if spec is None:
            return
        if event.version != spec.version:
            _log.warning(
                "event %s: %s version %s, this subscriber takes version %s",
                event.id,
                event.event,
                event.version,
                spec.version,
            )
            if on_mismatch is not None:
                outcome = on_mismatch(event)
                if inspect.isawaitable(outcome):
                    await outcome
            return
        outcome = callback(spec.codec.decode(event.data.encode()))
        if inspect.isawaitable(outcome):
            await outcome

    return await subscribe(
        url,
        deliver,
        cluster=cluster,
        stream=stream,
        headers=headers,
        last_event_id=last_event_id,
        from_offset=from_offset,
        types=list(by_name),
    )
