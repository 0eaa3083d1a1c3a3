"""The ingress clients' requests and their handling of answers, against httpx's mock transport."""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from pydantic import BaseModel

import restagen.runtime._core.ingress as ingress_module
from restagen.runtime import (
    DeclaredError,
    HandlerSpec,
    Ingress,
    IngressError,
    JsonCodec,
    NotReady,
    SyncIngress,
)


class GoneDetails(BaseModel):
    sku: str


class Gone(DeclaredError):
    code = 410
    details_model = GoneDetails

    def __init__(self, *, sku: str) -> None:
        self.sku = sku
        super().__init__(GoneDetails.model_validate({"sku": sku}))


GET = HandlerSpec[str, int]("stock", "get", None, JsonCodec(str), JsonCodec(int), errors=(Gone,))
PING = HandlerSpec[None, None]("stock", "ping", None, None, None)
RUN = HandlerSpec[str, str]("checkout", "run", "workflow", JsonCodec(str), JsonCodec(str))

Respond = Callable[[httpx.Request], httpx.Response]


def accepted(request: httpx.Request) -> httpx.Response:
    return httpx.Response(202, json={"invocationId": "inv_1", "status": "Accepted"})


def _sync(respond: Respond) -> tuple[SyncIngress, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return respond(request)

    client = httpx.Client(transport=httpx.MockTransport(handler))
    ingress = SyncIngress("http://restate:8080/", headers={"X-Team": "a", "x-both": "default"}, client=client)
    return ingress, seen


def _async(respond: Respond) -> tuple[Ingress, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return respond(request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return Ingress("http://restate:8080", headers={"x-team": "a"}, client=client), seen


def test_public_surface() -> None:
    """Every public class of the package's modules is exported, but what the two flavours share."""
    modules = [
        importlib.import_module(f"{ingress_module.__name__}.{info.name}")
        for info in pkgutil.iter_modules(ingress_module.__path__)
    ]
    defined = {
        name
        for module in [ingress_module, *modules]
        for name, value in vars(module).items()
        if isinstance(value, type) and value.__module__ == module.__name__ and not name.startswith("_")
    }
    exported = {name for name in ingress_module.__all__ if isinstance(getattr(ingress_module, name), type)}
    assert defined - {"Requests", "Attempts", "Ingresses", "Way"} == exported


def test_call_path_headers_and_result() -> None:
    ingress, seen = _sync(lambda request: httpx.Response(200, content=b"7"))
    assert ingress.call(GET, "a b", key="k/1 ü", idempotency_key="once", headers={"X-Both": "explicit"}) == 7
    request = seen[0]
    assert request.method == "POST"
    assert request.url.raw_path == b"/stock/k%2F1%20%C3%BC/get"
    assert request.content == b'"a b"'
    assert request.headers["idempotency-key"] == "once"
    assert request.headers["x-team"] == "a"
    assert request.headers.get_list("x-both") == ["explicit"], "an explicit header replaces the default"
    assert request.headers["content-type"] == "application/json"


def test_call_without_key_input_or_output() -> None:
    ingress, seen = _sync(lambda request: httpx.Response(200))
    assert ingress.call(PING, None) is None
    request = seen[0]
    assert request.url.raw_path == b"/stock/ping"
    assert request.content == b"" and "content-type" not in request.headers
    assert "idempotency-key" not in request.headers


@pytest.mark.parametrize(
    ("delay", "sent"),
    [
        (timedelta(seconds=1, microseconds=1), "1001ms"),
        (timedelta(milliseconds=1500), "1500ms"),
        (timedelta(hours=1), "3600000ms"),
        (timedelta(0), "0ms"),
    ],
)
def test_send_delay_has_a_unit_and_is_never_shortened(delay: timedelta, sent: str) -> None:
    ingress, seen = _sync(accepted)
    handle = ingress.send(GET, "x", key="k", delay=delay)
    assert handle.invocation_id == "inv_1" and handle.status == "Accepted"
    assert seen[0].url.path == "/stock/k/get/send"
    assert seen[0].url.params["delay"] == sent


def test_send_without_delay_has_no_query_and_a_negative_delay_is_refused() -> None:
    ingress, seen = _sync(accepted)
    ingress.send(GET, "x")
    assert seen[0].url.query == b""
    with pytest.raises(ValueError, match="negative"):
        ingress.send(GET, "x", delay=timedelta(seconds=-1))


def test_handles_attach_and_output_paths() -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(202, json={"invocationId": "inv_9", "status": "PreviouslyAccepted"})
        return httpx.Response(200, content=b"5")

    ingress, seen = _sync(respond)
    handle = ingress.send(GET, "x", idempotency_key="again")
    assert handle.status == "PreviouslyAccepted"
    assert handle.attach() == 5 and handle.output() == 5
    assert [r.url.path for r in seen[1:]] == [
        "/restate/invocation/inv_9/attach",
        "/restate/invocation/inv_9/output",
    ]
    assert all(r.method == "GET" and r.headers["x-team"] == "a" for r in seen[1:])


def test_workflow_submit_attach_output() -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(202, json={"invocationId": "inv_w", "status": "Accepted"})
        return httpx.Response(200, json="done")

    ingress, seen = _sync(respond)
    handle = ingress.submit(RUN, "go", key="order 1", delay=timedelta(milliseconds=2))
    assert (handle.key, handle.invocation_id, handle.status) == ("order 1", "inv_w", "Accepted")
    assert handle.attach() == "done" and handle.output() == "done"
    assert ingress.workflow_attach(RUN, "order 1") == "done"
    assert ingress.workflow_output(RUN, key="order 1") == "done"
    assert seen[0].url.raw_path == b"/checkout/order%201/run/send?delay=2ms"
    assert [r.url.raw_path for r in seen[1:]] == [
        b"/restate/workflow/checkout/order%201/attach",
        b"/restate/workflow/checkout/order%201/output",
    ] * 2


def test_async_flavour_same_requests() -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/send"):
            return accepted(request)
        if request.url.path.endswith("/output"):
            return httpx.Response(470, json={"code": 470, "message": "not completed yet"})
        if request.url.path.startswith("/restate/workflow/"):
            return httpx.Response(200, json="done")
        return httpx.Response(200, content=b"3")

    async def scenario() -> list[httpx.Request]:
        ingress, seen = _async(respond)
        async with ingress:
            assert await ingress.call(GET, "x", key="k", headers={"x-team": "b"}) == 3
            handle = await ingress.send(GET, "x", delay=timedelta(seconds=2))
            assert await handle.attach() == 3
            with pytest.raises(NotReady):
                await handle.output()
            workflow = await ingress.submit(RUN, "go", key="w")
            assert workflow.status == "Accepted"
            assert await workflow.attach() == "done"
        return seen

    seen = asyncio.run(scenario())
    assert seen[0].url.raw_path == b"/stock/k/get" and seen[0].headers["x-team"] == "b"
    assert seen[1].url.raw_path == b"/stock/get/send?delay=2000ms"
    assert seen[4].url.raw_path == b"/checkout/w/run/send"


def test_client_created_lazily_and_closed() -> None:
    ingress = SyncIngress("http://restate:8080")
    assert ingress._client is None
    ingress.close()  # nothing to close
    with SyncIngress("http://restate:8080") as used:
        client = used._http()
        assert used._http() is client, "one client for every call"
    assert client.is_closed


def test_declared_error_is_revived() -> None:
    body = {
        "code": 410,
        "message": "Gone",
        "metadata": {"restagen-error": "Gone", "restagen-details": '{"sku":"s"}'},
    }
    ingress, _ = _sync(lambda request: httpx.Response(410, json=body))
    with pytest.raises(Gone) as caught:
        ingress.call(GET, "x")
    assert caught.value.sku == "s"
    with pytest.raises(Gone):
        ingress.attach(GET, "inv_1")


@pytest.mark.parametrize(
    "metadata",
    [
        {"restagen-error": "Unknown", "restagen-details": "{}"},
        {"restagen-error": "Gone", "restagen-details": "not json"},
        {"restagen-error": "Gone", "restagen-details": '{"wrong": 1}'},
        "not a mapping",
    ],
)
def test_undeclared_or_broken_error_metadata_is_an_ingress_error(metadata: object) -> None:
    body = {"code": 410, "message": "Gone away", "metadata": metadata}
    ingress, _ = _sync(lambda request: httpx.Response(410, json=body))
    with pytest.raises(IngressError) as caught:
        ingress.call(GET, "x")
    assert (caught.value.status_code, caught.value.message) == (410, "Gone away")


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(500, text="<html>proxy error</html>"), "<html>proxy error</html>"),
        (httpx.Response(502, content=b"\xff\xfe\x00 binary"), "\ufffd\ufffd\x00 binary"),
        (httpx.Response(404, json={"message": "service 'stock' not found"}), "service 'stock' not found"),
        (httpx.Response(400, json=["a", "list"]), '["a","list"]'),
        (httpx.Response(400, content=b'{"message": '), '{"message": '),
        (httpx.Response(503), "Service Unavailable"),
    ],
)
def test_other_failures_raise_ingress_error(response: httpx.Response, message: str) -> None:
    ingress, _ = _sync(lambda request: response)
    with pytest.raises(IngressError) as caught:
        ingress.call(GET, "x")
    assert caught.value.status_code == response.status_code
    assert caught.value.message == message
    assert type(caught.value) is IngressError


def test_ingress_error_names_status_message_source_and_invocation() -> None:
    response = httpx.Response(
        400,
        json={"code": 400, "message": "bad delay", "source": "ingress", "restate_code": "RT0001"},
        headers={"x-restate-id": "inv_5"},
    )
    ingress, _ = _sync(lambda request: response)
    with pytest.raises(IngressError) as caught:
        ingress.send(GET, "x")
    error = caught.value
    assert (error.source, error.invocation_id, error.restate_code) == ("ingress", "inv_5", "RT0001")
    assert error.body == response.content
    assert str(error) == "Restate ingress answered HTTP 400 RT0001: bad delay (invocation inv_5)"


def test_output_not_ready() -> None:
    ingress, _ = _sync(lambda request: httpx.Response(470, json={"message": "not completed yet"}))
    with pytest.raises(NotReady) as caught:
        ingress.output(GET, "inv_1")
    assert caught.value.status_code == 470
    with pytest.raises(NotReady):
        ingress.workflow_output(RUN, "w")


def test_send_answered_without_an_invocation_id() -> None:
    ingress, _ = _sync(lambda request: httpx.Response(202, text="accepted"))
    with pytest.raises(IngressError, match="without an invocation id"):
        ingress.send(GET, "x")


def test_the_sdk_client_sends_a_bare_delay_and_an_unquoted_key() -> None:
    """Why restagen has its own ingress client: restate-sdk's (`restate.create_client`) sends
    `?delay=<ms>` without a unit, which restate-server 1.7 refuses with HTTP 400, and puts object
    keys into the path unquoted (a key with a slash addresses another handler). Ours: see above."""
    from restate.client import Client

    seen: list[httpx.Request] = []

    def respond(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202, json={"invocationId": "inv_1", "status": "Accepted"})

    async def scenario() -> None:
        transport = httpx.MockTransport(respond)
        async with httpx.AsyncClient(base_url="http://restate:8080", transport=transport) as http:
            await Client(http).generic_send(
                "stock", "get", b'"x"', key="k/1", send_delay=timedelta(milliseconds=1500)
            )

    asyncio.run(scenario())
    assert seen[0].url.raw_path == b"/stock/k/1/get/send?delay=1500"


@pytest.mark.parametrize(
    ("timeout", "sent"),
    [(2.5, 2.5), (timedelta(milliseconds=300), 0.3), (None, 60.0)],
)
def test_a_call_timeout_replaces_the_client_default(timeout: float | timedelta | None, sent: float) -> None:
    ingress, seen = _sync(lambda request: httpx.Response(200, content=b"7"))
    ingress._http().timeout = httpx.Timeout(60.0)
    ingress.call(GET, "x", timeout=timeout)
    ingress.output(GET, "inv_1", timeout=timeout)
    for request in seen:
        assert request.extensions["timeout"] == dict.fromkeys(("connect", "read", "write", "pool"), sent)


@pytest.mark.parametrize("timeout", [0, -1.0, timedelta(0)])
def test_a_call_timeout_is_positive(timeout: float | timedelta) -> None:
    ingress, seen = _sync(lambda request: httpx.Response(200, content=b"7"))
    with pytest.raises(ValueError, match="positive"):
        ingress.call(GET, "x", timeout=timeout)
    assert seen == []


def test_attach_and_output_by_idempotency_key_paths() -> None:
    ingress, seen = _sync(lambda request: httpx.Response(200, content=b"5"))
    assert ingress.attach_idempotent(GET, "order-1:a@b!$&'()*+,;=~.", key="k/1 ü") == 5
    assert ingress.output_idempotent(PING, "once") is None
    assert [(r.method, r.url.raw_path) for r in seen] == [
        ("GET", b"/restate/invocation/stock/k%2F1%20%C3%BC/get/order-1:a@b!$&'()*+,;=~./attach"),
        ("GET", b"/restate/invocation/stock/ping/once/output"),
    ]


@pytest.mark.parametrize("idempotency_key", ["a b", "a/b", "100%", "ü", ""])
def test_an_idempotency_key_the_server_cannot_find_is_refused(idempotency_key: str) -> None:
    ingress, seen = _sync(lambda request: httpx.Response(200, content=b"5"))
    with pytest.raises(ValueError, match="idempotency key"):
        ingress.attach_idempotent(GET, idempotency_key)
    assert seen == []


def test_cancel_and_kill_through_the_admin_api() -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return accepted(request)
        return httpx.Response(202 if request.url.path.endswith("/cancel") else 200)

    seen: list[httpx.Request] = []
    client = httpx.Client(
        transport=httpx.MockTransport(lambda request: seen.append(request) or respond(request))
    )
    ingress = SyncIngress(
        "http://restate:8080", admin_url="http://admin:9070/", headers={"x-team": "a"}, client=client
    )
    handle = ingress.send(GET, "x")
    handle.cancel()
    handle.kill()
    workflow = ingress.submit(RUN, "x", key="w")
    workflow.cancel(timeout=5)
    assert [(r.method, str(r.url)) for r in seen[1:]] == [
        ("PATCH", "http://admin:9070/invocations/inv_1/cancel"),
        ("PATCH", "http://admin:9070/invocations/inv_1/kill"),
        ("POST", "http://restate:8080/checkout/w/run/send"),
        ("PATCH", "http://admin:9070/invocations/inv_1/cancel"),
    ]
    assert seen[1].headers["x-team"] == "a"
    assert seen[-1].extensions["timeout"]["read"] == 5


def test_cancel_refused_by_the_admin_api() -> None:
    body = {"message": "The invocation 'inv_1' was already completed.", "restate_code": None}
    ingress = SyncIngress(
        "http://restate:8080",
        admin_url="http://admin:9070",
        client=httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(409, json=body))),
    )
    with pytest.raises(IngressError) as caught:
        ingress.kill("inv_1")
    assert (caught.value.status_code, caught.value.source) == (409, "admin")
    assert (
        str(caught.value)
        == "Restate admin API answered HTTP 409: The invocation 'inv_1' was already completed."
    )


def test_cancel_needs_the_admin_url() -> None:
    ingress, seen = _sync(accepted)
    handle = ingress.send(GET, "x")
    with pytest.raises(ValueError, match="admin_url"):
        handle.cancel()
    assert len(seen) == 1


def test_async_handles_cancel_kill_and_attach_with_a_timeout() -> None:
    seen: list[httpx.Request] = []

    def respond(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "POST":
            return accepted(request)
        return httpx.Response(200, content=b"3")

    async def scenario() -> None:
        client = httpx.AsyncClient(transport=httpx.MockTransport(respond))
        async with (
            Ingress("http://restate:8080", admin_url="http://admin:9070", client=client) as ingress,
            client,
        ):
            handle = await ingress.send(GET, "x")
            assert await handle.attach(timeout=1.5) == 3
            await handle.cancel()
            await handle.kill()
            workflow = await ingress.submit(RUN, "x", key="w")
            await workflow.kill()
            assert await ingress.attach_idempotent(GET, "once", timeout=2) == 3

    asyncio.run(scenario())
    assert [(r.method, r.url.path) for r in seen] == [
        ("POST", "/stock/get/send"),
        ("GET", "/restate/invocation/inv_1/attach"),
        ("PATCH", "/invocations/inv_1/cancel"),
        ("PATCH", "/invocations/inv_1/kill"),
        ("POST", "/checkout/w/run/send"),
        ("PATCH", "/invocations/inv_1/kill"),
        ("GET", "/restate/invocation/stock/get/once/attach"),
    ]
    assert seen[1].extensions["timeout"]["read"] == 1.5 and seen[-1].extensions["timeout"]["pool"] == 2
