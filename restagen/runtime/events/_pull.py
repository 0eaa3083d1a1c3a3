"""Reading a stream's log from outside handlers: `pull` a page of entries from an offset.

A reader keeps the offset it has reached (`LogPage.next` after a page) and pulls again from it,
whenever it likes: after a restart of itself, of the endpoint or of the server, it resumes
where it was, with nothing missed or repeated while the log still keeps that offset (see the
retention settings). `pull_events` decodes the entries of known types into their models.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from restagen.runtime._core.ingress import Ingress
from restagen.runtime.events._log import READ, log_key
from restagen.runtime.events._spec import EventSpec
from restagen.runtime.events._wire import LogPage, ReadRequest

__all__ = ["PulledEvent", "pull", "pull_events"]


async def pull(
    ingress: Ingress,
    *,
    cluster: str = "default",
    stream: str = "default",
    from_offset: int = 0,
    limit: int = 100,
) -> LogPage:
    """The entries of the log of (cluster, stream) from `from_offset` (at most `limit`, up to 1000)."""
    return await ingress.call(
        READ, ReadRequest(from_offset=from_offset, limit=limit), key=log_key(cluster, stream)
    )


PulledEvent = tuple[int, Any]
"""An event pulled from a log: its offset, and the event as its model."""


async def pull_events(
    ingress: Ingress,
    specs: Sequence[EventSpec[Any]],
    *,
    cluster: str = "default",
    stream: str = "default",
    from_offset: int = 0,
    limit: int = 100,
) -> tuple[list[PulledEvent], int]:
    """The events of `specs` in the log of (cluster, stream) from `from_offset`, decoded, with
    their offsets; and the offset to pull from next. Entries of other types, or of versions
    `specs` do not name, are passed over."""
    page = await pull(ingress, cluster=cluster, stream=stream, from_offset=from_offset, limit=limit)
    by_name = {spec.name: spec for spec in specs}
    events = []
    for entry in page.entries:
        spec = by_name.get(entry.event.type)
        if spec is not None and spec.version == entry.event.version:
            events.append((entry.offset, spec.codec.decode(entry.event.data.encode())))
    return events, page.next
