"""Serving an app on a real restate-server for a test, with typed clients to call it.

    async with serve(endpoint) as env:
        greeter = env.client(GreeterClient)
        assert await greeter.greet("ann") == "hello ann"

`serve(app)` starts a restate-server of its own (`local_restate`, with the options given), or
uses the `server` given (one server for many tests: a session fixture), serves the app from a
thread of this process on a free port, registers it, and stops everything it started when the
block ends, however it ends. The app is served in a thread, with its own event loop, so a test
may block (a `SyncIngress` call in a coroutine) without blocking the handlers it calls, and
handlers and tests share the process: a test can look at what a handler recorded.

`with serve(...)` works too (a module fixture serving one app for many tests); there, the async
`ingress` is not available (it belongs to one event loop), `sync_ingress` is.

Entering starts a server of its own in the calling thread, blocking it for the half second the
server takes: the server gets a signal from the kernel when that thread ends, so it cannot
outlive the test even if the test process is killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Sequence
from types import TracebackType
from typing import Any, TypeVar

import restate

from restagen.local.cluster import LocalCluster
from restagen.local.serve import running
from restagen.local.server import LocalRestate
from restagen.runtime._core.ingress import Ingress, SyncIngress
from restagen.runtime._endpoint.admin import register, register_async
from restagen.runtime._endpoint.endpoint import Endpoint
from restagen.runtime._endpoint.injection import type_hints
from restagen.testing._server import local_cluster, local_restate

__all__ = ["ServedApp", "Serving", "serve"]

C = TypeVar("C")

_ATTEMPTS = 5
"""Registrations tried: the server is up and the app listens before the first, so a refusal is
the app's (not a Restate endpoint, or a discovery that fails), and waiting longer changes nothing."""

Server = LocalRestate | LocalCluster
"""A single server, or a cluster (whose every node's ingress reaches the app)."""

App = Endpoint | restate.Service | restate.VirtualObject | restate.Workflow | Sequence[Any] | Any
"""An `Endpoint`, the restate-sdk components to serve, or an ASGI app."""


def asgi_app(app: App) -> Any:
    """The ASGI app to serve for `app`."""
    if isinstance(app, Endpoint):
        return app.app()
    if isinstance(app, restate.Service | restate.VirtualObject | restate.Workflow):
        return restate.app([app])
    if isinstance(app, Sequence) and not isinstance(app, str | bytes):
        return restate.app(list(app))
    if callable(app):
        return app
    raise TypeError(f"serve() takes an Endpoint, restate-sdk components or an ASGI app, not {app!r}")


class AppThread:
    """The ASGI app served by hypercorn in a thread of its own, with its own event loop."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self.url = ""
        self._thread = threading.Thread(target=self._main, name="restagen-testing-endpoint", daemon=True)

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:
            self._error = error
        finally:
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with running(self._app) as url:
            self.url = url
            self._ready.set()
            await self._stop.wait()

    def start(self) -> None:
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error

    def stop(self) -> None:
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed in between
                loop.call_soon_threadsafe(stop.set)
        if self._thread.is_alive():
            self._thread.join(30)


class ServedApp:
    """What a test gets from `serve`: the URLs, ingress clients and typed generated clients."""

    def __init__(self, server: Server, endpoint_url: str, services: list[str], *, in_loop: bool) -> None:
        self.server = server
        self.ingress_url = server.ingress_url
        self.ingress_urls = server.ingress_urls
        """Every ingress reaching the app: one per node of a cluster; the clients fail over among them."""
        self.admin_url = server.admin_url
        self.endpoint_url = endpoint_url
        """Where the app is served (what the server was told to call)."""
        self.services = services
        """The names of the services, objects and workflows registered."""
        self.sync_ingress = SyncIngress(self.ingress_urls)
        self._ingress = Ingress(self.ingress_urls) if in_loop else None

    @property
    def ingress(self) -> Ingress:
        """The async ingress, for the event loop of `async with serve(...)`."""
        if self._ingress is None:
            raise RuntimeError(
                "the async ingress belongs to the event loop of `async with serve(...)`; with a plain "
                "`with`, use env.sync_ingress, or `async with Ingress(env.ingress_url)` in each loop"
            )
        return self._ingress

    def client(self, cls: type[C], *args: Any, **kwargs: Any) -> C:
        """A generated ingress client (`...Client` or `...SyncClient`, sagas' too) over this env's
        ingress; `args` follow the ingress (an object's or workflow's key)."""
        try:
            hint = type_hints(cls.__init__).get("ingress")
        except (NameError, TypeError):  # annotations that do not resolve: not a generated client
            hint = None
        if hint is SyncIngress:
            return cls(self.sync_ingress, *args, **kwargs)  # type: ignore[call-arg]
        if hint is Ingress:
            return cls(self.ingress, *args, **kwargs)  # type: ignore[call-arg]
        raise TypeError(f"{cls.__qualname__} is not an ingress client (it takes no `ingress: Ingress`)")

    async def aclose(self) -> None:
        self.sync_ingress.close()
        if self._ingress is not None:
            await self._ingress.aclose()


def serve(
    app: App,
    *,
    server: Server | None = None,
    nodes: int = 1,
    always_replay: bool = False,
    disable_retries: bool = False,
) -> Serving:
    """Serve `app` on a restate-server while an `async with` (or `with`) block runs.

    `app` is an `Endpoint` (its `app()` is served), restate-sdk components (one, or a list), or
    an ASGI app. Without `server`, a server of its own is started (a cluster of `nodes` when more
    than one: `local_cluster`), with the options `always_replay` and `disable_retries` (see
    `local_restate`); options belong to a server, so they cannot go with `server`.
    """
    if server is not None and (always_replay or disable_retries or nodes != 1):
        raise ValueError(
            "nodes, always_replay and disable_retries are settings of the server: pass them to "
            "local_restate() or local_cluster() when starting the server given as `server`"
        )
    return Serving(app, server, nodes=nodes, always_replay=always_replay, disable_retries=disable_retries)


class Serving:
    """The block of `serve`: entering starts and registers, leaving stops what was started."""

    def __init__(
        self, app: App, server: Server | None, *, nodes: int, always_replay: bool, disable_retries: bool
    ) -> None:
        self._app = app
        self._given = server
        self._nodes = nodes
        self._always_replay = always_replay
        self._disable_retries = disable_retries
        self._server: Server | None = None
        self._thread: AppThread | None = None
        self._env: ServedApp | None = None

    def _start(self) -> tuple[Server, AppThread]:
        """Start the server (unless given) and the endpoint; on failure, stop what started."""
        try:
            server = self._given
            if server is None:
                replay, retries = self._always_replay, self._disable_retries
                if self._nodes > 1:
                    server = self._server = local_cluster(
                        self._nodes, always_replay=replay, disable_retries=retries
                    )
                else:
                    server = self._server = local_restate(always_replay=replay, disable_retries=retries)
                server.start()
            thread = self._thread = AppThread(asgi_app(self._app))
            thread.start()
        except BaseException:
            self._stop()
            raise
        return server, thread

    def _stop(self) -> None:
        thread, self._thread = self._thread, None
        server, self._server = self._server, None
        try:
            if thread is not None:
                thread.stop()
        finally:
            if server is not None:
                server.close()

    async def __aenter__(self) -> ServedApp:
        server, thread = self._start()
        try:
            services = await register_async(server.admin_url, thread.url, attempts=_ATTEMPTS)
            if isinstance(server, LocalCluster):
                server.wait_known(thread.url)
        except BaseException:
            self._stop()
            raise
        self._env = ServedApp(server, thread.url, services, in_loop=True)
        return self._env

    async def __aexit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        env, self._env = self._env, None
        try:
            if env is not None:
                await env.aclose()
        finally:
            self._stop()

    def __enter__(self) -> ServedApp:
        server, thread = self._start()
        try:
            services = register(server.admin_url, thread.url, attempts=_ATTEMPTS)
            if isinstance(server, LocalCluster):
                server.wait_known(thread.url)
        except BaseException:
            self._stop()
            raise
        self._env = ServedApp(server, thread.url, services, in_loop=False)
        return self._env

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        env, self._env = self._env, None
        try:
            if env is not None:
                env.sync_ingress.close()
        finally:
            self._stop()
