"""The SSE hub and its subscriber, served by hypercorn on loopback (two nodes where fan-out is tested).

Nothing waits by sleeping: events are awaited on queues with timeouts, and a push returns only
once its peers have answered.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import httpx
import pytest
import restate
from starlette.requests import Request

from restagen.local.serve import running
from restagen.runtime import ConfigError, PubSubConfig, load_config
from restagen.runtime.sse import (
    PREFIX,
    SIGNATURE_HEADER,
    SseError,
    SseEvent,
    SseForbidden,
    SseHub,
    SseSubscription,
    SseUnauthorized,
    Verifier,
    post_events,
    sign,
    subscribe,
)
from restagen.runtime.sse._model import from_stream, parse_publish, publish_body, stream_data
from tests.polling import DEADLINE

SECRET = "s3cret"
TIMEOUT = DEADLINE
"""How long an event may take to arrive: only a guard against a hang, for a busy machine."""


def event(n: int, *, cluster: str = "default", stream: str = "default") -> SseEvent:
    data = json.dumps({"n": n, "text": "é\nx"}, separators=(",", ":"), ensure_ascii=False)
    return SseEvent(str(uuid.uuid4()), "shop.orders.OrderPlaced", "v1hash", data, cluster, stream)


def run(scenario: Callable[[], Awaitable[Any]]) -> Any:
    return asyncio.run(asyncio.wait_for(scenario(), 3 * DEADLINE))


class Inner:
    """The app behind the hub: answers every request with its path; records lifespan messages."""

    def __init__(self) -> None:
        self.lifespan: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                self.lifespan.append(message["type"])
                await send({"type": message["type"] + ".complete"})
                if message["type"] == "lifespan.shutdown":
                    return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"inner " + scope["path"].encode()})


class Counting:
    """An ASGI app in front of another, counting the requests by path."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.paths: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.paths.append(f"{scope['method']} {scope['path']}")
        await self.app(scope, receive, send)


class Received:
    """A subscriber callback that queues what it gets."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[SseEvent] = asyncio.Queue()

    async def __call__(self, event: SseEvent) -> None:
        await self.queue.put(event)

    async def take(self, count: int) -> list[SseEvent]:
        return [await asyncio.wait_for(self.queue.get(), TIMEOUT) for _ in range(count)]


# -- the wire ----------------------------------------------------------------------------------


def test_stream_messages_carry_the_events_json_text_unchanged() -> None:
    sent = event(1)
    assert from_stream(sent.id, sent.event, stream_data(sent), "default", "default") == sent
    spaced = '{ "version": "v2", "data": {"a": [1, 2]} }'
    assert from_stream("i", "t", spaced, "c", "s") == SseEvent("i", "t", "v2", '{"a":[1,2]}', "c", "s")


def test_publish_bodies_are_checked() -> None:
    events = [event(1, cluster="c", stream="a"), event(2, cluster="c", stream="b")]
    assert parse_publish(publish_body(events, forward=False), "c") == (events, False)
    with pytest.raises(ValueError, match="is of cluster 'c', posted to 'd'"):
        parse_publish(
            b'{"events": [{"id": "1", "event": "e", "version": "v", "data": "1", "stream": "s", "cluster": "c"}]}',
            "d",
        )
    with pytest.raises(ValueError):
        parse_publish(
            b'{"events": [{"id": "1", "event": "e", "version": "v", "data": "not json", "stream": "s"}]}', "c"
        )
    with pytest.raises(ValueError, match="needs the strings"):
        parse_publish(b'{"events": [{"id": 1}]}', "c")


def test_signatures_bind_body_cluster_and_time_and_are_used_once() -> None:
    body, now = b'{"events":[]}', time.time()
    header = sign(SECRET, "c", body, now=now)
    Verifier(SECRET).verify(header, "c", body, now=now)
    with pytest.raises(SseUnauthorized):
        Verifier(SECRET).verify(None, "c", body)
    with pytest.raises(SseUnauthorized):
        Verifier(SECRET).verify("garbage", "c", body)
    for problem in [
        (sign("other", "c", body, now=now), "c", body),  # another secret
        (header, "c", body + b" "),  # another body
        (header, "d", body),  # another cluster
    ]:
        with pytest.raises(SseForbidden, match="bad signature"):
            Verifier(SECRET).verify(*problem, now=now)
    with pytest.raises(SseForbidden, match="more than 300 s"):
        Verifier(SECRET).verify(sign(SECRET, "c", body, now=now - 301), "c", body, now=now)
    verifier = Verifier(SECRET)
    verifier.verify(header, "c", body, now=now)
    with pytest.raises(SseForbidden, match="replayed"):
        verifier.verify(header, "c", body, now=now + 1)


# -- the hub, without HTTP ---------------------------------------------------------------------


def test_the_buffer_is_bounded_and_replays_what_followed_an_id() -> None:
    async def scenario() -> None:
        hub = SseHub(buffer_size=3)
        events = [event(n) for n in range(5)]
        await hub.push(events)
        assert hub.buffered("default", "default") == events[2:]
        assert hub.attach("default", "default", events[2].id).replay == events[3:]
        assert hub.attach("default", "default", events[4].id).replay == []
        assert hub.attach("default", "default", events[0].id).replay == events[2:]  # fell out: all
        assert hub.attach("default", "default", None).replay == []  # no id: live only
        await hub.push(events[3:])  # already buffered: ignored
        assert hub.buffered("default", "default") == events[2:]

    run(scenario)


def test_a_subscriber_that_falls_behind_has_its_stream_ended() -> None:
    async def scenario() -> None:
        hub = SseHub(buffer_size=2)
        slow = hub.attach("default", "default", None)
        hub.deliver([event(n) for n in range(3)])
        assert slow.queue.get_nowait() is None  # the end: it reconnects and replays

    run(scenario)


def test_peers_need_the_secret() -> None:
    with pytest.raises(ValueError, match="needs the shared secret"):
        SseHub(peers=["127.0.0.1:9081"])
    with pytest.raises(ValueError, match="needs the shared secret"):
        SseHub(discover="events.internal")


def test_from_config() -> None:
    pubsub = load_config(
        pubsub={
            "sse_secret": SECRET,
            "sse_peers": ["events-2:9080"],
            "sse_discover": "events",
            "sse_buffer": 7,
        }
    ).require("pubsub", "SSE")
    assert SECRET not in repr(pubsub)
    hub = SseHub.from_config(pubsub, port=9123)
    assert (hub.buffer_size, hub.secret, hub.peers) == (7, SECRET, ("http://events-2:9080",))
    assert SseHub.from_config(PubSubConfig()).verifier is None
    with pytest.raises(ConfigError, match="sse_buffer"):
        load_config(pubsub={"sse_buffer": 0})


def test_config_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESTAGEN_PUBSUB__SSE_SECRET", "from-env")
    monkeypatch.setenv("RESTAGEN_PUBSUB__SSE_PEERS", '["http://a:1", "http://b:2"]')
    pubsub = load_config().require("pubsub", "SSE")
    assert pubsub.sse_secret.get_secret_value() == "from-env"
    assert pubsub.sse_peers == ("http://a:1", "http://b:2")


def test_discovery_resolves_again_after_its_ttl_and_keeps_peers_when_resolution_fails() -> None:
    calls: list[tuple[str, int]] = []
    answers: list[Sequence[str] | OSError] = [["10.0.0.2", "10.0.0.1"], OSError("no DNS"), ["fd00::1"]]

    async def resolver(host: str, port: int) -> Sequence[str]:
        calls.append((host, port))
        answer = answers.pop(0)
        if isinstance(answer, OSError):
            raise answer
        return answer

    async def scenario() -> None:
        hub = SseHub(
            secret=SECRET, discover="events.internal", discover_port=9090, resolver=resolver, discover_ttl=0
        )
        assert await hub.peer_urls() == ("http://10.0.0.2:9090", "http://10.0.0.1:9090")
        assert await hub.peer_urls() == ("http://10.0.0.2:9090", "http://10.0.0.1:9090")  # kept
        assert await hub.peer_urls() == ("http://[fd00::1]:9090",)
        assert calls == [("events.internal", 9090)] * 3
        cached = SseHub(secret=SECRET, discover="http://events:9091", resolver=resolver, discover_ttl=60)
        answers.append(["10.0.0.3"])
        assert await cached.peer_urls() == await cached.peer_urls() == ("http://10.0.0.3:9091",)
        assert len(calls) == 4

    run(scenario)


# -- over HTTP ---------------------------------------------------------------------------------


def test_other_requests_and_lifespan_reach_the_app_behind() -> None:
    async def scenario() -> None:
        inner = Inner()
        async with running(SseHub().mount(inner)) as url, httpx.AsyncClient() as client:
            response = await client.get(f"{url}/discover")
            assert response.text == "inner /discover"
            assert (await client.get(f"{url}/restagen/ssex")).text == "inner /restagen/ssex"
            assert (await client.get(f"{url}{PREFIX}/only-a-cluster")).status_code == 404
        assert inner.lifespan == ["lifespan.startup", "lifespan.shutdown"]

    run(scenario)


def test_a_subscriber_gets_only_its_cluster_and_stream() -> None:
    async def scenario() -> None:
        hub = SseHub()
        async with running(hub.mount(Inner())) as url:
            pairs = [("c1", "a"), ("c1", "b"), ("c2", "a")]
            received = {pair: Received() for pair in pairs}
            subscriptions = [
                await subscribe(url, received[pair], cluster=pair[0], stream=pair[1]) for pair in pairs
            ]
            sent = {pair: [event(n, cluster=pair[0], stream=pair[1]) for n in range(3)] for pair in pairs}
            for n in range(3):  # interleaved, in one push
                await hub.push([sent[pair][n] for pair in pairs])
            for pair in pairs:
                assert await received[pair].take(3) == sent[pair]
                assert received[pair].queue.empty()
            for subscription in subscriptions:
                await subscription()

    run(scenario)


def test_a_push_reaches_the_subscribers_of_the_peer_node_which_does_not_forward_back() -> None:
    async def scenario() -> None:
        first_app, second_app = Counting(None), Counting(None)
        async with running(first_app) as first, running(second_app) as second:
            hub1 = SseHub(secret=SECRET, peers=[second])
            hub2 = SseHub(secret=SECRET, peers=[first])
            first_app.app, second_app.app = hub1.mount(Inner()), hub2.mount(Inner())
            on_first, on_second = Received(), Received()
            subscriptions = [await subscribe(first, on_first), await subscribe(second, on_second)]
            sent = [event(1), event(2)]
            await hub1.push(sent)
            assert first_app.paths.count(f"POST {PREFIX}/default/publish") == 0  # not sent back
            assert second_app.paths.count(f"POST {PREFIX}/default/publish") == 1
            assert await on_second.take(2) == sent
            assert await on_first.take(2) == sent
            assert hub2.buffered("default", "default") == sent
            # The processor posting to node 2 reaches node 1's subscribers through node 2.
            third = event(3)
            await post_events(second, [third], secret=SECRET)
            assert await on_first.take(1) == [third]
            assert await on_second.take(1) == [third]
            assert first_app.paths.count(f"POST {PREFIX}/default/publish") == 1
            for subscription in subscriptions:
                await subscription()

    run(scenario)


def test_discovered_nodes_get_the_push() -> None:
    async def scenario() -> None:
        second = SseHub(secret=SECRET)
        async with running(second.mount(Inner())) as url:
            port = int(url.rsplit(":", 1)[1])

            async def resolver(host: str, port: int) -> Sequence[str]:
                assert host == "events.internal"
                return ["127.0.0.1"]

            first = SseHub(secret=SECRET, discover=f"events.internal:{port}", resolver=resolver)
            received = Received()
            subscription = await subscribe(url, received, stream="s")
            sent = event(1, stream="s")
            await first.push([sent])
            assert await received.take(1) == [sent]
            await subscription()
            await first.aclose()

    run(scenario)


def test_an_unreachable_peer_does_not_fail_the_push(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        closed.close()  # nothing listens there
        hub = SseHub(secret=SECRET, peers=[f"127.0.0.1:{port}"])
        sent = event(1)
        await hub.push([sent])
        assert hub.buffered("default", "default") == [sent]
        await hub.aclose()

    run(scenario)
    assert "SSE fan-out to http://127.0.0.1:" in caplog.text


def test_publishing_needs_a_valid_signature_and_a_hub_with_a_secret() -> None:
    async def scenario() -> None:
        hub = SseHub(secret=SECRET)
        async with (
            running(hub.mount(Inner())) as url,
            running(SseHub().mount(Inner())) as open_url,
            httpx.AsyncClient() as client,
        ):
            received = Received()
            subscription = await subscribe(url, received)
            forged = event(1)
            body = publish_body([forged], forward=False)
            route = f"{url}{PREFIX}/default/publish"
            attempts = {
                401: [{}, {SIGNATURE_HEADER: "v1=abc"}],
                403: [
                    {SIGNATURE_HEADER: sign("wrong", "default", body)},
                    {SIGNATURE_HEADER: sign(SECRET, "other", body)},
                    {SIGNATURE_HEADER: sign(SECRET, "default", body, now=time.time() - 3600)},
                ],
            }
            for status, headers in attempts.items():
                for header in headers:
                    assert (await client.post(route, content=body, headers=header)).status_code == status
            good = event(2)
            good_body = publish_body([good], forward=False)
            signature = {SIGNATURE_HEADER: sign(SECRET, "default", good_body)}
            assert (await client.post(route, content=good_body, headers=signature)).status_code == 200
            replay = await client.post(route, content=good_body, headers=signature)
            assert (replay.status_code, replay.text) == (403, "signature already used (a replayed request)")
            bad_json = b'{"events": 1}'
            response = await client.post(
                route, content=bad_json, headers={SIGNATURE_HEADER: sign(SECRET, "default", bad_json)}
            )
            assert response.status_code == 400
            assert await received.take(1) == [good]  # the forged event never came first
            assert hub.buffered("default", "default") == [good]
            with pytest.raises(SseForbidden):
                await post_events(url, [forged], secret="wrong")
            # A hub without a secret has no publish route.
            unsigned = await client.post(f"{open_url}{PREFIX}/default/publish", content=body)
            assert unsigned.status_code == 404
            with pytest.raises(SseError) as refused:
                await post_events(open_url, [forged], secret=SECRET)
            assert refused.value.status_code == 404
            await subscription()

    run(scenario)


def test_middleware_refuses_or_allows_a_subscription() -> None:
    seen: list[tuple[str, str, str | None]] = []

    async def token(request: Request) -> None:
        seen.append(
            (request.path_params["cluster"], request.path_params["stream"], request.headers.get("x-token"))
        )
        if request.headers.get("x-token") != "good":
            raise SseForbidden("a good token is needed")

    async def scenario() -> None:
        hub = SseHub(middleware=[token])
        async with running(hub.mount(Inner())) as url, httpx.AsyncClient() as client:
            response = await client.get(f"{url}{PREFIX}/c/s", headers={"x-token": "bad"})
            assert (response.status_code, response.text) == (403, "a good token is needed")
            with pytest.raises(SseForbidden, match="a good token is needed"):
                await subscribe(url, Received(), cluster="c", stream="s")
            received = Received()
            subscription = await subscribe(
                url, received, cluster="c", stream="s", headers={"x-token": "good"}
            )
            assert hub.subscribers("c", "s") == 1
            sent = event(1, cluster="c", stream="s")
            await hub.push([sent])
            assert await received.take(1) == [sent]
            await subscription()
        assert seen == [("c", "s", "bad"), ("c", "s", None), ("c", "s", "good")]

    run(scenario)


def test_a_reconnecting_stream_gets_exactly_what_followed_its_last_event_id() -> None:
    async def scenario() -> None:
        hub = SseHub(buffer_size=3)
        async with running(hub.mount(Inner())) as url, httpx.AsyncClient(timeout=TIMEOUT) as client:
            sent = [event(n) for n in range(6)]
            await hub.push(sent[:5])  # the buffer holds 2, 3, 4

            async def read(
                query: str, count: int, *, live: Sequence[SseEvent] = (), **headers: str
            ) -> list[SseEvent]:
                """The first `count` events of a stream; `live` is pushed once it is attached."""
                got: list[SseEvent] = []
                address = f"{url}{PREFIX}/default/default{query}"
                async with client.stream("GET", address, headers=headers) as response:
                    fields: dict[str, str] = {}
                    async for line in response.aiter_lines():
                        if line:
                            name, _, value = line.partition(": ")
                            fields[name] = value
                            continue
                        if "retry" in fields:  # the first message: attached
                            await hub.push(live)
                        else:
                            got.append(
                                from_stream(
                                    fields["id"], fields["event"], fields["data"], "default", "default"
                                )
                            )
                        fields = {}
                        if len(got) == count:
                            break
                return got

            assert await read("", 3, live=sent[5:], **{"Last-Event-ID": sent[2].id}) == sent[3:]  # then live
            assert hub.buffered("default", "default") == sent[3:]
            assert await read("", 1, live=[], **{"Last-Event-ID": sent[4].id}) == [sent[5]]
            assert await read("", 3, **{"Last-Event-ID": sent[0].id}) == sent[3:]  # 0 fell out: all of it
            # A browser's first connection cannot set the header: the query parameter does the same.
            assert await read(f"?last_event_id={sent[3].id}", 2) == sent[4:]
            extra = event(6)
            assert await read("", 1, live=[extra]) == [extra]  # no id: live events only

    run(scenario)


def test_a_reconnection_the_node_refuses_stops_the_subscription() -> None:
    allowed = [True]

    async def once(request: Request) -> None:
        if not allowed.pop(0) if allowed else True:
            raise SseForbidden("no more")

    async def scenario() -> None:
        hub = SseHub(middleware=[once])
        async with running(hub.mount(Inner())) as url:
            subscription = await subscribe(url, Received(), reconnect_delay=0.01)
            hub.disconnect()
            error = await asyncio.wait_for(subscription.wait(), TIMEOUT)
            assert isinstance(error, SseForbidden)
            assert "no more" in str(error)
            assert not subscription.running
            await subscription()

    run(scenario)


def test_the_subscriber_reconnects_with_last_event_id_and_misses_nothing() -> None:
    asked: list[str | None] = []

    async def record(request: Request) -> None:
        asked.append(request.headers.get("last-event-id"))

    async def scenario() -> None:
        hub = SseHub(middleware=[record])
        async with running(hub.mount(Inner())) as url:
            received = Received()
            subscription = await subscribe(url, received, stream="s", reconnect_delay=0.01)
            sent = [event(n, stream="s") for n in range(6)]
            await hub.push(sent[:2])
            assert await received.take(2) == sent[:2]
            # The node ends the stream; what is pushed before the client is back comes from the buffer.
            assert hub.disconnect(stream="s") == 1
            hub.deliver(sent[2:5])
            assert await received.take(3) == sent[2:5]
            await hub.push(sent[5:])
            assert await received.take(1) == sent[5:]
            assert received.queue.empty()
            assert (subscription.connections, subscription.last_event_id) == (2, sent[5].id)
            assert asked == [None, sent[1].id]
            await subscription()
            assert not subscription.running
            await hub.push([event(6, stream="s")])  # after unsubscribing: not received
            assert received.queue.empty()

    run(scenario)


def test_a_subscription_resumes_from_a_given_last_event_id_and_survives_a_failing_callback() -> None:
    async def scenario() -> None:
        hub = SseHub()
        sent = [event(n) for n in range(4)]
        await hub.push(sent[:3])
        received = Received()

        def callback(got: SseEvent) -> None:  # a plain function works too
            if got == sent[1]:
                raise RuntimeError("boom")
            received.queue.put_nowait(got)

        async with running(hub.mount(Inner())) as url:
            subscription: SseSubscription = await subscribe(url, callback, last_event_id=sent[0].id)
            await hub.push(sent[3:])
            assert await received.take(2) == [sent[2], sent[3]]
            await subscription.aclose()

    run(scenario)


def test_subscribing_to_nothing_listening_raises() -> None:
    async def scenario() -> None:
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        closed.close()
        with pytest.raises(SseError, match="cannot subscribe"):
            await subscribe(f"http://127.0.0.1:{port}", Received())

    run(scenario)


def test_the_public_surface_is_all() -> None:
    import restagen.runtime.sse as sse

    public = {name for name in vars(sse) if not name.startswith("_")} - {"annotations"}
    assert public - {"httpx_sse", "sse_starlette", "starlette"} == set(sse.__all__)


def test_the_runtime_imports_without_the_sse_extra() -> None:
    script = """
import importlib, pkgutil, sys
for name in ("starlette", "sse_starlette", "httpx_sse"):
    sys.modules[name] = None  # as if not installed
import restagen.runtime
for module in pkgutil.iter_modules(restagen.runtime.__path__, "restagen.runtime."):
    if module.name != "restagen.runtime.sse":
        importlib.import_module(module.name)
try:
    import restagen.runtime.sse
except ImportError as error:
    print(error)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert "restagen.runtime.sse needs the sse extra: pip install 'restagen[sse]'" in done.stdout


def test_a_restate_endpoint_behind_the_hub_still_answers() -> None:
    greeter = restate.Service("greeter")

    @greeter.handler()
    async def greet(ctx: restate.Context, name: str) -> str:
        return f"hello {name}"

    async def scenario() -> None:
        hub = SseHub()
        async with running(hub.mount(restate.app([greeter]))) as url, httpx.AsyncClient() as client:
            health = await client.get(f"{url}/health")
            assert health.status_code == 200
            discovery = await client.get(
                f"{url}/discover", headers={"accept": "application/vnd.restate.endpointmanifest.v2+json"}
            )
            assert discovery.status_code == 200, discovery.text
            assert [service["name"] for service in discovery.json()["services"]] == ["greeter"]
            received = Received()
            subscription = await subscribe(url, received)
            sent = event(1)
            await hub.push([sent])
            assert await received.take(1) == [sent]
            await subscription()

    run(scenario)
