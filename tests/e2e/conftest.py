"""End-to-end fixtures: a real restate-server, and endpoints served by `restagen serve`.

`restate` is one server for the whole test session (free loopback ports, a temporary data
folder). `endpoint(app, paths)` serves an ASGI app in a child process, registers it with the
server and stops it after the test module; `Endpoint.kill()` and `restart()` serve crash tests.
No process outlives the session, whatever the tests do.
"""

from __future__ import annotations

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

from restagen.local.admin import register
from restagen.local.server import LocalRestate, find_server_binary, free_port, install_server


@dataclass
class Endpoint:
    """An app served by `restagen serve` in a child process, registered with `server`."""

    app: str
    paths: list[Path]
    server: LocalRestate
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [sys.executable, "-m", "restagen", "serve", self.app, "--port", str(self.port)]
        for path in self.paths:
            command += ["--path", str(path)]
        self.process = subprocess.Popen(command, start_new_session=True)
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"restagen serve {self.app} exited with {self.process.returncode}")
            try:
                httpx.get(f"{self.uri}/health", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{self.app} is not listening on {self.uri}") from None
                time.sleep(0.05)
        register(self.server.admin_url, self.uri)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
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


@pytest.fixture(scope="session")
def restate() -> Iterator[LocalRestate]:
    binary = find_server_binary() or install_server()
    with LocalRestate(binary) as server:
        yield server


@pytest.fixture(scope="module")
def endpoint(restate: LocalRestate) -> Iterator[Callable[[str, list[Path]], Endpoint]]:
    started: list[Endpoint] = []

    def start(app: str, paths: list[Path]) -> Endpoint:
        served = Endpoint(app, paths, restate)
        started.append(served)
        served.start()
        return served

    yield start
    for served in started:
        served.stop()
