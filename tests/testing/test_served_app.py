"""What `serve` takes and gives, without a server: the apps it accepts, and `env.client` building each
kind of generated client over the env's ingress of the right flavour."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import restate

from restagen.local.server import LocalRestate
from restagen.runtime import Config, Endpoint, Ingress, SyncIngress
from restagen.testing import ServedApp
from restagen.testing._serve import asgi_app


class ServiceClient:
    def __init__(self, ingress: Ingress) -> None:
        self.ingress = ingress


class ObjectSyncClient:
    def __init__(self, ingress: SyncIngress, key: str) -> None:
        self.ingress = ingress
        self.key = key


class NotAClient:
    def __init__(self, url: str) -> None:
        self.url = url


def _env(*, in_loop: bool) -> ServedApp:
    server = LocalRestate(Path("restate-server"))  # never started: only its URLs are read
    return ServedApp(server, "http://127.0.0.1:9", ["svc"], in_loop=in_loop)


def test_client_builds_async_and_sync_clients_over_the_envs_ingress() -> None:
    async def scenario() -> None:
        env = _env(in_loop=True)
        service = env.client(ServiceClient)
        assert service.ingress is env.ingress and env.ingress.url == env.ingress_url
        obj = env.client(ObjectSyncClient, "k1")
        assert (obj.ingress, obj.key) == (env.sync_ingress, "k1")
        with pytest.raises(TypeError, match="NotAClient is not an ingress client"):
            env.client(NotAClient, "x")
        await env.aclose()

    asyncio.run(scenario())


def test_a_blocking_env_has_no_async_ingress() -> None:
    env = _env(in_loop=False)
    assert env.client(ObjectSyncClient, "k").ingress is env.sync_ingress
    with pytest.raises(RuntimeError, match=r"use env\.sync_ingress"):
        env.client(ServiceClient)


def test_the_apps_serve_accepts() -> None:
    greeter = restate.Service("greeter")

    @greeter.handler()
    async def greet(ctx: restate.Context, name: str) -> str:
        return name

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        return None

    for app in (greeter, [greeter], (greeter,), Endpoint(Config())):
        assert callable(asgi_app(app))
    assert asgi_app(asgi) is asgi
    with pytest.raises(TypeError, match="not 'greeter'"):
        asgi_app("greeter")
