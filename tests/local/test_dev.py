"""`restagen dev`: generates, runs a Restate server, serves, registers, and reloads on change."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from restagen.local.server import free_port

pytestmark = pytest.mark.e2e

SCHEMA = """\
restagen: 1
package: hello
services:
  greeter:
    handlers:
      greet: {input: string, output: string}
"""

IMPLEMENTATION = """\
from ..contexts import GreeterContext
from ..handlers import GreeterServiceBase


class GreeterService(GreeterServiceBase):
    async def greet(self, ctx: GreeterContext, request: str) -> str:
        return f"hello {request}"
"""


def _until(check: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def _answers(url: str, expected: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            response = httpx.post(
                url, json="ann", timeout=5, headers={"idempotency-key": str(time.monotonic())}
            )
        except httpx.TransportError:
            return False
        return response.status_code == 200 and response.json() == expected

    return check


def test_dev_serves_and_reloads(tmp_path: Path) -> None:
    (tmp_path / "hello.restagen.yaml").write_text(SCHEMA)
    ingress, admin, port = free_port(), free_port(), free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "restagen",
            "dev",
            "hello.restagen.yaml",
            "-o",
            "gen",
            "--port",
            str(port),
            "--ingress-port",
            str(ingress),
            "--admin-port",
            str(admin),
        ],
        cwd=tmp_path,
    )
    try:
        impl = tmp_path / "gen" / "hello" / "impl" / "greeter.py"
        _until(impl.exists, "the scaffold")
        impl.write_text(IMPLEMENTATION)
        _until(_answers(f"http://127.0.0.1:{ingress}/greeter/greet", "hello ann"), "the first implementation")

        impl.write_text(
            IMPLEMENTATION
            + '\n    async def bye(self, ctx: GreeterContext, request: str) -> str:\n        return f"bye {request}"\n'
        )
        (tmp_path / "hello.restagen.yaml").write_text(SCHEMA + "      bye: {input: string, output: string}\n")
        _until(_answers(f"http://127.0.0.1:{ingress}/greeter/bye", "bye ann"), "the new handler")
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{admin}/health", timeout=2)
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/discover", timeout=2)
