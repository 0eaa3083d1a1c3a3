"""`register` against a real Restate admin API: it waits for the endpoint and for the admin API
to come up, gives up after its timeout, and reports a refusal at once with the server's message.

What register does is seen in the requests it makes (`attempts`), not in how long it takes: the
machine may be busy.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from restagen.local.processes import spawn, stop
from restagen.local.server import LocalRestate, find_server_binary, free_port, install_server
from restagen.runtime import RegistrationError, register
from tests.local.samples import APP
from tests.polling import wait_until

ROOT = Path(__file__).resolve().parents[2]


def server_binary() -> Path:
    prefix = Path(os.environ.get("RESTAGEN_RESTATE_DIR", ROOT / ".restate"))
    return find_server_binary(prefix) or install_server(prefix)


@pytest.fixture(scope="module")
def server() -> Iterator[LocalRestate]:
    with LocalRestate(server_binary()) as local:
        yield local


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[[int], None]]:
    """`serve(port)` starts `restagen serve` on `port` in the background; it is killed at the end."""
    (tmp_path / "greeting_admin.py").write_text(APP)
    started: list[subprocess.Popen[bytes]] = []

    def start(port: int) -> None:
        command = [sys.executable, "-m", "restagen", "serve", "greeting_admin:app", "--port", str(port)]
        started.append(spawn([*command, "--path", str(tmp_path)]))

    yield start
    stop(*started, kill=True)


@pytest.fixture
def attempts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The URLs register posts to (one per attempt), each as the attempt starts."""
    made: list[str] = []
    post = httpx.AsyncClient.post

    async def counted(self: httpx.AsyncClient, url: Any, *args: Any, **kwargs: Any) -> httpx.Response:
        made.append(str(url))
        return await post(self, url, *args, **kwargs)

    monkeypatch.setattr(httpx.AsyncClient, "post", counted)
    return made


def retrying(later: Later, attempts: list[str]) -> None:
    """Wait until register has tried again after a failed attempt; it must still be at it."""
    wait_until(lambda: len(attempts) >= 2 or not later.is_alive(), "register trying a second time")
    assert later.is_alive() and later.result is None, f"register ended with {later.result!r}"


class Later(threading.Thread):
    """`register` running in the background, so that the test can bring things up meanwhile."""

    def __init__(self, admin_url: str, uri: str) -> None:
        super().__init__(daemon=True)
        self.admin_url, self.uri = admin_url, uri
        self.result: list[str] | BaseException | None = None

    def run(self) -> None:
        try:
            self.result = register(self.admin_url, self.uri, delay=0.1, timeout=30)
        except BaseException as error:
            self.result = error


@pytest.mark.e2e
def test_register_waits_for_the_endpoint(
    server: LocalRestate, serve: Callable[[int], None], attempts: list[str]
) -> None:
    port = free_port()
    later = Later(server.admin_url, f"http://127.0.0.1:{port}")
    later.start()
    retrying(later, attempts)  # nothing listens yet: register keeps trying
    serve(port)
    later.join(30)
    assert later.result == ["greeter"]


@pytest.mark.e2e
def test_register_waits_for_the_admin_api(
    tmp_path: Path, serve: Callable[[int], None], attempts: list[str]
) -> None:
    port = free_port()
    serve(port)
    (tmp_path / "data").mkdir()
    late = LocalRestate(server_binary(), base_dir=tmp_path / "data")
    later = Later(late.admin_url, f"http://127.0.0.1:{port}")
    later.start()
    retrying(later, attempts)  # no admin API yet: register keeps trying
    with late:
        later.join(30)
    assert later.result == ["greeter"]


@pytest.mark.e2e
def test_a_refusal_is_reported_at_once_with_the_server_message(
    server: LocalRestate, attempts: list[str]
) -> None:
    with pytest.raises(RegistrationError) as raised:
        register(server.admin_url, "not-absolute")
    assert len(attempts) == 1, "a refusal is not retried"
    message = str(raised.value)
    assert message.startswith(f"could not register not-absolute with {server.admin_url}: HTTP 4")
    assert "not absolute" in message


def test_register_gives_up_after_its_timeout(attempts: list[str]) -> None:
    """With room for 100 attempts, 0.05 s apart, a timeout of 0.5 s ends it first: it tries until
    then (no wait is cut short: the attempts are at least that far apart) and no longer."""
    admin = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(RegistrationError, match="admin API unreachable"):
        register(admin, "http://127.0.0.1:9080", attempts=100, delay=0.05, timeout=0.5)
    assert time.monotonic() - started >= 0.5 - 0.05
    assert 2 <= len(attempts) <= 0.5 / 0.05 + 1
