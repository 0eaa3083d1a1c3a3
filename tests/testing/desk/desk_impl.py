"""Implementations of the desk, served in the tests' process by `restagen.testing.serve`."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from desk.contexts import CounterContext, GreeterContext
from desk.errors import Closed
from desk.handlers import CounterObjectBase, GreeterServiceBase

RUNS: Counter[str] = Counter()
"""How many times a handler's body started, per request: what replays and retries show as."""


class Greeter(GreeterServiceBase):
    async def greet(self, ctx: GreeterContext, request: str) -> str:
        if not request:
            raise Closed(reason="nobody to greet")
        return f"hello {request}"

    async def pause(self, ctx: GreeterContext, request: str) -> int:
        RUNS[request] += 1  # outside `run` on purpose: counted again by every replay
        await ctx.sleep(timedelta(milliseconds=10))
        return RUNS[request]

    async def flaky(self, ctx: GreeterContext, request: str) -> int:
        RUNS[request] += 1
        if RUNS[request] < 2:
            raise RuntimeError("the first attempt fails")
        return RUNS[request]


class Tally(CounterObjectBase):
    async def add(self, ctx: CounterContext, request: int) -> int:
        total = (await ctx.state.total.get() or 0) + request
        ctx.state.total.set(total)
        return total
