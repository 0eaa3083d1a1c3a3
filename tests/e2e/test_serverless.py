"""Endpoints in request-response mode, as serverless platforms run them, on a real restate-server.

`request_response_app` is served over HTTP/1.1 and registered with `use_http_11`: Restate calls
it once per step of an invocation, and a handler that sleeps is called again when the timer
fires. The Lambda handler is driven by Lambda-shaped events: built by hand for discovery, and,
end to end, by a proxy that turns each HTTP/1.1 request of the real server into the event
Restate's Lambda invoker sends (API Gateway's shape, the body base64) and the handler's answer
back into HTTP: what runs on Lambda, minus AWS.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from restagen.local.server import LocalRestate
from restagen.runtime import Config, Endpoint, SyncIngress, register
from restagen.runtime.serverless import lambda_handler, request_response_app
from restagen.testing._serve import AppThread
from tests.e2e.ingress_app import ADD, NAP, PRICING, RUNS, TALLY, Pricing, Tally

pytestmark = pytest.mark.e2e


def _endpoint() -> Endpoint:
    return Endpoint(Config()).bind(TALLY, Tally()).bind(PRICING, Pricing())


class Recorder:
    """An ASGI app in front of another, keeping the HTTP version of every request."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.versions: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.versions.append(scope["http_version"])
        await self.app(scope, receive, send)


class LambdaProxy:
    """HTTP in, a Lambda event to the handler, its Lambda response back out as HTTP.

    The handler is created and called on one thread of its own, as Lambda calls it."""

    def __init__(self) -> None:
        self.thread = ThreadPoolExecutor(max_workers=1)
        self.handler = self.thread.submit(lambda: lambda_handler(_endpoint())).result()
        self.events: list[dict[str, Any]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        event = {
            "httpMethod": scope["method"],
            "path": scope["path"],
            "headers": {name.decode(): value.decode() for name, value in scope["headers"]},
            "body": base64.b64encode(body).decode(),
            "isBase64Encoded": True,
        }
        self.events.append(event)
        loop = asyncio.get_running_loop()
        answer = await loop.run_in_executor(self.thread, self.handler, event, None)
        headers = [(name.encode(), value.encode()) for name, value in answer["headers"].items()]
        await send({"type": "http.response.start", "status": answer["statusCode"], "headers": headers})
        await send({"type": "http.response.body", "body": base64.b64decode(answer["body"])})


@pytest.fixture
def served(request: pytest.FixtureRequest) -> Iterator[Any]:
    app = request.param() if callable(request.param) else request.param
    thread = AppThread(app)
    thread.start()
    try:
        yield app, thread.url
    finally:
        thread.stop()
        if isinstance(app, LambdaProxy):
            app.thread.shutdown()


def _deployment(restate: LocalRestate, uri: str) -> dict[str, Any]:
    listed = httpx.get(f"{restate.admin_url}/deployments", timeout=10).json()["deployments"]
    return next(d for d in listed if d.get("uri", "").rstrip("/") == uri)


def _exercise(restate: LocalRestate, key: str) -> None:
    """Calls that take one request each, and one that sleeps (Restate calls again after the timer)."""
    with SyncIngress(restate.ingress_url) as ingress:
        for _ in range(3):
            ingress.call(ADD, 2, key=key)
        assert ingress.call(RUNS, None, key=key) == 3
        assert ingress.call(NAP, 50) == 50


@pytest.mark.parametrize("served", [lambda: Recorder(request_response_app(_endpoint()))], indirect=True)
def test_request_response_over_http_1_1(restate: LocalRestate, served: Any) -> None:
    recorder, url = served
    register(restate.admin_url, url, http1=True)
    deployment = _deployment(restate, url)
    assert deployment["protocol_type"] == "RequestResponse"
    assert deployment["http_version"] == "HTTP/1.1"
    _exercise(restate, "http1")
    assert set(recorder.versions) == {"1.1"}
    assert len(recorder.versions) >= 7, "discovery, three adds, a read, and the nap twice at least"


DISCOVER = {
    "httpMethod": "GET",
    "path": "/discover",
    "headers": {"accept": "application/vnd.restate.endpointmanifest.v3+json"},
    "body": "",
    "isBase64Encoded": True,
}


def _manifest(answer: Any) -> Any:
    assert answer["statusCode"] == 200 and answer["isBase64Encoded"] is True
    return json.loads(base64.b64decode(answer["body"]))


def test_lambda_handler_answers_discovery() -> None:
    handler = lambda_handler(_endpoint())
    event: Any = DISCOVER
    manifest = _manifest(handler(event, None))
    assert manifest["protocolMode"] == "REQUEST_RESPONSE"
    assert sorted(service["name"] for service in manifest["services"]) == ["pricing", "tally"]
    missing = handler({**event, "path": "/invoke/nobody/nothing", "httpMethod": "POST"}, None)
    assert missing["statusCode"] == 404


def test_on_lambda_the_sdk_gives_the_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    """With AWS_LAMBDA_FUNCTION_NAME set, the SDK's app already is its Lambda handler: used as is."""
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "tally")
    handler = lambda_handler(_endpoint())
    assert _manifest(handler(DISCOVER, None))["protocolMode"] == "REQUEST_RESPONSE"  # type: ignore[arg-type]


@pytest.mark.parametrize("served", [LambdaProxy], indirect=True)
def test_lambda_handler_serves_a_real_server(restate: LocalRestate, served: Any) -> None:
    proxy, url = served
    register(restate.admin_url, url, http1=True)
    _exercise(restate, "lambda")
    paths = [event["path"] for event in proxy.events]
    assert paths[0] == "/discover"
    assert paths.count("/invoke/tally/add") == 3
    assert paths.count("/invoke/pricing/nap") >= 2, "suspended at its sleep, then called again"
