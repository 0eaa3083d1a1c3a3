"""The serving module: loading an app, hypercorn's settings for Restate, lifespan events, and the
SDK quirk `serve` works around. The command itself, on a real server, is in tests/test_cli_serve.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import restate

from restagen.local.serve import AppLoadError, config, load_app, with_lifespan


@pytest.fixture
def clean_imports() -> Iterator[None]:
    """The modules these tests write are imported for real: forget them afterwards."""
    path, modules = list(sys.path), set(sys.modules)
    yield
    sys.path[:] = path
    for name in set(sys.modules) - modules:
        del sys.modules[name]


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


@pytest.mark.usefixtures("clean_imports")
def test_load_app_searches_the_given_folders_first(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        folder.mkdir()
        (folder / "served_here.py").write_text(f"def app(): return {folder.name!r}\n")
    assert load_app("served_here:app", [first, second])() == "first"


@pytest.mark.usefixtures("clean_imports")
def test_load_app_errors_name_the_cause(tmp_path: Path) -> None:
    (tmp_path / "half.py").write_text("import no_such_dependency_here\n")
    (tmp_path / "plain.py").write_text("app = 3\n")
    cases = {
        "half:app": "cannot import 'half': ModuleNotFoundError: No module named 'no_such_dependency_here'",
        "plain:missing": "module 'plain' has no attribute 'missing'",
        "plain:app": "plain:app is a int, not an ASGI app",
        ":app": "is not of the form module:attribute",
    }
    for target, message in cases.items():
        with pytest.raises(AppLoadError) as raised:
            load_app(target, [tmp_path])
        assert message in str(raised.value)


def test_config_lifts_the_limits_that_break_restates_connection() -> None:
    settings = config("127.0.0.1", 9123)
    assert settings.bind == ["127.0.0.1:9123"]
    assert settings.keep_alive_max_requests == 2_147_483_647
    assert settings.keep_alive_timeout == 2_147_483_647
    assert settings.h2_max_concurrent_streams == 2_147_483_647
    assert settings.accesslog is None and settings.loglevel == "WARNING"


def lifespan(app: Any) -> list[str]:
    """Run startup then shutdown through `with_lifespan(app)`; what the server is sent."""
    incoming = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    sent: list[str] = []

    async def receive() -> dict[str, str]:
        return next(incoming)

    async def send(message: dict[str, str]) -> None:
        sent.append(message["type"])

    asyncio.run(with_lifespan(app)({"type": "lifespan"}, receive, send))
    return sent


def test_lifespan_is_answered_for_the_sdk_app() -> None:
    app = restate.app([restate.Service("quiet")])
    assert lifespan(app) == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def test_lifespan_is_answered_for_an_app_that_reads_startup_then_refuses() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        raise ValueError("no lifespan here")

    assert lifespan(app) == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def test_an_app_with_lifespan_support_keeps_it() -> None:
    hooks: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while True:
            kind = (await receive())["type"]
            hooks.append(kind)
            await send({"type": f"{kind}.complete"})
            if kind == "lifespan.shutdown":
                return

    assert lifespan(app) == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert hooks == ["lifespan.startup", "lifespan.shutdown"]
