"""Events on a real Restate server, through the generated `news` package: one event, three
subscribers (two services and an object), a union subscription, publishes from inside a handler
that is made to retry and from outside, and a version the subscribers were not generated for."""

from __future__ import annotations

import asyncio
import importlib
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from restagen.cli import main as restagen
from restagen.runtime import Ingress, JsonCodec, PubSubConfig, SyncIngress
from restagen.runtime.events import EventSpec, IngressPublisher
from restagen.runtime.events._registry import SUBSCRIPTIONS, UNDELIVERED
from tests.generated import generated
from tests.polling import DEADLINE, until, wait_until

HERE = Path(__file__).resolve().parent

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def news(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with generated(tmp_path_factory.mktemp("news"), HERE / "news", "news", "impl") as out:
        yield out


SECRET = "a secret the SSE nodes share"


@pytest.fixture(scope="module")
def peer(news: Path, endpoint: Any) -> Any:
    """A second SSE node, not registered with Restate: it gets what the first node forwards."""
    env = {"RESTAGEN_PUBSUB__CLUSTER": "default", "RESTAGEN_PUBSUB__SSE_SECRET": SECRET}
    return endpoint("impl:app", [news, HERE / "news"], env=env, register=False)


@pytest.fixture(scope="module")
def served(news: Path, restate: Any, endpoint: Any, peer: Any) -> Any:
    env = {
        "RESTAGEN_PUBSUB__CLUSTER": "default",
        "RESTAGEN_PUBSUB__SSE_SECRET": SECRET,
        "RESTAGEN_PUBSUB__SSE_PEERS": f'["{peer.uri}"]',
    }
    served = endpoint("impl:app", [news, HERE / "news"], env=env)
    # as a deployment script would: the subscriptions are read from the deployment's metadata
    command = [
        "register",
        "--admin",
        restate.admin_url,
        "--uri",
        served.uri,
        "--ingress",
        restate.ingress_url,
    ]
    assert restagen(command) == 0
    return served


def _eventually(read: Callable[[], Any], expected: Any, timeout: float = DEADLINE) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if value == expected or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def _unfinished(restate: Any) -> int:
    """How many invocations of the news services and of the events registry have not completed."""
    services = "'desk', 'audit', 'feed', 'inbox', 'tally', 'restagen_events'"
    query = f"SELECT count(*) AS n FROM sys_invocation WHERE status != 'completed' AND target_service_name IN ({services})"
    answer = httpx.post(
        f"{restate.admin_url}/query",
        json={"query": query},
        headers={"accept": "application/json"},
        timeout=30,
    )
    answer.raise_for_status()
    return int(answer.json()["rows"][0]["n"])


def _heard(restate: Any, post_id: str) -> list[str]:
    from news.clients import TallySyncClient

    with SyncIngress(restate.ingress_url) as ingress:
        return [entry.split(" ")[0] for entry in TallySyncClient(ingress, key=post_id).heard()]


def test_the_registry_keeps_every_handler_of_an_event(restate: Any, served: Any) -> None:
    with SyncIngress(restate.ingress_url) as ingress:
        subscriptions = ingress.call(SUBSCRIPTIONS, None, key="default")
    assert sorted((s.type, s.target) for s in subscriptions) == [
        ("news.Edited", "feed/on_news"),
        ("news.Posted", "audit/on_posted"),
        ("news.Posted", "feed/on_news"),
        ("news.Posted", "inbox/on_posted"),
    ]


def test_deploy_on_startup_registers_the_subscriptions_in_the_configured_cluster(
    restate: Any, served: Any, news: Path
) -> None:
    from tests.e2e.conftest import Endpoint

    blue = Endpoint("impl:app", [news, HERE / "news"], restate, register=False)
    blue.env = {
        "RESTAGEN_PUBSUB__CLUSTER": "blue",
        "RESTAGEN_INGRESS__URL": restate.ingress_url,
        "RESTAGEN_ADMIN__URL": restate.admin_url,
        "RESTAGEN_ADMIN__DEPLOY_ON_STARTUP": "true",
        "RESTAGEN_ADMIN__ENDPOINT_URL": blue.uri,
    }
    blue.start()
    try:

        def targets() -> list[str]:
            with SyncIngress(restate.ingress_url) as ingress:
                return sorted(s.target for s in ingress.call(SUBSCRIPTIONS, None, key="blue"))

        expected = ["audit/on_posted", "feed/on_news", "feed/on_news", "inbox/on_posted"]
        assert _eventually(targets, expected) == expected
    finally:
        blue.stop()
        served.restart()  # the latest registration serves: make it the module's endpoint again


def test_published_in_a_retried_handler_each_subscriber_hears_it_once(restate: Any, served: Any) -> None:
    from news.clients import DeskSyncClient

    with SyncIngress(restate.ingress_url) as ingress:
        (event_id,) = DeskSyncClient(ingress).post("p1")
    expected = ["audit", "feed:Posted", "inbox:p1"]
    assert _eventually(lambda: _heard(restate, "p1"), expected) == expected
    # Once no invocation of the package or of the registry is left unfinished, nothing more is on
    # its way: a duplicate delivery would be heard now.
    wait_until(lambda: _unfinished(restate) == 0, "every invocation of news finishing")
    assert _heard(restate, "p1") == expected
    with SyncIngress(restate.ingress_url) as ingress:
        entries = importlib.import_module("news.clients").TallySyncClient(ingress, key="p1").heard()
    assert {entry.split(" ")[1] for entry in entries} == {event_id}


def test_published_from_outside_with_a_union_subscriber(restate: Any, served: Any) -> None:
    from news.events import NewsEvents
    from news.models import Edited, Posted

    async def publish() -> None:
        async with Ingress(restate.ingress_url) as ingress:
            events = NewsEvents(IngressPublisher(ingress, PubSubConfig()))
            await events.posted(Posted(post_id="p2", text="hello"), key="p2")
            await events.edited(Edited(post_id="p2", text="hello!", revision=2))

    asyncio.run(publish())
    expected = ["audit", "feed:Edited", "feed:Posted", "inbox:p2"]
    assert _eventually(lambda: _heard(restate, "p2"), expected) == expected


def test_an_object_subscriber_without_a_key_and_a_foreign_version_are_kept_not_delivered(
    restate: Any, served: Any
) -> None:
    from news.events import POSTED
    from news.models import Posted

    stale = EventSpec[Posted](name="news.Posted", version="0000000000000000", codec=JsonCodec(Posted))

    async def publish() -> None:
        async with Ingress(restate.ingress_url) as ingress:
            publisher = IngressPublisher(ingress, PubSubConfig())
            await publisher.publish(stale, [Posted(post_id="p3", text="old")], key="p3")
            await publisher.publish(POSTED, [Posted(post_id="p4", text="no key")])

    asyncio.run(publish())
    expected = ["audit", "feed:Posted"]  # p4: the services hear it; the inbox needs a key
    assert _eventually(lambda: _heard(restate, "p4"), expected) == expected
    assert _heard(restate, "p3") == []

    def undelivered() -> list[tuple[str, str]]:
        with SyncIngress(restate.ingress_url) as ingress:
            kept = ingress.call(UNDELIVERED, None, key="default")
        return sorted((item.subscription.target, item.reason.split(":")[0].split(" ")[0]) for item in kept)

    expected_kept = [
        ("audit/on_posted", "version"),
        ("feed/on_news", "version"),
        ("inbox/on_posted", "inbox/on_posted"),
        ("inbox/on_posted", "version"),
    ]
    assert _eventually(undelivered, expected_kept) == expected_kept


def test_a_delayed_publish_is_delivered_after_its_delay(restate: Any, served: Any) -> None:
    from news.events import NewsEvents
    from news.models import Posted

    async def publish() -> None:
        async with Ingress(restate.ingress_url) as ingress:
            events = NewsEvents(IngressPublisher(ingress, PubSubConfig()))
            await events.posted(Posted(post_id="p5", text="later"), key="p5", delay=timedelta(seconds=2))

    started = time.monotonic()
    asyncio.run(publish())
    expected = ["audit", "feed:Posted", "inbox:p5"]
    assert _eventually(lambda: _heard(restate, "p5"), expected) == expected
    assert time.monotonic() - started >= 2.0


def test_events_published_with_sse_reach_subscribers_of_their_stream_on_both_nodes(
    restate: Any, served: Any, peer: Any
) -> None:
    from news import events as news
    from news.models import Edited, Posted

    async def scenario() -> None:
        first: list[Posted | Edited] = []
        second: list[Posted | Edited] = []
        elsewhere: list[Posted | Edited] = []
        subscriptions = [
            await news.subscribe(served.uri, first.append, stream="live"),
            await news.subscribe(peer.uri, second.append, stream="live"),
            await news.subscribe(served.uri, elsewhere.append, stream="other"),
        ]
        async with Ingress(restate.ingress_url) as ingress:
            events = news.NewsEvents(IngressPublisher(ingress, PubSubConfig()))
            await events.posted(Posted(post_id="quiet", text="not pushed"), stream="live")
            await events.posted(Posted(post_id="s1", text="pushed"), stream="live", sse=True)
            await events.edited(Edited(post_id="s1", text="pushed!", revision=2), stream="live", sse=True)
            # Last, to the other stream: what reached it before this marker went to the wrong stream.
            await events.posted(Posted(post_id="marker", text="last"), stream="other", sse=True)
        # A stream keeps the order of the publishes: by the time these have arrived, anything pushed
        # before them has too, so nothing needs waiting out.
        await until(lambda: len(first) >= 2 and len(second) >= 2 and elsewhere, "the pushed events")
        assert [type(e).__name__ for e in first] == [type(e).__name__ for e in second] == ["Posted", "Edited"]
        assert {e.post_id for e in first + second} == {"s1"}  # SSE is off unless the publish asks
        assert [e.post_id for e in elsewhere] == ["marker"]

        # reconnecting after the first pushed event (offset 1: "quiet" is offset 0 of the stream's
        # log), a subscriber gets what followed it
        replayed: list[Posted | Edited] = []
        subscriptions.append(
            await news.subscribe(served.uri, replayed.append, stream="live", last_event_id="1")
        )
        await until(lambda: replayed, "the replayed event")
        assert [type(e).__name__ for e in replayed] == ["Edited"]  # nothing was published after it
        for subscription in subscriptions:
            await subscription()

    asyncio.run(scenario())


def test_the_sse_publish_route_refuses_unsigned_and_badly_signed_events(served: Any) -> None:
    url = f"{served.uri}/restagen/sse/default/publish"
    body = b'{"events": [], "forward": false}'
    assert httpx.post(url, content=body).status_code == 401
    assert httpx.post(url, content=body, headers={"restagen-signature": "t=1,v1=00"}).status_code == 403


def test_a_mixed_batch_is_delivered_and_logged_in_its_order(restate: Any, served: Any) -> None:
    from news import events as news
    from news.models import Edited, Posted

    async def publish() -> tuple[list[str], list[tuple[int, Posted | Edited]]]:
        async with Ingress(restate.ingress_url) as ingress:
            events = news.NewsEvents(IngressPublisher(ingress, PubSubConfig()))
            batch = (
                Posted(post_id="m1", text="first"),
                Edited(post_id="m1", text="first!", revision=2),
                Posted(post_id="m1", text="again"),
            )
            ids = await events.publish(*batch, key="m1", stream="mixed")

            async def logged() -> list[tuple[int, Posted | Edited]]:
                return (await news.pull(ingress, stream="mixed"))[0]

            return list(ids), await until(logged, "the batch in the stream's log")

    ids, logged = asyncio.run(publish())
    assert len(set(ids)) == 3
    assert [(offset, type(event).__name__, event.text) for offset, event in logged] == [
        (0, "Posted", "first"),
        (1, "Edited", "first!"),
        (2, "Posted", "again"),
    ]
    expected = sorted(["audit", "audit", "feed:Edited", "feed:Posted", "feed:Posted", "inbox:m1", "inbox:m1"])
    assert _eventually(lambda: _heard(restate, "m1"), expected) == expected
