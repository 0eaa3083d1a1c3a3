"""SSE with offsets: the hub's cache is only a cache of the streams' logs. A subscriber resuming
from an offset gets what followed it once and in order, from the log where the cache lacks it,
then from the cache, then live; a live event that shows the node missed one fills the gap from
the log first; `types` filters by type. The log here is a list behind a `LogReader`."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Sequence

from restagen.local.serve import running
from restagen.runtime.sse import SseEvent, SseHub, subscribe
from restagen.runtime.sse._model import from_stream, stream_data
from tests.polling import DEADLINE, until

TYPES = ("shop.Placed", "shop.Cancelled")


def _log(count: int) -> list[SseEvent]:
    """`count` events of stream (default, s), each pushed to SSE, at offsets 0, 1, 2..."""
    return [
        SseEvent(
            str(uuid.uuid4()),
            TYPES[n % 2],
            "v1",
            json.dumps({"n": n}),
            "default",
            "s",
            offset=n,
            previous=n - 1 if n else None,
        )
        for n in range(count)
    ]


class Reader:
    """Reads pages of two events from `log`; counts the reads."""

    def __init__(self, log: list[SseEvent]) -> None:
        self.log = log
        self.reads: list[int] = []

    async def __call__(self, cluster: str, stream: str, from_offset: int) -> tuple[Sequence[SseEvent], int]:
        self.reads.append(from_offset)
        page = [e for e in self.log if e.offset is not None and e.offset >= from_offset][:2]
        return page, (page[-1].offset + 1 if page and page[-1].offset is not None else from_offset)


async def _app(hub: SseHub) -> object:
    async def nothing(scope: object, receive: object, send: object) -> None:
        raise AssertionError("not an SSE request")

    return hub.mount(nothing)


def _offsets(events: list[SseEvent]) -> list[int | None]:
    return [e.offset for e in events]


def test_a_resuming_subscriber_gets_the_log_then_the_cache_then_live_events_once() -> None:
    log = _log(8)
    reader = Reader(log)
    hub = SseHub(reader=reader)
    hub.deliver(log[4:6])  # the node (restarted) holds only 4 and 5

    async def scenario() -> list[int | None]:
        async with running(await _app(hub)) as url:
            got: list[SseEvent] = []
            subscription = await subscribe(url, got.append, stream="s", last_event_id="1")
            await until(lambda: len(got) >= 4, "the replay", DEADLINE)
            hub.deliver(log[6:8])
            await until(lambda: len(got) >= 6, "the live events", DEADLINE)
            await subscription()
            return _offsets(got)

    assert asyncio.run(scenario()) == [2, 3, 4, 5, 6, 7]
    assert reader.reads[0] == 2


def test_a_cache_that_covers_the_offset_is_replayed_without_reading_the_log() -> None:
    log = _log(6)
    reader = Reader(log)
    hub = SseHub(reader=reader)
    hub.deliver(log[2:6])

    async def scenario() -> list[int | None]:
        async with running(await _app(hub)) as url:
            got: list[SseEvent] = []
            subscription = await subscribe(url, got.append, stream="s", last_event_id="1")
            await until(lambda: len(got) >= 4, "the replay", DEADLINE)
            await subscription()
            return _offsets(got)

    assert asyncio.run(scenario()) == [2, 3, 4, 5]
    assert reader.reads == []


def test_a_live_event_after_one_this_node_missed_fills_the_gap_from_the_log() -> None:
    log = _log(4)
    hub = SseHub(reader=Reader(log))

    async def scenario() -> list[int | None]:
        async with running(await _app(hub)) as url:
            got: list[SseEvent] = []
            subscription = await subscribe(url, got.append, stream="s", from_offset=0)
            hub.deliver([log[0], log[1]])
            await until(lambda: len(got) >= 2, "the first events", DEADLINE)
            hub.deliver([log[3]])  # 2 never reached this node
            await until(lambda: len(got) >= 4, "the gap and the event", DEADLINE)
            await subscription()
            return _offsets(got)

    assert asyncio.run(scenario()) == [0, 1, 2, 3]


def test_from_offset_and_types_filter_what_a_subscriber_gets() -> None:
    log = _log(6)
    hub = SseHub(reader=Reader(log))

    async def scenario() -> tuple[list[int | None], str | None]:
        async with running(await _app(hub)) as url:
            got: list[SseEvent] = []
            subscription = await subscribe(
                url, got.append, stream="s", from_offset=1, types=["shop.Cancelled"]
            )
            await until(lambda: len(got) >= 3, "the cancelled events", DEADLINE)
            await subscription()
            return _offsets(got), subscription.last_event_id

    assert asyncio.run(scenario()) == ([1, 3, 5], "5")


def test_an_event_with_an_offset_round_trips_through_its_sse_message() -> None:
    (first, second) = _log(2)
    for event in (first, second, SseEvent("an-id", "shop.Placed", "v1", "{}", "default", "s")):
        back = from_stream(event.sse_id, event.event, stream_data(event), "default", "s")
        assert (back.id, back.offset, back.data, back.version) == (event.id, event.offset, event.data, "v1")


def test_a_failed_read_of_the_log_ends_the_stream_and_the_subscriber_resumes() -> None:
    log = _log(4)
    reader = Reader(log)
    failing = [True]

    async def flaky(cluster: str, stream: str, from_offset: int) -> tuple[Sequence[SseEvent], int]:
        if failing.pop() if failing else False:
            raise ConnectionError("the ingress is down")
        return await reader(cluster, stream, from_offset)

    hub = SseHub(reader=flaky)

    async def scenario() -> tuple[list[int | None], int]:
        async with running(await _app(hub)) as url:
            got: list[SseEvent] = []
            subscription = await subscribe(
                url, got.append, stream="s", last_event_id="0", reconnect_delay=0.05
            )
            await until(lambda: len(got) >= 3, "the events after offset 0", DEADLINE)
            await subscription()
            return _offsets(got), subscription.connections

    offsets, connections = asyncio.run(scenario())
    assert offsets == [1, 2, 3] and connections == 2
