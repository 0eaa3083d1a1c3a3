"""End-to-end fixtures: a real restate-server, and endpoints served by `restagen serve`.

`restate` is one server for the whole test session (free loopback ports, a temporary data
folder); its binary is `RESTATE_SERVER_BIN`, the project's `.restate/` install or PATH, else it
is installed into `.restate/` with npm. `endpoint(app, paths)` serves an ASGI app (`module:attr`,
importable from `paths`) in a child process, waits until it listens, registers it (forced) and
stops it after the test module; `Endpoint.kill()` and `restart()` serve crash tests. No process
outlives the session, whatever the tests do: each child has its own process group, stopped at
teardown and, should teardown never run, at interpreter exit.
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from restagen.local.server import LocalRestate, find_server_binary, free_port, install_server
from restagen.runtime.admin import register

ROOT = Path(__file__).resolve().parents[2]

_RUNNING: set[subprocess.Popen[bytes]] = set()


@atexit.register
def _kill_leftovers() -> None:
    for process in list(_RUNNING):
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@dataclass
class Endpoint:
    """An app served by `restagen serve` in a child process, registered with `server`."""

    app: str
    paths: list[Path]
    server: LocalRestate
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    services: list[str] = field(default_factory=list)

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        command = [sys.executable, "-m", "restagen", "serve", self.app, "--port", str(self.port)]
        for path in self.paths:
            command += ["--path", str(path)]
        # Its output goes to ours: pytest shows the endpoint's tracebacks with a failing test.
        self.process = subprocess.Popen(command, start_new_session=True)
        _RUNNING.add(self.process)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"restagen serve {self.app} exited with {self.process.returncode} (its output is above)"
                )
            try:
                httpx.get(f"{self.uri}/health", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    self.stop(signal.SIGKILL)
                    raise TimeoutError(f"{self.app} is not listening on {self.uri}") from None
                time.sleep(0.05)
        self.services = register(self.server.admin_url, self.uri)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        _RUNNING.discard(process)
        if process.poll() is not None:
            return
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def kill(self) -> None:
        """SIGKILL: the endpoint dies mid-work, as in a crash."""
        self.stop(signal.SIGKILL)

    def restart(self) -> None:
        self.stop()
        self.start()


def server_binary() -> Path:
    """The server to test against; installed into the project's `.restate/` when there is none."""
    prefix = Path(os.environ.get("RESTAGEN_RESTATE_DIR", ROOT / ".restate"))
    return find_server_binary(prefix) or install_server(prefix)


@pytest.fixture(scope="session")
def restate() -> Iterator[LocalRestate]:
    with LocalRestate(server_binary()) as server:
        yield server


@pytest.fixture(scope="module")
def endpoint(restate: LocalRestate) -> Iterator[Callable[[str, list[Path]], Endpoint]]:
    """`endpoint("module:app", [paths])` serves and registers an app for this test module."""
    started: list[Endpoint] = []

    def start(app: str, paths: list[Path]) -> Endpoint:
        served = Endpoint(app, paths, restate)
        started.append(served)
        served.start()
        return served

    yield start
    for served in started:
        served.stop()
