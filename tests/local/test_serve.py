"""Serving and registering: `restagen serve` and `restagen register`, and the SDK quirk they handle."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import restate

from restagen.cli import main
from restagen.local.server import free_port

APP = """\
import restate

greeter = restate.Service("greeter")


@greeter.handler()
async def greet(ctx: restate.Context, name: str) -> str:
    return f"hello {name}"


app = restate.app([greeter])
"""


def test_the_sdk_app_takes_sigterm_over_on_its_first_request() -> None:
    """restate-sdk replaces a SIGTERM handler installed before its first request (see serve.py)."""

    async def scenario() -> bool:
        loop = asyncio.get_running_loop()
        ours = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, ours.set)
        app = restate.app([restate.Service("quirk")])
        messages = iter([{"type": "lifespan.startup"}])

        async def receive() -> dict[str, str]:
            return next(messages)

        async def send(message: object) -> None:
            return None

        # The SDK rejects lifespan scopes; the handler is replaced before that.
        with contextlib.suppress(Exception):
            await app({"type": "lifespan"}, receive, send)
        signal.raise_signal(signal.SIGTERM)
        await asyncio.sleep(0.1)
        loop.remove_signal_handler(signal.SIGTERM)
        return ours.is_set()

    assert asyncio.run(scenario()) is False


def test_serve_answers_and_stops_on_sigterm(tmp_path: Path) -> None:
    (tmp_path / "greeting.py").write_text(APP)
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "restagen",
            "serve",
            "greeting:app",
            "--port",
            str(port),
            "--path",
            str(tmp_path),
        ],
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/discover", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "serve never listened"
                time.sleep(0.05)
        assert response.status_code in (200, 415)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=6) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_bad_app_is_a_user_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "no_such_module:app"]) == 1
    err = capsys.readouterr().err
    assert "cannot import 'no_such_module'" in err and "Traceback" not in err
    assert main(["serve", "without_colon"]) == 1


def test_register_against_a_closed_port_is_a_user_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from restagen.local import admin

    port = free_port()
    original = admin.register

    def quick(admin_url: str, uri: str, **_: object) -> list[str]:
        return original(admin_url, uri, attempts=2, delay=0.01)

    monkeypatch.setattr(admin, "register", quick)
    assert main(["register", "--admin", f"http://127.0.0.1:{port}", "--uri", "http://127.0.0.1:1"]) == 1
    err = capsys.readouterr().err
    assert "could not register" in err and "unreachable" in err
