"""Durable futures over `restagen.testing.FakeContext`, whose futures are asyncio's: values,
declared errors revived when awaited, combinators and timeouts falling back to asyncio, run
options, request metadata, cancellation and state defaults."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from restate.exceptions import TerminalError

from restagen.runtime import (
    CallFuture,
    ContextCaller,
    DurableFuture,
    DurableTimeout,
    JsonCodec,
    ObjectHandlerContext,
    ServiceHandlerContext,
    StateKey,
    as_completed,
    gather,
    select,
    wait_completed,
)
from restagen.testing import FakeContext
from tests.runtime.test_ingress import GET, Gone

T = TypeVar("T")




def run(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(main())


async def value(result: T) -> T:
    return result


async def fail(error: Exception) -> Any:
    raise error


async def _call(caller: ContextCaller, sku: str) -> int:
    return await caller.call(GET, sku)


def test_a_future_wraps_any_awaitable_and_gives_its_value_when_awaited() -> None:
    async def main() -> tuple[int, int]:
        future = DurableFuture[int](value(7))
        loop_future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        loop_future.set_result(8)
        return await future, await DurableFuture[int](loop_future)

    assert run(main) == (7, 8)


def test_a_call_decodes_its_result_and_revives_its_declared_error_when_awaited() -> None:
    fake = FakeContext().reply(GET, 42)
    caller = ContextCaller(ServiceHandlerContext(fake))

    async def main() -> tuple[CallFuture[int], int, str]:
        future = caller.call(GET, "sku-1")
        assert [call.target for call in fake.calls] == ["stock/get"]  # made at once, not when awaited
        result = await future
        await future.cancel()
        return future, result, await future.invocation_id()

    future, result, invocation_id = run(main)
    assert isinstance(future, CallFuture) and result == 42
    assert fake.cancelled == [invocation_id]

    fake.fail(GET, Gone(sku="sku-1"))
    with pytest.raises(Gone) as raised:
        run(lambda: _call(caller, "sku-2"))
    assert raised.value.sku == "sku-1"


def test_gather_keeps_the_order_of_its_arguments_and_raises_the_first_failure_after_all_complete() -> None:
    async def main() -> tuple[int, str]:
        loop = asyncio.get_running_loop()
        late: asyncio.Future[int] = loop.create_future()
        loop.call_soon(late.set_result, 1)
        return await gather(late, value("two"))

    assert run(main) == (1, "two")

    finished: list[str] = []

    async def slow_success() -> str:
        await asyncio.sleep(0)
        finished.append("slow")
        return "slow"

    async def failing() -> None:
        await gather(
            DurableFuture[None](fail(TerminalError("first"))), slow_success(), fail(TerminalError("second"))
        )

    with pytest.raises(TerminalError, match="first"):
        run(failing)
    assert finished == ["slow"]
    assert run(lambda: gather()) == ()


def test_select_names_the_first_future_to_complete() -> None:
    async def race(fake: FakeContext) -> tuple[str, object]:
        ctx = ServiceHandlerContext(fake)
        _, signal = ctx.awakeable(str)
        return await select(signal=signal, timeout=ctx.sleep(timedelta(seconds=10)))

    # the fake's sleeps end at once: only an awakeable completed as it is made wins (named first)
    assert run(lambda: race(FakeContext().resolve_next_awakeable("ok"))) == ("signal", "ok")
    assert run(lambda: race(FakeContext())) == ("timeout", None)

    with pytest.raises(ValueError, match="at least one"):
        run(lambda: select())


def test_wait_completed_and_as_completed_follow_the_order_of_completion() -> None:
    async def main() -> tuple[list[int], bool, list[int]]:
        loop = asyncio.get_running_loop()
        first: asyncio.Future[int] = loop.create_future()
        second: asyncio.Future[int] = loop.create_future()
        futures = [DurableFuture[int](first), DurableFuture[int](second)]
        second.set_result(2)
        completed, pending = await wait_completed(*futures)
        order = []
        async for future in as_completed(*futures):
            order.append(await future)
            if not first.done():
                first.set_result(1)  # only once the second came out first
        return [await f for f in completed], pending == [futures[0]], order

    completed, pending_is_first, order = run(main)
    assert completed == [2] and pending_is_first
    assert order == [2, 1]


def test_a_timeout_raises_durable_timeout_or_gives_the_value() -> None:
    async def main() -> tuple[DurableTimeout, int]:
        loop = asyncio.get_running_loop()
        never: asyncio.Future[int] = loop.create_future()
        with pytest.raises(DurableTimeout) as raised:
            await DurableFuture[int](never).timeout(timedelta(milliseconds=1))
        assert not never.cancelled()  # the future itself keeps running
        return raised.value, await DurableFuture[int](value(5)).timeout(timedelta(seconds=60))

    timeout, result = run(main)
    assert isinstance(timeout, TerminalError) and timeout.status_code == 408
    assert timeout.delay == timedelta(milliseconds=1) and "timed out after" in str(timeout)
    assert result == 5


def test_a_timeout_on_a_fake_context_follows_the_fakes_clock() -> None:
    async def wait(fake: FakeContext) -> str:
        ctx = ServiceHandlerContext(fake)
        _, signal = ctx.awakeable(str)
        try:
            return await signal.timeout(timedelta(hours=1))  # the fake's sleeps end at once
        except DurableTimeout:
            return "timed out"

    fake = FakeContext()
    assert run(lambda: wait(fake)) == "timed out"
    assert fake.sleeps == [timedelta(hours=1)]
    assert run(lambda: wait(FakeContext().resolve_next_awakeable("ok"))) == "ok"


class RecordingFake(FakeContext):
    """Also keeps the options each `run` was given."""

    def __init__(self) -> None:
        super().__init__()
        self.options: list[Any] = []

    def run_typed(self, name: str, action: Callable[..., Any], options: Any = None, /, **kwargs: Any) -> Any:
        self.options.append(options)
        return super().run_typed(name, action, options, **kwargs)


def test_run_takes_every_retry_option_and_may_have_no_result() -> None:
    fake = RecordingFake()
    ctx = ServiceHandlerContext(fake)
    effects: list[str] = []

    async def main() -> tuple[None, int, datetime]:
        nothing = await ctx.run(
            "effect",
            lambda: effects.append("done"),  # type: ignore[func-returns-value]
            max_attempts=3,
            max_duration=timedelta(seconds=5),
            initial_retry_interval=timedelta(milliseconds=10),
            max_retry_interval=timedelta(seconds=1),
            retry_interval_factor=1.5,
        )
        return nothing, await ctx.run("value", lambda: 3, int), await ctx.now()

    nothing, three, now = run(main)
    assert nothing is None and three == 3 and effects == ["done"]
    assert now == datetime.fromtimestamp(fake.now, tz=UTC)
    assert fake.runs == ["effect", "value"]
    options = fake.options[0]
    assert (options.max_attempts, options.max_duration) == (3, timedelta(seconds=5))
    assert (options.initial_retry_interval, options.max_retry_interval) == (
        timedelta(milliseconds=10),
        timedelta(seconds=1),
    )
    assert options.retry_interval_factor == 1.5
    assert options.serde.encode(None) == b"null"


def test_request_metadata_and_cancellation() -> None:
    fake = FakeContext(invocation_id="inv_9", headers={"x-user": "ann"})
    ctx = ServiceHandlerContext(fake)
    assert ctx.invocation_id == "inv_9"
    assert ctx.attempt_headers == {"x-user": "ann"}  # the fake's attempts carry the request's headers
    assert ctx.idempotency_key is None
    ctx.cancel("inv_other")
    assert fake.cancelled == ["inv_other"]


def test_a_state_key_gives_its_default_until_set_and_a_fresh_copy_of_a_list() -> None:
    def keys(fake: FakeContext) -> tuple[StateKey[int, int], StateKey[list[str], list[str]], StateKey[int]]:
        return (
            StateKey(fake, "count", JsonCodec(int), default=10),
            StateKey(fake, "tags", JsonCodec(list[str]), default=[]),
            StateKey(fake, "plain", JsonCodec(int)),
        )

    async def read(fake: FakeContext) -> tuple[int, list[str], int | None, list[str]]:
        count, tags, plain = keys(fake)
        (await tags.get()).append("mutated")
        return (
            await count.get(),
            await tags.get(),
            await plain.get(),
            await ObjectHandlerContext(fake).state_keys(),
        )

    assert run(lambda: read(FakeContext())) == (10, [], None, [])
    assert run(lambda: read(FakeContext(state={"count": 3, "tags": ["a"]}))) == (
        3,
        ["a"],
        None,
        ["count", "tags"],
    )


def test_sdk_futures_do_not_mix_with_other_awaitables() -> None:
    from restate.server_context import ServerDurableFuture

    sdk_future = ServerDurableFuture.__new__(ServerDurableFuture)

    async def main() -> None:
        plain = value(1)
        try:
            await gather(sdk_future, plain)
        finally:
            plain.close()

    with pytest.raises(TypeError, match="cannot be combined"):
        run(main)

