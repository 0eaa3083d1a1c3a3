"""The durable log of a stream: a virtual object (`restagen_event_log`) keyed by (cluster, stream).

Every event published to a stream is appended with an offset (0, 1, 2... per stream). `append`
is exclusive, so offsets follow the order in which publishes reach the log, and it pushes the
events meant for SSE to this node's hub (which fans out to its peers) before the next append
starts: every node sees a stream's events in offset order. Each entry is its own state key, so an
append costs what it adds, not the size of the log. Retention is bounded by a count and an age:
an append first adds, then drops the oldest entries beyond `max_events` or older than `max_age`.
`read` (shared) returns a page of entries from an offset; it is how SSE nodes replay what their
in-memory cache no longer holds (after a restart of the node or of the server), and what `pull`
reads.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Final
from urllib.parse import quote, unquote

import restate
from pydantic import BaseModel, ConfigDict

from restagen.runtime._core.codecs import JsonCodec
from restagen.runtime._core.specs import ComponentSpec, HandlerSpec
from restagen.runtime.events._wire import AppendRequest, LogEntry, LogPage, ReadRequest

__all__ = ["APPEND", "LOG", "READ", "EventLog", "LogPush", "log_key", "log_spec", "split_log_key"]

LOG: Final = "restagen_event_log"
_META = "log"
_MAX_PAGE = 1000

APPEND: Final = HandlerSpec[AppendRequest, None](
    component=LOG, name="append", kind="exclusive", input=JsonCodec(AppendRequest), output=None
)
READ: Final = HandlerSpec[ReadRequest, LogPage](
    component=LOG, name="read", kind="shared", input=JsonCodec(ReadRequest), output=JsonCodec(LogPage)
)

LogPush = Callable[[str, str, Sequence[LogEntry]], Awaitable[None]]
"""Pushes appended entries of (cluster, stream) to the SSE subscribers of the node and its peers."""


def log_key(cluster: str, stream: str) -> str:
    """The key of the log of (cluster, stream): both parts escaped, so that any names are one key."""
    return f"{quote(cluster, safe='')}/{quote(stream, safe='')}"


def split_log_key(key: str) -> tuple[str, str]:
    cluster, _, stream = key.partition("/")
    return unquote(cluster), unquote(stream)


def log_spec() -> ComponentSpec:
    return ComponentSpec(
        kind="object",
        name=LOG,
        handlers=(APPEND, READ),
        description="restagen events: the log of one stream of a cluster, with offsets",
    )


class _Meta(BaseModel):
    """The bounds of a log (`first` and `next`, `LogPage`'s `first` and `end`), and the last offset
    that went to SSE."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    first: int = 0
    next: int = 0
    last_sse: int | None = None


_META_CODEC = JsonCodec(_Meta)
_ENTRY = JsonCodec(LogEntry)


def _entry_key(offset: int) -> str:
    return f"e{offset}"


class EventLog:
    """The implementation of the log: keeps at most `max_events` entries, none older than `max_age`."""

    def __init__(
        self, *, max_events: int = 10_000, max_age: timedelta = timedelta(days=7), sse: LogPush | None = None
    ) -> None:
        if max_events < 1:
            raise ValueError("a log keeps at least one event")
        self.max_events = max_events
        self.max_age = max_age
        self._sse = sse

    async def append(self, ctx: restate.ObjectContext, request: AppendRequest) -> None:
        meta = await ctx.get(_META, serde=_META_CODEC) or _Meta()
        now = request.at if request.at is not None else await ctx.run_typed("now", _now_ms)
        offset, last_sse = meta.next, meta.last_sse
        entries = []
        for event in request.events:
            entry = LogEntry(offset=offset, at=now, event=event, sse=request.sse, previous=last_sse)
            ctx.set(_entry_key(offset), entry, serde=_ENTRY)
            entries.append(entry)
            if request.sse:
                last_sse = offset
            offset += 1
        first = max(meta.first, offset - self.max_events)
        for dropped in range(meta.first, first):
            ctx.clear(_entry_key(dropped))
        oldest = now - int(self.max_age.total_seconds() * 1000)
        while first < meta.next:  # what this append added is never older than max_age
            kept = await ctx.get(_entry_key(first), serde=_ENTRY)
            if kept is not None and kept.at >= oldest:
                break
            ctx.clear(_entry_key(first))
            first += 1
        ctx.set(_META, _Meta(first=first, next=offset, last_sse=last_sse), serde=_META_CODEC)
        pushed = [entry for entry in entries if entry.sse]
        if pushed and self._sse is not None:
            push = self._sse
            cluster, stream = request.cluster, request.stream

            async def to_sse() -> None:
                await push(cluster, stream, pushed)

            await ctx.run_typed("sse", to_sse)

    async def read(self, ctx: restate.ObjectSharedContext, request: ReadRequest) -> LogPage:
        meta = await ctx.get(_META, serde=_META_CODEC) or _Meta()
        start = max(request.from_offset, meta.first)
        end = min(meta.next, start + max(1, min(request.limit, _MAX_PAGE)))
        entries = []
        for offset in range(start, end):
            entry = await ctx.get(_entry_key(offset), serde=_ENTRY)
            if entry is not None:
                entries.append(entry)
        return LogPage(entries=tuple(entries), next=max(end, start), first=meta.first, end=meta.next)


def _now_ms() -> int:
    return time.time_ns() // 1_000_000
