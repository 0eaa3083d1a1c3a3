"""The log of a stream, on a fake context: offsets in order across appends, each SSE entry naming
the SSE entry before it, retention by count and by age, pages from an offset, and a failure queue
that keeps its bound."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from restagen.runtime.events import EventEnvelope, EventLog, EventRegistry, EventSubscription, Undelivered
from restagen.runtime.events._wire import AppendRequest, ReadRequest, UndeliveredSelection
from restagen.testing import FakeContext

HOUR_MS = 3_600_000


def _event(n: int) -> EventEnvelope:
    return EventEnvelope(id=f"e{n}", type="shop.Placed", version="v1", data=f'{{"n":{n}}}')


def _append(log: EventLog, ctx: FakeContext, numbers: range, *, at: int, sse: bool = True) -> None:
    request = AppendRequest(cluster="c", stream="s", events=tuple(map(_event, numbers)), sse=sse, at=at)
    asyncio.run(log.append(ctx, request))  # type: ignore[arg-type]


def _read(log: EventLog, ctx: FakeContext, from_offset: int = 0, limit: int = 100) -> Any:
    return asyncio.run(log.read(ctx, ReadRequest(from_offset=from_offset, limit=limit)))  # type: ignore[arg-type]


def test_appends_get_offsets_in_order_and_sse_entries_name_the_one_before() -> None:
    log, ctx = EventLog(), FakeContext(key="c/s")
    _append(log, ctx, range(2), at=1)
    _append(log, ctx, range(2, 3), at=2, sse=False)
    _append(log, ctx, range(3, 5), at=3)
    page = _read(log, ctx)
    assert [(e.offset, e.event.id, e.sse, e.previous) for e in page.entries] == [
        (0, "e0", True, None),
        (1, "e1", True, 0),
        (2, "e2", False, 1),
        (3, "e3", True, 1),
        (4, "e4", True, 3),
    ]
    assert (page.next, page.first, page.end) == (5, 0, 5)
    partial = _read(log, ctx, from_offset=1, limit=2)
    assert [e.offset for e in partial.entries] == [1, 2] and partial.next == 3


def test_the_log_keeps_at_most_max_events_dropping_the_oldest() -> None:
    log, ctx = EventLog(max_events=3), FakeContext(key="c/s")
    _append(log, ctx, range(2), at=1)
    _append(log, ctx, range(2, 5), at=2)
    page = _read(log, ctx)
    assert [e.offset for e in page.entries] == [2, 3, 4] and page.first == 2
    assert "e0" not in ctx.state and "e1" not in ctx.state  # dropped entries free their state
    assert [e.offset for e in _read(log, ctx, from_offset=0).entries] == [2, 3, 4]


def test_the_log_drops_events_older_than_max_age() -> None:
    log, ctx = EventLog(max_age=timedelta(hours=1)), FakeContext(key="c/s")
    _append(log, ctx, range(2), at=0)
    _append(log, ctx, range(2, 3), at=HOUR_MS // 2)
    _append(log, ctx, range(3, 4), at=HOUR_MS + 1)  # the first two are now older than an hour
    page = _read(log, ctx)
    assert [e.offset for e in page.entries] == [2, 3] and (page.first, page.end) == (2, 4)


def test_the_failure_queue_keeps_its_bound_and_counts_what_it_drops() -> None:
    registry, ctx = EventRegistry(max_undelivered=2), FakeContext(key="default")
    subscription = EventSubscription(
        type="shop.Placed", version="v0", component="c", handler="h", kind="service"
    )
    items = tuple(Undelivered(event=_event(n), subscription=subscription, reason="version") for n in range(3))
    asyncio.run(registry.keep(ctx, items[:2]))  # type: ignore[arg-type]
    asyncio.run(registry.keep(ctx, items[2:]))  # type: ignore[arg-type]
    report = asyncio.run(registry.report(ctx))  # type: ignore[arg-type]
    assert [(i.number, i.event.id) for i in report.items] == [(2, "e1"), (3, "e2")]
    assert (report.dropped, report.bound) == (1, 2)
    after = asyncio.run(registry.drop(ctx, UndeliveredSelection(numbers=(2,))))  # type: ignore[arg-type]
    assert [i.number for i in after.items] == [3] and after.dropped == 1
