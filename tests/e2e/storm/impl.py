"""The endpoints of the events crash tests: `source_app` (the source, and the events registry and
logs), `left_app` (the left subscriber and the counts) and `right_app` (the right subscriber), so
that each can be killed on its own."""

from __future__ import annotations

from datetime import timedelta

from storm import definitions
from storm.clients import CountContextClient
from storm.contexts import CountContext, CountSharedContext, LeftContext, RightContext, SourceContext
from storm.events import StormEvents
from storm.handlers import CountObjectBase, LeftServiceBase, RightObjectBase, SourceServiceBase
from storm.models import Tick

from restagen.runtime import Config, Endpoint


class Source(SourceServiceBase):
    """Publishes ticks 0..n-1, one publish each, pausing between them: a fan-out that lasts."""

    def __init__(self, events: StormEvents) -> None:
        self.events = events

    async def burst(self, ctx: SourceContext, request: int) -> None:
        for n in range(request):
            await self.events.tick(Tick(n=n), key="r")
            await ctx.sleep(timedelta(milliseconds=150))


class Left(LeftServiceBase):
    async def on_tick(self, ctx: LeftContext, request: Tick) -> None:
        await CountContextClient(ctx, key="left").add(request.n)


class Right(RightObjectBase):
    async def on_tick(self, ctx: RightContext, request: Tick) -> None:
        await CountContextClient(ctx, key="right").add(request.n)


class Count(CountObjectBase):
    async def add(self, ctx: CountContext, request: int) -> None:
        ctx.state.heard.set([*(await ctx.state.heard.get() or []), request])

    async def heard(self, ctx: CountSharedContext) -> list[int]:
        return await ctx.state.heard.get() or []


source_app = (
    Endpoint(Config.model_validate({"pubsub": {"cluster": "default"}})).bind(definitions.SOURCE, Source).app()
)
left_app = Endpoint().bind(definitions.LEFT, Left()).bind(definitions.COUNT, Count()).app()
right_app = Endpoint().bind(definitions.RIGHT, Right()).app()
