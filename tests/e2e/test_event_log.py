"""The durable log of a stream, on a real Restate server of the test's own: SSE subscribers and
`pull` resume from an offset after the SSE node and the server have both restarted, with nothing
missed or repeated. And the failure queue: bounded, listed, retried and dropped from the CLI."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from restagen.cli import main as restagen
from restagen.local.server import LocalRestate
from restagen.runtime import Ingress, PubSubConfig, SyncIngress
from restagen.runtime.events import EventSubscription, IngressPublisher, SubscribeRequest, pull
from restagen.runtime.events._registry import SUBSCRIBE
from restagen.runtime.sse import SseEvent, subscribe
from tests.generated import generated
from tests.polling import until, wait_until

HERE = Path(__file__).resolve().parent

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def news(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with generated(tmp_path_factory.mktemp("news"), HERE / "news", "news", "impl") as out:
        yield out


def _node(news: Path, server: LocalRestate, endpoint: Any) -> Any:
    env = {"RESTAGEN_PUBSUB__CLUSTER": "default", "RESTAGEN_INGRESS__URL": server.ingress_url}
    return endpoint("impl:app", [news, HERE / "news"], env=env, server=server)


async def _publish(ingress_url: str, *texts: str, stream: str = "log", sse: bool = True) -> list[str]:
    from news.events import NewsEvents
    from news.models import Posted

    async with Ingress(ingress_url) as ingress:
        events = NewsEvents(IngressPublisher(ingress, PubSubConfig()))
        ids: list[str] = []
        for text in texts:
            ids += await events.posted(Posted(post_id=text, text=text), stream=stream, sse=sse)
        return ids


async def _texts_from(
    url: str, count: int, **options: Any
) -> tuple[list[tuple[int | None, str]], str | None]:
    """The first `count` events a new subscription gets (offset, post id), and its last event id."""
    got: list[SseEvent] = []
    subscription = await subscribe(url, got.append, stream="log", **options)
    try:
        await until(lambda: len(got) >= count, f"{count} events")
    finally:
        await subscription()
    return [(event.offset, event.data.split('"post_id":"')[1].split('"')[0]) for event in got], (
        subscription.last_event_id
    )


def test_subscribers_resume_from_their_offset_after_the_node_and_the_server_restart(
    news: Path, own_restate: LocalRestate, endpoint: Any
) -> None:
    node = _node(news, own_restate, endpoint)
    asyncio.run(_publish(own_restate.ingress_url, "a", "b", "c"))
    first, last = asyncio.run(_texts_from(node.uri, 3, from_offset=0))
    assert first == [(0, "a"), (1, "b"), (2, "c")]
    assert last == "2"

    node.kill()
    own_restate.restart(kill=True)
    node.start()  # a new process: its cache is empty
    asyncio.run(_publish(own_restate.ingress_url, "quiet", sse=False))  # offset 3, not for SSE
    asyncio.run(_publish(own_restate.ingress_url, "d", "e"))  # in the new node's cache

    async def resumed() -> list[tuple[int | None, str]]:
        got: list[SseEvent] = []
        # Resuming after "a": "b" and "c" are only in the log, "d" and "e" in the cache too.
        subscription = await subscribe(node.uri, got.append, stream="log", last_event_id="0")
        try:
            await until(lambda: len(got) >= 4, "the events after offset 0")
            await _publish(own_restate.ingress_url, "f")  # live, after the replay
            await until(lambda: len(got) >= 5, "the live event")
        finally:
            await subscription()
        return [(event.offset, event.data.split('"post_id":"')[1].split('"')[0]) for event in got]

    assert asyncio.run(resumed()) == [(1, "b"), (2, "c"), (4, "d"), (5, "e"), (6, "f")]
    # and the subscriber that had them all resumes with the new ones only
    assert asyncio.run(_texts_from(node.uri, 3, last_event_id=last))[0] == [(4, "d"), (5, "e"), (6, "f")]

    async def pulled() -> tuple[list[str], int, int]:
        async with Ingress(own_restate.ingress_url) as ingress:
            page = await pull(ingress, stream="log", from_offset=2, limit=3)
            following = await pull(ingress, stream="log", from_offset=page.next)
        return (
            [entry.event.data.split('"post_id":"')[1].split('"')[0] for entry in page.entries],
            page.next,
            len(following.entries),
        )

    assert asyncio.run(pulled()) == (["c", "quiet", "d"], 5, 2)
    node.stop()


def _queue(capsys: pytest.CaptureFixture[str], ingress_url: str, *options: str) -> list[str]:
    capsys.readouterr()
    assert restagen(["events", "undelivered", "--ingress", ingress_url, *options]) == 0
    return capsys.readouterr().out.splitlines()


def test_the_failure_queue_is_bounded_and_items_can_be_retried_and_dropped(
    news: Path, own_restate: LocalRestate, endpoint: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from news.clients import TallySyncClient

    env = {"RESTAGEN_PUBSUB__UNDELIVERED_MAX": "3"}
    node = endpoint(
        "impl:app",
        [news, HERE / "news"],
        env={"RESTAGEN_PUBSUB__CLUSTER": "default", **env},
        server=own_restate,
    )
    # an older deployment of audit, generated for another version of Posted
    old = EventSubscription(
        type="news.Posted", version="0000000000000000", component="audit", handler="on_posted", kind="service"
    )
    with SyncIngress(own_restate.ingress_url) as ingress:
        ingress.call(SUBSCRIBE, SubscribeRequest(components=("audit",), subscriptions=(old,)), key="default")
    ids = asyncio.run(_publish(own_restate.ingress_url, "q1", "q2", "q3", "q4", sse=False))

    def listed() -> list[str]:
        return _queue(capsys, own_restate.ingress_url)

    lines = wait_until(
        lambda: (found := listed()) and "1 dropped" in found[-1] and found, "the queue at its bound"
    )
    assert [line.split()[1] for line in lines[:-1]] == ids[1:]  # the oldest (q1) was dropped
    assert lines[-1] == "cluster default: 3 undelivered (bound 3), 1 dropped to stay within it"
    assert all("version 0000000000000000" in line for line in lines[:-1])

    # audit is deployed for the current version: retrying q2 delivers it, once
    command = [
        "register",
        "--admin",
        own_restate.admin_url,
        "--uri",
        node.uri,
        "--ingress",
        own_restate.ingress_url,
    ]
    assert restagen(command) == 0
    q2 = lines[0].split()[0].lstrip("#")
    assert _queue(capsys, own_restate.ingress_url, "--retry", "--number", q2)[-1].startswith(
        "cluster default: 2 undelivered"
    )

    def heard(post_id: str) -> list[str]:
        with SyncIngress(own_restate.ingress_url) as ingress:
            return TallySyncClient(ingress, key=post_id).heard()

    assert wait_until(lambda: heard("q2"), "q2 delivered") == [f"audit {ids[1]}"]
    assert _queue(capsys, own_restate.ingress_url, "--drop")[-1].startswith("cluster default: 0 undelivered")
    assert heard("q3") == heard("q4") == []
    node.stop()
