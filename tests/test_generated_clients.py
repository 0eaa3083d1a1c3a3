"""Generated ingress clients hand their options to the runtime: the library example's clients on
httpx's mock transport (a timeout of a call, a send or a workflow's attach; repeated when safe)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from restagen.runtime import IngressError, IngressRetries, SyncIngress

SRC = Path(__file__).resolve().parents[1] / "examples" / "library" / "src"


@pytest.fixture
def library(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, ModuleType]]:
    monkeypatch.syspath_prepend(str(SRC))
    try:
        yield {name: importlib.import_module(f"library.{name}.clients") for name in ("catalog", "members")}
    finally:
        for name in [m for m in sys.modules if m.split(".")[0] == "library"]:
            del sys.modules[name]


def _ingress(answers: list[httpx.Response], seen: list[httpx.Request]) -> SyncIngress:
    def respond(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers.pop(0)

    client = httpx.Client(transport=httpx.MockTransport(respond), timeout=60)
    ingress = SyncIngress("http://restate:8080", client=client, retries=IngressRetries(backoff=0))
    ingress._sleep = lambda seconds: None
    return ingress


def _read_timeout(request: httpx.Request) -> Any:
    return request.extensions["timeout"]["read"]


def test_generated_calls_take_a_timeout(library: dict[str, ModuleType]) -> None:
    seen: list[httpx.Request] = []
    accepted = httpx.Response(202, json={"invocationId": "inv_1", "status": "Accepted"})
    ingress = _ingress([httpx.Response(404), accepted, httpx.Response(404)], seen)
    item = library["catalog"].ItemSyncClient(ingress, "book-1")
    with pytest.raises(IngressError):
        item.get(timeout=2.5)
    assert item.send_get(timeout=timedelta(seconds=4)).invocation_id == "inv_1"
    with pytest.raises(IngressError):
        item.get()
    assert [_read_timeout(request) for request in seen] == [2.5, 4.0, 60]
    assert [request.url.path for request in seen] == [
        "/item/book-1/get",
        "/item/book-1/get/send",
        "/item/book-1/get",
    ]


def test_generated_workflow_attach_takes_a_timeout_and_is_repeated(library: dict[str, ModuleType]) -> None:
    seen: list[httpx.Request] = []
    ingress = _ingress([httpx.Response(503), httpx.Response(404)], seen)
    enrolment = library["members"].EnrolmentSyncClient(ingress, "m-1")
    with pytest.raises(IngressError) as caught:
        enrolment.attach(timeout=7)
    assert caught.value.status_code == 404
    assert [(request.url.path, _read_timeout(request)) for request in seen] == [
        ("/restate/workflow/enrolment/m-1/attach", 7),
        ("/restate/workflow/enrolment/m-1/attach", 7),
    ]
