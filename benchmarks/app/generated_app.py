"""The benchmark's services implemented on the package restagen generates from `bench.restagen.yaml`.

The benchmark generates `benchsvc` into a scratch folder and puts it on the import path. The
implementations do what the hand-written ones in `handwritten.py` do; the relay gets the echo
service's context client injected, as the runtime documentation shows.
"""

from __future__ import annotations

from collections.abc import Sequence

from benchsvc.app import bind_components
from benchsvc.clients import EchoContextClient
from benchsvc.contexts import CounterContext, EchoContext, RelayContext
from benchsvc.handlers import CounterObjectBase, EchoServiceBase, RelayServiceBase
from benchsvc.models import Greeting, Order

from restagen.runtime import Config, Endpoint, MiddlewareLike

__all__ = ["CounterObject", "EchoService", "RelayService", "app", "endpoint"]


class EchoService(EchoServiceBase):
    async def echo(self, ctx: EchoContext, request: Greeting) -> Greeting:
        return request

    async def place(self, ctx: EchoContext, request: Order) -> Order:
        return request


class CounterObject(CounterObjectBase):
    async def add(self, ctx: CounterContext, request: int) -> int:
        count = (await ctx.state.count.get() or 0) + request
        ctx.state.count.set(count)
        return count


class RelayService(RelayServiceBase):
    def __init__(self, echo: EchoContextClient) -> None:
        self.echo = echo

    async def forward(self, ctx: RelayContext, request: Greeting) -> Greeting:
        return await self.echo.echo(request)


def build(config: Config | None = None, middleware: Sequence[MiddlewareLike] = ()) -> Endpoint:
    """The endpoint of the three components, with global `middleware`.

    The configuration is empty unless given: nothing is read from files or the environment.
    """
    endpoint = Endpoint(config if config is not None else Config.model_validate({}))
    endpoint.use(*middleware)
    return bind_components(endpoint, echo=EchoService(), counter=CounterObject(), relay=RelayService)


endpoint = build()
app = endpoint.app()
