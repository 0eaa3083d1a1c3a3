"""`restagen.testing.serve` end to end: the desk package (tests/testing/desk) generated, served from
this process on a real restate-server and called through typed clients; the server options, seen
in what the handlers count; and everything stopped however the block ends."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from restagen.cli import main as restagen
from restagen.runtime import Config, Endpoint, IngressError, RegistrationError
from restagen.testing import LocalRestate, local_restate, serve
from tests.processes import SESSION, marked

pytestmark = pytest.mark.e2e

DESK = Path(__file__).resolve().parent / "desk"


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The implementations module, its generated package importable."""
    out = tmp_path_factory.mktemp("desk")
    assert restagen(["generate", str(DESK), "-o", str(out)]) == 0
    sys.path[:0] = [str(out), str(DESK)]
    try:
        import desk_impl

        yield desk_impl
    finally:
        sys.path.remove(str(out))
        sys.path.remove(str(DESK))
        for name in [m for m in sys.modules if m == "desk_impl" or m.split(".")[0] == "desk"]:
            del sys.modules[name]


@pytest.fixture(scope="module")
def server() -> Iterator[LocalRestate]:
    with local_restate() as server:
        yield server


def endpoint(desk: Any) -> Endpoint:
    from desk.app import bind_components

    return bind_components(Endpoint(Config()), greeter=desk.Greeter, counter=desk.Tally)


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def servers() -> set[int]:
    """The restate-servers this test session runs."""
    return {pid for pid, command in marked(SESSION, str(os.getpid())).items() if "restate-server" in command}


def test_a_generated_package_is_served_registered_and_called_through_typed_clients(
    desk: Any, server: LocalRestate
) -> None:
    from desk.clients import CounterClient, CounterSyncClient, GreeterClient
    from desk.errors import Closed

    async def scenario() -> None:
        async with serve(endpoint(desk), server=server) as env:
            assert env.services == ["counter", "greeter"]
            assert (env.ingress_url, env.admin_url) == (server.ingress_url, server.admin_url)
            greeter = env.client(GreeterClient)
            assert await greeter.greet("ann") == "hello ann"
            with pytest.raises(Closed) as closed:
                await greeter.greet("")
            assert closed.value.reason == "nobody to greet"  # type: ignore[attr-defined]
            assert await env.client(CounterClient, "k1").add(2) == 2
            # A blocking call from the test's coroutine: the endpoint runs on a loop of its own.
            assert env.client(CounterSyncClient, "k1").add(3) == 5
            assert await greeter.pause("default") == 1  # no suspension: the body ran once
            assert await greeter.flaky("retried") == 2  # the first attempt failed and was retried
            with pytest.raises(TypeError, match="not an ingress client"):
                env.client(Closed)
            endpoint_port = int(env.endpoint_url.rsplit(":", 1)[1])
            assert listening(endpoint_port)
        assert not listening(endpoint_port)
        assert listening(server.admin_port)  # the given server is the caller's to stop

    asyncio.run(scenario())


def test_the_sync_block_serves_for_blocking_tests(desk: Any, server: LocalRestate) -> None:
    from desk.clients import GreeterSyncClient

    with serve([*endpoint(desk).components()], server=server) as env:
        assert env.client(GreeterSyncClient).greet("bo") == "hello bo"
        with pytest.raises(RuntimeError, match="sync_ingress"):
            env.ingress  # noqa: B018
    with pytest.raises(ValueError, match="settings of the server"):
        serve(endpoint(desk), server=server, always_replay=True)


def test_always_replay_replays_each_suspension_and_disable_retries_stops_at_the_first_failure(
    desk: Any,
) -> None:
    from desk.clients import GreeterClient

    async def scenario() -> tuple[int, LocalRestate]:
        async with serve(endpoint(desk), always_replay=True, disable_retries=True) as env:
            greeter = env.client(GreeterClient)
            # The sleep suspends the invocation, which is then invoked again and replays its
            # journal: the body before the sleep runs a second time.
            assert await greeter.pause("replayed") == 2
            with pytest.raises(IngressError):
                await greeter.flaky("not retried")
            return desk.RUNS["not retried"], env.server

    attempts, own = asyncio.run(scenario())
    assert attempts == 1
    assert desk.RUNS["replayed"] == 2
    assert not listening(own.admin_port) and not listening(own.ingress_port)


def test_everything_stops_when_the_block_fails_or_is_cancelled(desk: Any) -> None:
    before = servers()
    ports: list[int] = []

    async def failing() -> None:
        async with serve(endpoint(desk)) as env:
            ports.extend([env.server.admin_port, int(env.endpoint_url.rsplit(":", 1)[1])])
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        asyncio.run(failing())
    assert servers() == before
    assert ports and not any(listening(port) for port in ports)

    async def cancelled() -> None:
        entered = asyncio.Event()

        async def test_body() -> None:
            async with serve(endpoint(desk)) as env:
                ports.append(env.server.admin_port)
                entered.set()
                await asyncio.Event().wait()

        task = asyncio.ensure_future(test_body())
        await entered.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancelled())
    assert servers() == before
    assert not listening(ports[-1])


def test_a_failure_to_start_stops_the_server_it_started() -> None:
    before = servers()

    async def refused() -> None:
        async with serve(object()):
            raise AssertionError("never entered")

    with pytest.raises(TypeError, match="not <object"):
        asyncio.run(refused())
    assert servers() == before

    async def not_restate(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def unregistered() -> None:
        async with serve(not_restate):
            raise AssertionError("never entered")

    with pytest.raises(RegistrationError, match="could not register"):
        asyncio.run(unregistered())
    assert servers() == before
