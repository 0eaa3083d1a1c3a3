"""End-to-end fixtures: a real restate-server, and endpoints served by `restagen serve`.

`restate` is one server for the whole test session, from `restagen.testing.local_restate` (free
loopback ports, a temporary data folder); its binary is `RESTATE_SERVER_BIN`, the project's
`.restate/` install or PATH, else it is installed into `.restate/` with npm. Most tests serve
their app on it from their own process, with `restagen.testing.serve` in a module fixture.
`endpoint(app, paths)` serves an ASGI app (`module:attr`, importable from `paths`) in a child
process instead, for what needs one (crash tests, configuration from the environment): it waits
until it listens, registers it (forced) and stops it after the test module; `Endpoint.kill()`
and `restart()` serve crash tests. No process outlives the session, whatever the tests do: each
child is started with `spawn` (its own process group, stopped at teardown with `stop`) and so
ends with pytest too, even a killed one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from restagen.local.processes import spawn, stop
from restagen.local.server import LocalRestate, find_server_binary, free_port, install_server
from restagen.runtime import register
from restagen.testing import local_restate

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Endpoint:
    """An app served by `restagen serve` in a child process, registered with `server`."""

    app: str
    paths: list[Path]
    server: LocalRestate
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    services: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    """Extra environment of the endpoint (its configuration as RESTAGEN_... variables)."""
    register: bool = True
    """Register once it listens (False: the endpoint registers itself, or the test does)."""

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        command = [sys.executable, "-m", "restagen", "serve", self.app, "--port", str(self.port)]
        for path in self.paths:
            command += ["--path", str(path)]
        # Its output goes to ours: pytest shows the endpoint's tracebacks with a failing test.
        self.process = spawn(command, env={**os.environ, **self.env})
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
                    self.kill()
                    raise TimeoutError(f"{self.app} is not listening on {self.uri}") from None
                time.sleep(0.05)
        if self.register:
            self.services = register(self.server.admin_url, self.uri)

    def stop(self, *, kill: bool = False) -> None:
        """SIGTERM (SIGKILL when `kill`) to the endpoint's process group; SIGKILL after 10 s."""
        process, self.process = self.process, None
        stop(process, kill=kill)

    def kill(self) -> None:
        """SIGKILL: the endpoint dies mid-work, as in a crash."""
        self.stop(kill=True)

    def restart(self) -> None:
        self.stop()
        self.start()


def server_binary() -> Path:
    """The server to test against; installed into the project's `.restate/` when there is none."""
    prefix = Path(os.environ.get("RESTAGEN_RESTATE_DIR", ROOT / ".restate"))
    return find_server_binary(prefix) or install_server(prefix)


@dataclass(frozen=True)
class SigningKey:
    """The ed25519 key the test server signs its requests to endpoints with."""

    pem_file: Path
    public_key: str
    """As endpoints take it: `publickeyv1_` and the base58 of the raw public key."""


def signing_key(folder: Path) -> SigningKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = Ed25519PrivateKey.generate()
    pem_file = folder / "signing.pem"
    pem_file.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return SigningKey(pem_file, "publickeyv1_" + _base58(raw))


def _base58(data: bytes) -> str:
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    number = int.from_bytes(data, "big")
    digits = ""
    while number:
        number, digit = divmod(number, 58)
        digits = alphabet[digit] + digits
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + digits


@pytest.fixture(scope="session")
def request_signing(tmp_path_factory: pytest.TempPathFactory) -> SigningKey:
    return signing_key(tmp_path_factory.mktemp("signing"))


@pytest.fixture(scope="session")
def restate(request_signing: SigningKey) -> Iterator[LocalRestate]:
    """The session's server; it signs its requests (endpoints without identity keys ignore that)."""
    env = {"RESTATE_WORKER__INVOKER__REQUEST_IDENTITY_PRIVATE_KEY_PEM_FILE": str(request_signing.pem_file)}
    with local_restate(binary=server_binary(), env=env) as server:
        yield server


@pytest.fixture
def own_restate(tmp_path: Path) -> Iterator[LocalRestate]:
    """A server of the test's own, which it may kill and restart on the same data folder."""
    with local_restate(binary=server_binary(), base_dir=tmp_path) as server:
        yield server


@pytest.fixture(scope="module")
def endpoint(restate: LocalRestate) -> Iterator[Callable[..., Endpoint]]:
    """`endpoint("module:app", [paths], env=..., register=..., server=...)` serves an app for this
    test module, registered with the session's server or with `server`."""
    started: list[Endpoint] = []

    def start(
        app: str,
        paths: list[Path],
        *,
        env: dict[str, str] | None = None,
        register: bool = True,
        server: LocalRestate | None = None,
    ) -> Endpoint:
        served = Endpoint(app, paths, server or restate, env=env or {}, register=register)
        started.append(served)
        served.start()
        return served

    yield start
    for served in started:
        served.stop()
