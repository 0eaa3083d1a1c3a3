"""Checked with `mypy --strict` by tests/runtime/test_futures_typing.py, never run: durable
futures, their combinators and state defaults keep the types of their results."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import assert_type

from futures.clients import WorkerContextClient
from futures.contexts import CounterContext, CounterSharedContext, FanoutContext
from futures.models import Mode

from restagen.runtime import (
    CallFuture,
    DurableFuture,
    as_completed,
    gather,
    select,
    wait_completed,
)


async def futures(ctx: FanoutContext) -> None:
    worker = WorkerContextClient(ctx)
    square = worker.square(3)
    assert_type(square, CallFuture[int])
    assert_type(await square, int)
    assert_type(await square.invocation_id(), str)
    assert_type(await square.timeout(timedelta(seconds=1)), int)

    awakeable_id, text = ctx.awakeable(str)
    assert_type(awakeable_id, str)
    assert_type(text, DurableFuture[str])
    assert_type(ctx.sleep(timedelta(seconds=1)), DurableFuture[None])
    assert_type(await ctx.now(), datetime)
    assert_type(await ctx.run("answer", lambda: 42, int), int)
    assert_type(await ctx.run("effect", lambda: None), None)

    assert_type(await gather(square, text), tuple[int, str])
    assert_type(await gather(square, text, worker.slow(1)), tuple[int, str, int])
    assert_type(await gather(*[worker.square(i) for i in range(10)]), tuple[int, ...])
    assert_type(await select(a=square, b=worker.slow(5)), tuple[str, int])
    completed, pending = await wait_completed(square, worker.slow(5))
    assert_type(completed, list[DurableFuture[int]])
    assert_type(pending, list[DurableFuture[int]])
    async for future in as_completed(square, worker.slow(5)):
        assert_type(await future, int)

    send = worker.send_square(4)
    assert_type(await send.invocation_id(), str)
    ctx.cancel(await square.invocation_id())
    assert_type(ctx.idempotency_key, str | None)


async def state(ctx: CounterContext, shared: CounterSharedContext) -> None:
    assert_type(await ctx.state.count.get(), int)  # declared with a default
    assert_type(await shared.state.count.get(), int)
    assert_type(await ctx.state.mode.get(), Mode)
    assert_type(await ctx.state_keys(), list[str])
