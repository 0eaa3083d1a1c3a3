"""The fake SDK context, through the runtime's typed contexts and context calls, as a handler uses it:
state, `run`, sleeps and the clock, awakeables, promises, calls and sends to mocked handlers, the
request, random values; and every journaled method returns a plain asyncio future."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

import pytest
import restate
from pydantic import BaseModel
from restate.exceptions import TerminalError

from restagen.runtime import (
    ContextCaller,
    DeclaredError,
    HandlerSpec,
    JsonCodec,
    ObjectHandlerContext,
    ServiceHandlerContext,
    StateKey,
    WorkflowHandlerContext,
)
from restagen.testing import FakeAwakeable, FakeContext, FakeContextError
from restagen.testing._context import EPOCH
from tests.polling import until

T = TypeVar("T")


class Book(BaseModel):
    title: str
    copies: int


class OutOfStockDetails(BaseModel):
    title: str


class OutOfStock(DeclaredError):
    code = 409
    details_model = OutOfStockDetails

    def __init__(self, *, title: str) -> None:
        super().__init__(OutOfStockDetails(title=title))


BOOK = JsonCodec(Book)
INT = JsonCodec(int)
STR = JsonCodec(str)
RESERVE = HandlerSpec[Book, int](
    component="stock", name="reserve", kind="exclusive", input=BOOK, output=INT, errors=(OutOfStock,)
)
NOTIFY = HandlerSpec[str, None](component="mail", name="notify", kind=None, input=STR, output=None)


def run(body: Callable[[], Awaitable[T]]) -> T:
    """`body()` awaited; called in the loop, since what a context starts starts when asked for."""

    async def main() -> T:
        return await body()

    return asyncio.run(main())


def test_state_is_kept_encoded_with_the_handlers_codec() -> None:
    fake = FakeContext(key="shelf-1", state={"count": 2})
    ctx = ObjectHandlerContext(fake)
    count = StateKey(fake, "count", INT)
    book = StateKey(fake, "book", BOOK)

    async def handler() -> list[Any]:
        book.set(Book(title="Dune", copies=(await count.get() or 0) + 1))
        count.clear()
        seen = [ctx.key, await book.get(), await count.get(), await fake.state_keys()]
        ctx.clear_all_state()
        return [*seen, await fake.state_keys()]

    assert run(handler) == ["shelf-1", Book(title="Dune", copies=3), None, ["book"], []]
    assert fake.writes == [("book", b'{"title":"Dune","copies":3}'), ("count", None), ("book", None)]
    fake.state["book"] = BOOK.encode(Book(title="Emma", copies=1))
    assert fake.get_state("book", BOOK) == Book(title="Emma", copies=1)
    assert fake.get_state("book", Book) == Book(title="Emma", copies=1)
    assert fake.get_state("count", int) is None
    models = FakeContext(state={"book": Book(title="Ulysses", copies=2), "raw": b"7"})
    assert run(lambda: StateKey(models, "book", BOOK).get()) == Book(title="Ulysses", copies=2)
    assert models.get_state("raw", int) == 7


def test_run_runs_once_and_hands_its_result_back_through_the_codec() -> None:
    fake = FakeContext()
    ctx = ServiceHandlerContext(fake)
    ran: list[str] = []

    fetched = Book(title="Dune", copies=4)

    def fetch() -> Book:
        ran.append("fetch")
        return fetched

    async def count() -> int:
        ran.append("count")
        return 7

    async def failing() -> int:
        raise OutOfStock(title="Dune")

    async def handler() -> tuple[Book, int]:
        return await ctx.run("fetch", fetch, Book), await ctx.run("count", count, int)

    book, number = run(handler)
    assert (book, number) == (fetched, 7)
    assert book is not fetched  # decoded from the encoded result, as a replay would
    assert ran == ["fetch", "count"] and fake.runs == ["fetch", "count"]
    with pytest.raises(OutOfStock) as raised:
        run(lambda: ctx.run("failing", failing, int))
    assert raised.value.title == "Dune"  # type: ignore[attr-defined]


def test_sleeps_return_at_once_and_move_the_clock() -> None:
    fake = FakeContext()
    ctx = ServiceHandlerContext(fake)

    async def handler() -> list[float]:
        before = await ctx.now()
        await ctx.sleep(timedelta(hours=1))
        await ctx.sleep(timedelta(seconds=30))
        return [before.timestamp(), (await ctx.now()).timestamp()]

    assert run(handler) == [EPOCH, EPOCH + 3630]
    assert fake.sleeps == [timedelta(hours=1), timedelta(seconds=30)]
    assert FakeContext(now=5.0).now == 5.0


def test_awakeables_complete_when_queued_resolved_later_or_rejected() -> None:
    fake = FakeContext().resolve_next_awakeable(Book(title="Dune", copies=1)).reject_next_awakeable("no", 409)
    ctx = ServiceHandlerContext(fake)

    async def handler() -> list[Any]:
        first_id, first = ctx.awakeable(Book)
        _, second = ctx.awakeable(int)
        third_id, third = ctx.awakeable(int)
        outcomes: list[Any] = [first_id, await first]
        with pytest.raises(TerminalError) as rejected:
            await second
        outcomes.append(rejected.value.status_code)
        return [*outcomes, third_id, await third]

    async def test() -> list[Any]:
        task = asyncio.ensure_future(handler())
        await until(lambda: len(fake.awakeables) == 3, "the third awakeable created")
        assert not task.done() and not fake.awakeables[2].done
        fake.awakeables[2].resolve(42)
        return await task

    assert run(test) == ["awk_fake_1", Book(title="Dune", copies=1), 409, "awk_fake_3", 42]
    with pytest.raises(FakeContextError, match="already completed"):
        fake.awakeables[2].resolve(43)


def test_a_handler_resolving_awakeables_completes_its_own_and_records_others() -> None:
    created: list[str] = []

    def seen(awakeable: FakeAwakeable) -> None:
        created.append(awakeable.id)

    fake = FakeContext(on_awakeable=seen)
    ctx = ServiceHandlerContext(fake)

    async def handler() -> str:
        awakeable_id, value = ctx.awakeable(str)
        ctx.resolve_awakeable(awakeable_id, "mine", str)
        ctx.resolve_awakeable("awk_other", "theirs", str)
        ctx.reject_awakeable("awk_third", "no")
        return await value

    assert run(handler) == "mine"
    assert created == ["awk_fake_1"]
    assert fake.resolved_awakeables == {"awk_other": b'"theirs"'}
    assert fake.rejected_awakeables == {"awk_third": "no"}


def test_promises_wait_for_their_completion_once() -> None:
    fake = FakeContext(key="signup-1")
    ctx = WorkflowHandlerContext(fake)
    clicked = ctx.promise("clicked", STR)
    approved = ctx.promise("approved", JsonCodec(bool))

    async def handler() -> list[Any]:
        early = await clicked.peek()
        value = await clicked.value()
        await approved.resolve(True)
        with pytest.raises(TerminalError, match="already completed"):
            await approved.reject("late")
        book = await ctx.promise("book", BOOK).value()
        return [early, value, await clicked.peek(), await approved.value(), book]

    async def test() -> list[Any]:
        task = asyncio.ensure_future(handler())
        await asyncio.sleep(0)
        assert not task.done()
        fake.resolve_promise("clicked", "ann@example.org")
        fake.resolve_promise("book", Book(title="Dune", copies=1))
        return await task

    assert run(test) == [None, "ann@example.org", "ann@example.org", True, Book(title="Dune", copies=1)]
    fake.reject_promise("cancelled", "changed my mind", 410)
    with pytest.raises(TerminalError) as rejected:
        run(lambda: ctx.promise("cancelled", STR).value())
    assert rejected.value.status_code == 410


def test_calls_go_to_mocked_handlers_typed_with_declared_errors_revived() -> None:
    fake = FakeContext(headers={"x-user": "ann"})
    fake.answer(RESERVE, lambda call: call.request.copies * 10)
    ctx = ServiceHandlerContext(fake)
    caller = ContextCaller(ctx)

    async def handler() -> int:
        return await caller.call(RESERVE, Book(title="Dune", copies=2), key="dune", idempotency_key="i-1")

    assert run(handler) == 20
    (call,) = fake.calls
    assert (call.kind, call.target, call.key, call.idempotency_key) == (
        "call",
        "stock/reserve",
        "dune",
        "i-1",
    )
    assert call.request == Book(title="Dune", copies=2) and call.body == b'{"title":"Dune","copies":2}'
    fake.fail(RESERVE, OutOfStock(title="Emma"))
    with pytest.raises(OutOfStock) as raised:
        run(handler)
    assert raised.value.title == "Emma"  # type: ignore[attr-defined]
    with pytest.raises(FakeContextError, match=r"mail/notify: mock it with fake.reply\('mail/notify'"):
        run(lambda: caller.call(NOTIFY, "hi"))


def test_sends_are_recorded_and_attach_to_the_mocked_answer() -> None:
    fake = FakeContext().reply(RESERVE, 3).reply("raw/echo", b"\x00bytes")
    caller = ContextCaller(ServiceHandlerContext(fake))

    async def handler() -> list[Any]:
        handle = caller.send(RESERVE, Book(title="Dune", copies=1), key="dune", delay=timedelta(minutes=5))
        unmocked = caller.send(NOTIFY, "hi")
        call = fake.generic_call("raw", "echo", b"in")
        await unmocked.cancel()
        with pytest.raises(FakeContextError, match="mail/notify: mock it"):
            await unmocked.attach()
        return [await handle.attach(), await call, await call.invocation_id(), await unmocked.invocation_id()]  # type: ignore[attr-defined]

    assert run(handler) == [3, b"\x00bytes", "inv_fake_call_3", "inv_fake_send_2"]
    assert [(call.kind, call.target, call.delay) for call in fake.calls] == [
        ("send", "stock/reserve", timedelta(minutes=5)),
        ("send", "mail/notify", None),
        ("call", "raw/echo", None),
    ]
    assert fake.calls[1].request == b'"hi"'  # not mocked by spec: the bytes as sent
    assert fake.cancelled == ["inv_fake_send_2"]


def test_request_headers_ids_and_seeded_random_values() -> None:
    fake = FakeContext(headers={"x-user": "ann"}, invocation_id="inv_1")
    ctx = ServiceHandlerContext(fake)
    assert ctx.headers == {"x-user": "ann"} and ctx.invocation_id == "inv_1"
    first = [ctx.random().random(), ctx.uuid()]
    again = ServiceHandlerContext(FakeContext(invocation_id="inv_1"))
    other = ServiceHandlerContext(FakeContext(invocation_id="inv_2"))
    assert [again.random().random(), again.uuid()] == first
    assert [other.random().random(), other.uuid()] != first
    assert first[1].version == 4  # type: ignore[union-attr]


def test_journaled_methods_return_asyncio_futures_that_combine() -> None:
    fake = FakeContext(state={"n": 1}).reply(RESERVE, 5)

    async def handler() -> list[Any]:
        awaitables = [
            fake.get("n", INT),
            fake.sleep(timedelta(seconds=1)),
            fake.time(),
            fake.run_typed("r", lambda: 2),
            fake.generic_call("stock", "reserve", BOOK.encode(Book(title="a", copies=1))),
            fake.awakeable(INT)[1],
        ]
        assert all(asyncio.isfuture(awaitable) for awaitable in awaitables)
        fake.awakeables[0].resolve(9)
        _, pending = await asyncio.wait(awaitables, timeout=10)
        assert not pending
        return list(await asyncio.gather(*awaitables))

    assert run(handler) == [1, None, EPOCH + 1, 2, b"5", 9]  # the sleep came first


def test_it_is_every_kind_of_sdk_context_and_fakes_the_sdks_typed_calls() -> None:
    greeter = restate.Service("greeter")

    @greeter.handler()
    async def greet(ctx: restate.Context, name: str) -> str:
        raise AssertionError("never run: the fake answers")

    fake = FakeContext().answer("greeter/greet", lambda call: b'"hello ' + call.body.strip(b'"') + b'"')
    kinds = (restate.Context, restate.ObjectContext, restate.ObjectSharedContext, restate.WorkflowContext)
    assert all(isinstance(fake, kind) for kind in (*kinds, restate.WorkflowSharedContext))

    async def handler() -> list[Any]:
        call = fake.service_call(greet, "ann")
        fake.object_send(greet, "k", "bob", send_delay=timedelta(seconds=1))
        return [await call, await call.invocation_id()]  # type: ignore[attr-defined]

    assert run(handler) == ["hello ann", "inv_fake_call_1"]
    assert [(call.kind, call.key, call.body, call.delay) for call in fake.calls] == [
        ("call", None, b'"ann"', None),
        ("send", "k", b'"bob"', timedelta(seconds=1)),
    ]
    with pytest.raises(NotImplementedError, match="scopes"):
        fake.scope("s")


def test_repeat_actions_runs_each_action_again_as_an_aborted_attempt_may() -> None:
    fake = FakeContext(invocation_id="inv_7", repeat_actions=2)
    ctx = ServiceHandlerContext(fake)
    effects: list[str] = []

    def charge() -> int:
        effects.append(ctx.action_key("charge"))
        return len(effects)

    async def handler() -> int:
        return await ctx.run("charge", charge, int)

    assert run(handler) == 2  # the last run's result is the one journaled
    assert effects == ["inv_7/charge", "inv_7/charge"]  # the same key on every run
    assert fake.runs == ["charge"]


def test_action_keys_differ_by_action_and_invocation() -> None:
    first, second = (
        ServiceHandlerContext(FakeContext(invocation_id="inv_1")),
        ServiceHandlerContext(FakeContext(invocation_id="inv_2")),
    )
    assert first.action_key("pay") == "inv_1/pay"
    assert len({first.action_key("pay"), first.action_key("ship"), second.action_key("pay")}) == 3
