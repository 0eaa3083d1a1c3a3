"""The ingress clients' requests and their handling of answers, against a mock transport."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from pydantic import BaseModel

from restagen.runtime.errors import DeclaredError
from restagen.runtime.ingress import IngressError, NotReady, SyncIngress
from restagen.runtime.serde import JsonCodec
from restagen.runtime.specs import HandlerSpec


class GoneDetails(BaseModel):
    sku: str


class Gone(DeclaredError):
    code = 410
    details_model = GoneDetails

    def __init__(self, *, sku: str) -> None:
        self.sku = sku
        super().__init__(GoneDetails(sku=sku))


GET = HandlerSpec[str, int]("stock", "get", None, JsonCodec(str), JsonCodec(int), errors=(Gone,))


def _ingress(handler: object) -> tuple[SyncIngress, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def respond(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)  # type: ignore[operator, no-any-return]

    client = httpx.Client(transport=httpx.MockTransport(respond))
    return SyncIngress(
        "http://restate:8080/", headers={"x-team": "a", "x-both": "default"}, client=client
    ), seen


def test_call_path_headers_and_result() -> None:
    ingress, seen = _ingress(lambda request: httpx.Response(200, content=b"7"))
    assert ingress.call(GET, "a b", key="k/1", idempotency_key="once", headers={"x-both": "explicit"}) == 7
    request = seen[0]
    assert request.url.path == "/stock/k%2F1/get" or request.url.raw_path == b"/stock/k%2F1/get"
    assert request.content == b'"a b"'
    assert request.headers["idempotency-key"] == "once"
    assert request.headers["x-team"] == "a" and request.headers["x-both"] == "explicit"
    assert request.headers["content-type"] == "application/json"


def test_send_delay_has_a_unit_and_is_never_shortened() -> None:
    ingress, seen = _ingress(
        lambda request: httpx.Response(202, json={"invocationId": "inv_1", "status": "Accepted"})
    )
    handle = ingress.send(GET, "x", delay=timedelta(seconds=1, microseconds=1))
    assert handle.invocation_id == "inv_1" and handle.status == "Accepted"
    assert seen[0].url.path == "/stock/get/send"
    assert seen[0].url.params["delay"] == "1001ms"


def test_declared_error_is_revived() -> None:
    body = {
        "code": 410,
        "message": "Gone",
        "metadata": {"restagen-error": "Gone", "restagen-details": '{"sku":"s"}'},
    }
    ingress, _ = _ingress(lambda request: httpx.Response(410, json=body))
    with pytest.raises(Gone) as caught:
        ingress.call(GET, "x")
    assert caught.value.sku == "s"


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(500, text="<html>proxy error</html>"), "<html>proxy error</html>"),
        (httpx.Response(404, json={"message": "service 'stock' not found"}), "service 'stock' not found"),
        (httpx.Response(503), "Service Unavailable"),
    ],
)
def test_other_failures_raise_ingress_error(response: httpx.Response, message: str) -> None:
    ingress, _ = _ingress(lambda request: response)
    with pytest.raises(IngressError) as caught:
        ingress.call(GET, "x")
    assert caught.value.status_code == response.status_code
    assert caught.value.message == message


def test_output_not_ready() -> None:
    ingress, _ = _ingress(lambda request: httpx.Response(470, json={"message": "not completed yet"}))
    with pytest.raises(NotReady):
        ingress.get(GET, "/restate/invocation/inv_1/output")
