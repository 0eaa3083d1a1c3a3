"""Serving an endpoint: hypercorn over HTTP/2 cleartext, with the settings Restate needs.

Restate keeps one long-lived HTTP/2 connection to an endpoint and multiplexes invocations on it.
hypercorn's defaults close a connection after 1000 requests, after 5 s idle, and cap concurrent
streams at 100: each of those makes Restate retry invocations and stall. They are lifted here.
SIGTERM, SIGINT and SIGHUP (a closed terminal) stop the server gracefully; a port already taken
is a `PortInUse` error, raised before serving.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import signal
import socket
import sys
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from hypercorn.asyncio import serve as hypercorn_serve
from hypercorn.config import Config
from restate.server import install_shutdown_hook

from restagen.local.errors import PortInUse
from restagen.local.server import port_in_use

__all__ = ["AppLoadError", "config", "load_app", "running", "serve", "with_lifespan"]

_UNLIMITED = 2_147_483_647


class AppLoadError(Exception):
    """The APP argument does not name an importable ASGI app."""


def load_app(target: str, paths: Sequence[Path] = ()) -> Any:
    """Import `module:attribute` (searching `paths` first) and return the app it names."""
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise AppLoadError(f"{target!r} is not of the form module:attribute (e.g. shop.main:app)")
    for path in reversed(paths):
        sys.path.insert(0, str(Path(path).resolve()))
    try:
        module = importlib.import_module(module_name)
    except Exception as error:
        raise AppLoadError(f"cannot import {module_name!r}: {type(error).__name__}: {error}") from error
    try:
        app = getattr(module, attribute)
    except AttributeError:
        raise AppLoadError(f"module {module_name!r} has no attribute {attribute!r}") from None
    if not callable(app):
        raise AppLoadError(f"{target} is a {type(app).__name__}, not an ASGI app")
    return app


def config(host: str, port: int) -> Config:
    settings = Config()
    settings.bind = [f"{host}:{port}"]
    settings.keep_alive_max_requests = _UNLIMITED
    settings.keep_alive_timeout = _UNLIMITED
    settings.h2_max_concurrent_streams = _UNLIMITED
    settings.graceful_timeout = 2.0
    settings.accesslog = None
    settings.errorlog = "-"
    settings.loglevel = "WARNING"
    return settings


def with_lifespan(app: Any) -> Any:
    """`app`, with ASGI lifespan events acknowledged when it does not take them itself.

    restate-sdk's app refuses lifespan scopes, and hypercorn then warns on every start; an app
    that supports them (a framework mounting the endpoint, with startup hooks) still gets them.
    """

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return
        received: list[str] = []
        answered = False

        async def watched_receive() -> Any:
            message = await receive()
            received.append(message["type"])
            return message

        async def watched_send(message: Any) -> None:
            nonlocal answered
            answered = True
            await send(message)

        try:
            await app(scope, watched_receive, watched_send)
            return
        except Exception:
            if answered:
                raise
        # The app has no lifespan support: answer in its place.
        pending = received[-1:]
        while True:
            kind = pending.pop() if pending else (await receive())["type"]
            if kind == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif kind == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    return wrapped


def _exit_now() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def serve(app: Any, host: str = "127.0.0.1", port: int = 9080, *, grace: float = 3.0) -> None:
    """Serve `app` until SIGTERM, SIGINT or SIGHUP, then give open requests `grace` seconds to finish.

    Restate's HTTP/2 connection stays open by design, and hypercorn's graceful shutdown can wait
    on it forever: after the grace period the process ends regardless (a timer thread makes sure),
    and Restate retries whatever was still running, from its journal.
    """
    if port_in_use(port, host):
        raise PortInUse(port, f"the endpoint, on {host}")

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def on_signal() -> None:
            timer = threading.Timer(grace, _exit_now)
            timer.daemon = True
            timer.start()
            stop.set()

        # restate-sdk's ASGI app takes SIGTERM over on its first request (it replaces the loop's
        # handler with its own dispatcher, which only tells open invocations to wind down), so a
        # handler of ours would never run: we join its dispatcher instead. SIGINT and SIGHUP stay ours.
        install_shutdown_hook(loop, on_signal, signal.SIGTERM)
        loop.add_signal_handler(signal.SIGINT, on_signal)
        loop.add_signal_handler(signal.SIGHUP, on_signal)
        await hypercorn_serve(with_lifespan(app), config(host, port), shutdown_trigger=stop.wait)

    asyncio.run(main())


@asynccontextmanager
async def running(app: Any, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
    """Serve `app` in the running event loop while the block runs; yields its base URL.

    The socket is bound and listening before the block starts (port 0: a free one), so clients can
    connect at once. On exit, open requests get a short grace period (endless streams are cut).
    """
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.bind((host, port))
    sock.listen(128)
    bound = sock.getsockname()[1]
    settings = config(host, bound)
    settings.bind = [f"fd://{os.dup(sock.fileno())}"]  # hypercorn takes the listening socket over
    settings.graceful_timeout = 0.5
    sock.close()
    stop = asyncio.Event()
    server = asyncio.create_task(hypercorn_serve(with_lifespan(app), settings, shutdown_trigger=stop.wait))
    try:
        yield f"http://{f'[{host}]' if ':' in host else host}:{bound}"
    finally:
        stop.set()
        await server
