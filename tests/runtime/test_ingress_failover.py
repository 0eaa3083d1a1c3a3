"""An ingress client with several URLs (the nodes of a cluster): which requests go on to the next
ingress after which failures. httpx's mock transport plays the nodes, each answering by host."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import httpx
import pytest

from restagen.runtime import HandlerSpec, Ingress, IngressError, IngressRetries, JsonCodec, SyncIngress

GET = HandlerSpec[str, int]("stock", "get", None, JsonCodec(str), JsonCodec(int))

URLS = ["http://n1:8080", "http://n2:8080", "http://n3:8080"]
QUICK = IngressRetries(attempts=4, backoff=0.5, max_backoff=1.5, deadline=10, jitter=0)

Behaviour = httpx.Response | type[httpx.TransportError]


class Nodes:
    """Each host answers with its behaviour (a response, or an exception raised); every request
    is kept, in order, with the host it reached."""

    def __init__(self, **behaviours: Behaviour) -> None:
        self.behaviours = behaviours
        self.seen: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        self.seen.append(host)
        answer = self.behaviours[host]
        if isinstance(answer, type):
            raise answer("node lost", request=request)
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)


OK = httpx.Response(200, json=7)
ACCEPTED = httpx.Response(202, json={"invocationId": "inv_1", "status": "Accepted"})


@pytest.fixture
def make() -> Iterator[Callable[..., tuple[SyncIngress, Nodes, list[float]]]]:
    opened: list[SyncIngress] = []

    def build(
        retries: IngressRetries | None = QUICK, **behaviours: Behaviour
    ) -> tuple[SyncIngress, Nodes, list[float]]:
        nodes = Nodes(**behaviours)
        waits: list[float] = []
        ingress = SyncIngress(
            URLS, retries=retries, client=httpx.Client(transport=httpx.MockTransport(nodes))
        )
        ingress._sleep = waits.append
        opened.append(ingress)
        return ingress, nodes, waits

    yield build
    for ingress in opened:
        ingress._http().close()


def test_one_url_or_several() -> None:
    assert SyncIngress("http://n1:8080/").urls == ("http://n1:8080",)
    assert Ingress(URLS).url == "http://n1:8080"
    with pytest.raises(ValueError, match="at least one URL"):
        SyncIngress([])


def test_a_refused_connection_goes_on_to_the_next_node_for_any_request(
    make: Callable[..., tuple[SyncIngress, Nodes, list[float]]],
) -> None:
    ingress, nodes, waits = make(n1=httpx.ConnectError, n2=OK, n3=OK)
    assert ingress.call(GET, "x") == 7, "nothing was sent to n1: a call without a key goes on too"
    assert nodes.seen == ["n1", "n2"] and waits == [0.0]
    assert ingress.call(GET, "y") == 7
    assert nodes.seen[2:] == ["n2"], "later requests go straight to the node that answered"
    assert ingress.url == "http://n2:8080"


def test_a_connect_timeout_goes_on_but_is_never_retried(
    make: Callable[..., tuple[SyncIngress, Nodes, list[float]]],
) -> None:
    ingress, nodes, _ = make(n1=httpx.ConnectTimeout, n2=OK, n3=OK)
    assert ingress.call(GET, "x") == 7
    assert nodes.seen == ["n1", "n2"]
    ingress, nodes, _ = make(n1=httpx.ConnectTimeout, n2=httpx.ConnectTimeout, n3=httpx.ConnectTimeout)
    with pytest.raises(httpx.ConnectTimeout):
        ingress.attach(GET, "inv_1")
    assert nodes.seen == ["n1", "n2", "n3"], "each node once, then the timeout is the caller's"


def test_when_every_node_refuses(make: Callable[..., tuple[SyncIngress, Nodes, list[float]]]) -> None:
    ingress, nodes, _ = make(n1=httpx.ConnectError, n2=httpx.ConnectError, n3=httpx.ConnectError)
    with pytest.raises(httpx.ConnectError):
        ingress.send(GET, "x")
    assert nodes.seen == ["n1", "n2", "n3"], "a send without a key: each node once, then raised"
    ingress, nodes, waits = make(n1=httpx.ConnectError, n2=httpx.ConnectError, n3=httpx.ConnectError)
    with pytest.raises(httpx.ConnectError):
        ingress.send(GET, "x", idempotency_key="once")
    assert len(nodes.seen) == 3 * QUICK.attempts, "safe to repeat: a round of the nodes per attempt"
    assert [wait for wait in waits if wait] == [0.5, 1.0, 1.5], "the backoff between rounds only"


@pytest.mark.parametrize("broken", [httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError])
def test_a_broken_connection_goes_on_only_when_safe_to_repeat(
    make: Callable[..., tuple[SyncIngress, Nodes, list[float]]], broken: type[httpx.TransportError]
) -> None:
    ingress, nodes, waits = make(n1=broken, n2=ACCEPTED, n3=ACCEPTED)
    assert ingress.send(GET, "x", idempotency_key="once").invocation_id == "inv_1"
    assert nodes.seen == ["n1", "n2"] and waits == [0.5]
    ingress, nodes, _ = make(n1=broken, n2=ACCEPTED, n3=ACCEPTED)
    with pytest.raises(broken):
        ingress.send(GET, "x")
    assert nodes.seen == ["n1"], "the send may have started an invocation on n1: never repeated"


def test_without_retries_a_refusal_still_goes_on(
    make: Callable[..., tuple[SyncIngress, Nodes, list[float]]],
) -> None:
    ingress, nodes, _ = make(retries=None, n1=httpx.ConnectError, n2=httpx.ReadError, n3=OK)
    with pytest.raises(httpx.ReadError):
        ingress.attach(GET, "inv_1")
    assert nodes.seen == ["n1", "n2"], "n2 got the request: without retries it is not sent again"


def test_an_unavailable_node_is_asked_again_not_left(
    make: Callable[..., tuple[SyncIngress, Nodes, list[float]]],
) -> None:
    ingress, nodes, _ = make(n1=httpx.Response(503, headers={"retry-after": "0"}), n2=OK, n3=OK)
    with pytest.raises(IngressError):
        ingress.call(GET, "x", idempotency_key="once")
    assert set(nodes.seen) == {"n1"}, "a node that answers is up: the retry policy applies to it"


def test_async_flavour_fails_over_alike() -> None:
    nodes = Nodes(n1=httpx.ConnectError, n2=httpx.ReadError, n3=ACCEPTED)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async def scenario() -> str:
        client = httpx.AsyncClient(transport=httpx.MockTransport(nodes))
        async with Ingress(URLS, client=client, retries=QUICK) as ingress, client:
            ingress._sleep = sleep
            handle = await ingress.send(GET, "x", key="k", idempotency_key="once")
            return handle.invocation_id

    assert asyncio.run(scenario()) == "inv_1"
    assert nodes.seen == ["n1", "n2", "n3"] and waits == [0.0, 0.5]


def test_the_configuration_takes_one_ingress_or_several(monkeypatch: pytest.MonkeyPatch) -> None:
    from restagen.runtime import Config, load_config

    assert Config(ingress={"url": URLS}).ingress.url == tuple(URLS)  # type: ignore[union-attr]
    monkeypatch.setenv("RESTAGEN_INGRESS__URL", '["http://n1:8080", "http://n2:8080"]')
    section = load_config().ingress
    assert section is not None and SyncIngress(section.url).urls == ("http://n1:8080", "http://n2:8080")
    monkeypatch.setenv("RESTAGEN_INGRESS__URL", "http://n1:8080")
    section = load_config().ingress
    assert section is not None and SyncIngress(section.url).urls == ("http://n1:8080",)
