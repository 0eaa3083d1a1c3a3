"""The end-to-end fixtures themselves: `restate` and `endpoint`, with a tiny hand-written app.

An endpoint answers through the ingress, keeps its port across `restart()`, and `kill()` is a
crash that Restate recovers from once the endpoint is back; a virtual object's state survives a
restart of the server, which keeps its data folder.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from restagen.local.server import LocalRestate

if TYPE_CHECKING:  # conftest is pytest's to import; a second copy would have its own registry
    from tests.e2e.conftest import Endpoint

pytestmark = pytest.mark.e2e

APP = """\
import restate

greeter = restate.Service("greeter")
counter = restate.VirtualObject("counter")


@greeter.handler()
async def greet(ctx: restate.Context, name: str) -> str:
    return f"hello {name}"


@counter.handler()
async def add(ctx: restate.ObjectContext, amount: int) -> int:
    total = (await ctx.get("total", type_hint=int) or 0) + amount
    ctx.set("total", total)
    return total


@counter.handler(kind="shared")
async def total(ctx: restate.ObjectSharedContext) -> int:
    return await ctx.get("total", type_hint=int) or 0


app = restate.app([greeter, counter])
"""


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, endpoint: Callable[[str, list[Path]], Endpoint]
) -> Endpoint:
    folder = tmp_path_factory.mktemp("fixture_app")
    (folder / "fixture_app.py").write_text(APP)
    return endpoint("fixture_app:app", [folder])


def call(restate: LocalRestate, path: str, body: object = None) -> httpx.Response:
    return httpx.post(f"{restate.ingress_url}/{path}", json=body, timeout=30)


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_an_endpoint_is_served_registered_and_called(restate: LocalRestate, served: Endpoint) -> None:
    assert served.services == ["counter", "greeter"]
    assert served.uri == f"http://127.0.0.1:{served.port}"
    assert call(restate, "greeter/greet", "ann").json() == "hello ann"


def test_restart_keeps_the_port_and_registers_again(restate: LocalRestate, served: Endpoint) -> None:
    uri = served.uri
    served.restart()
    assert served.uri == uri
    assert call(restate, "greeter/greet", "bob").json() == "hello bob"


def test_a_killed_endpoint_is_gone_and_its_work_resumes_after_restart(
    restate: LocalRestate, served: Endpoint
) -> None:
    served.kill()
    assert served.process is None and not listening(served.port)
    sent = httpx.post(f"{restate.ingress_url}/greeter/greet/send", json="cy", timeout=30)
    assert sent.status_code == 202
    served.start()
    invocation = sent.json()["invocationId"]
    attached = httpx.get(f"{restate.ingress_url}/restate/invocation/{invocation}/attach", timeout=30)
    assert attached.json() == "hello cy"


def test_object_state_survives_a_server_restart(restate: LocalRestate, served: Endpoint) -> None:
    key = f"counter/{uuid.uuid4().hex}"
    assert call(restate, f"{key}/add", 2).json() == 2
    assert call(restate, f"{key}/add", 3).json() == 5
    restate.restart()
    assert call(restate, f"{key}/total").json() == 5
    assert call(restate, f"{key}/add", 1).json() == 6
