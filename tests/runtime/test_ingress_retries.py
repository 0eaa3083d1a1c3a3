"""Which ingress requests are repeated, after which failures and how long apart: httpx's mock
transport answers, and a clock of the test's own stands in for waiting."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from restagen.runtime import HandlerSpec, Ingress, IngressError, IngressRetries, JsonCodec, SyncIngress
from restagen.runtime._core.ingress.retries import Attempts, retry_after

GET = HandlerSpec[str, int]("stock", "get", None, JsonCodec(str), JsonCodec(int))
RUN = HandlerSpec[str, str]("checkout", "run", "workflow", JsonCodec(str), JsonCodec(str))

Answer = httpx.Response | type[httpx.TransportError]


class Clock:
    """Monotonic time that only moves when the code under test waits."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


class Server:
    """Answers the requests in turn from `answers` (the last one from then on) and keeps them."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, type):
            raise answer("refused", request=request)
        return answer


STEADY = IngressRetries(attempts=4, backoff=0.5, max_backoff=1.5, deadline=10, jitter=0)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sync(clock: Clock) -> Iterator[Callable[..., tuple[SyncIngress, Server]]]:
    opened: list[SyncIngress] = []

    def make(*answers: Answer, retries: IngressRetries | None = STEADY) -> tuple[SyncIngress, Server]:
        server = Server(*answers)
        client = httpx.Client(transport=httpx.MockTransport(server))
        ingress = SyncIngress(
            "http://restate:8080", admin_url="http://restate:9070", retries=retries, client=client
        )
        ingress._sleep, ingress._clock = clock.sleep, clock
        opened.append(ingress)
        return ingress, server

    yield make
    for ingress in opened:
        ingress._http().close()


def unavailable(retry: str | None = None, status: int = 503) -> httpx.Response:
    return httpx.Response(status, headers={"retry-after": retry} if retry is not None else {})


def test_a_keyed_call_waits_as_the_server_asks(
    sync: Callable[..., tuple[SyncIngress, Server]], clock: Clock
) -> None:
    ingress, server = sync(unavailable("2"), unavailable("0", status=429), httpx.Response(200, content=b"7"))
    assert ingress.call(GET, "x", idempotency_key="once") == 7
    assert len(server.seen) == 3
    assert clock.waits == [2.0, 0.0]
    assert {request.headers["idempotency-key"] for request in server.seen} == {"once"}
    assert {request.content for request in server.seen} == {b'"x"'}, "the same request each time"


def test_retry_after_as_a_date() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=3), usegmt=True)
    earlier = format_datetime(now - timedelta(seconds=3), usegmt=True)
    assert retry_after(unavailable(later), lambda: now) == 3.0
    assert retry_after(unavailable(earlier), lambda: now) == 0.0
    assert retry_after(unavailable("soon"), lambda: now) is None
    assert retry_after(unavailable(), lambda: now) is None


def test_without_retry_after_the_backoff_doubles_up_to_its_cap(
    sync: Callable[..., tuple[SyncIngress, Server]], clock: Clock
) -> None:
    ingress, server = sync(unavailable())
    with pytest.raises(IngressError) as caught:
        ingress.attach(GET, "inv_1")
    assert caught.value.status_code == 503
    assert len(server.seen) == STEADY.attempts
    assert clock.waits == [0.5, 1.0, 1.5]


def test_a_connection_refused_is_repeated_then_raised(
    sync: Callable[..., tuple[SyncIngress, Server]], clock: Clock
) -> None:
    ingress, server = sync(httpx.ConnectError)
    with pytest.raises(httpx.ConnectError):
        ingress.send(GET, "x", idempotency_key="once")
    assert len(server.seen) == STEADY.attempts
    ingress, server = sync(httpx.ConnectError, httpx.RemoteProtocolError, httpx.Response(200, json="done"))
    assert ingress.workflow_output(RUN, "w") == "done"
    assert len(server.seen) == 3


def test_no_attempt_starts_past_the_deadline(
    sync: Callable[..., tuple[SyncIngress, Server]], clock: Clock
) -> None:
    ingress, server = sync(unavailable("11"), httpx.Response(200, content=b"1"))
    with pytest.raises(IngressError) as caught:
        ingress.call(GET, "x", idempotency_key="once")
    assert caught.value.status_code == 503 and len(server.seen) == 1 and clock.waits == []
    ingress, server = sync(
        unavailable("6"), unavailable("3"), unavailable("2"), httpx.Response(200, content=b"1")
    )
    with pytest.raises(IngressError):
        ingress.call(GET, "x", idempotency_key="once")
    assert clock.waits == [6.0, 3.0], "a third wait would end 11 s after the first attempt"


@pytest.mark.parametrize(
    ("name", "send"),
    [
        ("call without idempotency key", lambda ingress: ingress.call(GET, "x")),
        ("send without idempotency key", lambda ingress: ingress.send(GET, "x")),
        ("cancel", lambda ingress: ingress.cancel("inv_1")),
        ("kill", lambda ingress: ingress.kill("inv_1")),
    ],
)
def test_never_repeated(
    sync: Callable[..., tuple[SyncIngress, Server]], name: str, send: Callable[[SyncIngress], object]
) -> None:
    ingress, server = sync(unavailable("0"))
    with pytest.raises(IngressError):
        send(ingress)
    ingress, refused = sync(httpx.ConnectError)
    with pytest.raises(httpx.ConnectError):
        send(ingress)
    assert len(server.seen) == len(refused.seen) == 1, name


@pytest.mark.parametrize(
    "answer",
    [httpx.ReadTimeout, httpx.ConnectTimeout, httpx.Response(500), httpx.Response(502), httpx.Response(404)],
)
def test_timeouts_and_other_failures_are_never_repeated(
    sync: Callable[..., tuple[SyncIngress, Server]], answer: Answer
) -> None:
    ingress, server = sync(answer)
    with pytest.raises((httpx.TimeoutException, IngressError)):
        ingress.call(GET, "x", idempotency_key="once")
    assert len(server.seen) == 1


def test_what_is_safe_to_repeat_is_repeated(sync: Callable[..., tuple[SyncIngress, Server]]) -> None:
    accepted = httpx.Response(202, json={"invocationId": "inv_1", "status": "Accepted"})
    sends: list[Callable[[SyncIngress], object]] = [
        lambda ingress: ingress.output(GET, "inv_1"),
        lambda ingress: ingress.attach_idempotent(GET, "once", key="k"),
        lambda ingress: ingress.output_idempotent(GET, "once"),
        lambda ingress: ingress.workflow_attach(GET, "w"),
        lambda ingress: ingress.resolve_awakeable("sign_1", 5),
        lambda ingress: ingress.reject_awakeable("sign_1", "no"),
    ]
    for send in sends:
        ingress, server = sync(unavailable("0"), httpx.Response(200, json=1))
        send(ingress)
        assert len(server.seen) == 2
    ingress, server = sync(unavailable("0"), accepted)
    assert ingress.submit(RUN, "x", key="w").invocation_id == "inv_1", "a workflow runs once per key"
    assert len(server.seen) == 2


def test_retries_turned_off(sync: Callable[..., tuple[SyncIngress, Server]]) -> None:
    ingress, server = sync(unavailable("0"), retries=None)
    with pytest.raises(IngressError):
        ingress.call(GET, "x", idempotency_key="once")
    ingress, refused = sync(httpx.ConnectError, retries=None)
    with pytest.raises(httpx.ConnectError):
        ingress.attach(GET, "inv_1")
    assert len(server.seen) == len(refused.seen) == 1
    ingress, server = sync(unavailable("0"), retries=IngressRetries(attempts=1))
    with pytest.raises(IngressError):
        ingress.output(GET, "inv_1")
    assert len(server.seen) == 1


def test_async_flavour_repeats_alike(clock: Clock) -> None:
    server = Server(httpx.ConnectError, unavailable("1"), httpx.Response(200, content=b"4"))

    async def scenario() -> int:
        client = httpx.AsyncClient(transport=httpx.MockTransport(server))
        async with Ingress("http://restate:8080", client=client, retries=STEADY) as ingress, client:
            ingress._sleep, ingress._clock = clock.async_sleep, clock
            return await ingress.call(GET, "x", key="k", idempotency_key="once")

    assert asyncio.run(scenario()) == 4
    assert len(server.seen) == 3 and clock.waits == [0.5, 1.0]


def test_jitter_shortens_waits_only() -> None:
    policy = IngressRetries(attempts=50, backoff=1, max_backoff=1, deadline=1000, jitter=0.5)
    attempts = Attempts(policy, lambda: 0.0)
    waits = [attempts.after_error() for _ in range(49)]
    assert all(wait is not None and 0.5 <= wait <= 1 for wait in waits)
    assert len(set(waits)) > 1
    assert attempts.after_error() is None, "50 attempts in all"


@pytest.mark.parametrize(
    "options",
    [{"attempts": 0}, {"backoff": -1}, {"deadline": -0.5}, {"jitter": 1.5}],
)
def test_policy_is_checked(options: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        IngressRetries(**options)  # type: ignore[arg-type]
