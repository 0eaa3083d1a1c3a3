"""`restagen serve` and `restagen register` as a user runs them: child processes and a real server.

An app is served, registered with the CLI, called through the ingress, changed, served and
registered again (the new handler answers: the registration is forced); user errors exit 1
without a traceback.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from restagen.local.server import LocalRestate, find_server_binary, free_port, install_server
from restagen.testing import local_restate

ROOT = Path(__file__).resolve().parents[1]

APP = """\
import restate

greeter = restate.Service("greeter")


@greeter.handler()
async def greet(ctx: restate.Context, name: str) -> str:
    return f"hello {name}"
{extra}

app = restate.app([greeter])
"""

FAREWELL = """

@greeter.handler()
async def bye(ctx: restate.Context, name: str) -> str:
    return f"bye {name}"
"""


def restagen(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "restagen", *args], capture_output=True, text=True, timeout=timeout
    )


class Served:
    """`restagen serve` in a child process (its own process group), stopped at the end of the test."""

    def __init__(self, app: str, path: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.uri = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "restagen", "serve", app, "--port", str(self.port), "--path", str(path)],
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while True:
            assert self.process.poll() is None, self.process.stderr.read() if self.process.stderr else ""
            try:
                httpx.get(f"{self.uri}/health", timeout=1)
                return
            except httpx.TransportError:
                assert time.monotonic() < deadline, "restagen serve never listened"
                time.sleep(0.05)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode


@pytest.fixture
def serving() -> Iterator[list[Served]]:
    started: list[Served] = []
    yield started
    for served in started:
        served.stop(signal.SIGKILL)


@pytest.fixture(scope="module")
def server() -> Iterator[LocalRestate]:
    prefix = Path(os.environ.get("RESTAGEN_RESTATE_DIR", ROOT / ".restate"))
    with local_restate(binary=find_server_binary(prefix) or install_server(prefix)) as local:
        yield local


@pytest.mark.e2e
def test_serve_register_call_and_register_again(
    tmp_path: Path, server: LocalRestate, serving: list[Served]
) -> None:
    (tmp_path / "greeting.py").write_text(APP.replace("{extra}", ""))
    serving.append(served := Served("greeting:app", tmp_path))
    done = restagen("register", "--admin", server.admin_url, "--uri", served.uri)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"registered {served.uri}: greeter\n"
    ingress = server.ingress_url
    assert httpx.post(f"{ingress}/greeter/greet", json="ann", timeout=30).json() == "hello ann"
    assert httpx.post(f"{ingress}/greeter/bye", json="ann", timeout=30).status_code == 404

    # Restate's HTTP/2 connection is open and the SDK has taken SIGTERM over (see serve.py).
    stopping = time.monotonic()
    assert served.stop(signal.SIGTERM) == 0, "SIGTERM stops the server gracefully"
    assert time.monotonic() - stopping < 5
    output = served.process.stderr.read().decode() if served.process.stderr else ""
    assert "Traceback" not in output and "Lifespan" not in output, output
    (tmp_path / "greeting.py").write_text(APP.replace("{extra}", FAREWELL))
    serving.append(again := Served("greeting:app", tmp_path, port=served.port))
    assert restagen("register", "--admin", server.admin_url, "--uri", again.uri).returncode == 0
    # Same URI: only a forced registration makes Restate see the new handler.
    assert httpx.post(f"{ingress}/greeter/bye", json="bob", timeout=30).json() == "bye bob"
    stopping = time.monotonic()
    assert again.stop(signal.SIGINT) == 0, "so does SIGINT"
    assert time.monotonic() - stopping < 5


@pytest.mark.e2e
def test_register_refused_by_the_server_is_a_user_error(server: LocalRestate) -> None:
    started = time.monotonic()
    done = restagen("register", "--admin", server.admin_url, "--uri", "not a uri")
    assert done.returncode == 1
    assert "could not register not a uri" in done.stderr and "HTTP 422" in done.stderr
    assert "Traceback" not in done.stderr
    assert time.monotonic() - started < 20, "a refusal is not retried"


def test_register_with_no_admin_api_is_a_user_error() -> None:
    admin = f"http://127.0.0.1:{free_port()}"
    done = restagen("register", "--admin", admin, "--uri", "http://127.0.0.1:9080", "--timeout", "0.5")
    assert done.returncode == 1
    assert "unreachable" in done.stderr and admin in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("app", "message"),
    [
        ("no_such_module:app", "cannot import 'no_such_module'"),
        ("greeting:nothing", "module 'greeting' has no attribute 'nothing'"),
        ("greeting:FAREWELL", "is a str, not an ASGI app"),
        ("greeting", "not of the form module:attribute"),
        ("broken:app", "cannot import 'broken': ZeroDivisionError"),
    ],
)
def test_a_bad_app_is_a_user_error(tmp_path: Path, app: str, message: str) -> None:
    (tmp_path / "greeting.py").write_text('FAREWELL = "bye"\n')
    (tmp_path / "broken.py").write_text("1 / 0\n")
    done = restagen("serve", app, "--path", str(tmp_path), "--port", str(free_port()))
    assert done.returncode == 1
    assert message in done.stderr and "Traceback" not in done.stderr
