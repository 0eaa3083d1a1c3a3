"""Typed durable futures: what `run`, `sleep`, calls, awakeables and promises return.

Each wraps the SDK's durable future without awaiting it, so that the combinators (`select`,
`gather`, `as_completed`, `wait_completed`) and timeouts can still hand it to the SDK, which
journals which future completed first. Awaiting a wrapper gives the typed value: a terminal
failure carrying a declared error is raised as that error, and a call's bytes are decoded, at
that moment and not before. A wrapper holds any awaitable: over anything but the SDK's own
futures (a fake context's, in unit tests) the combinators and timeouts use asyncio instead.
"""

from __future__ import annotations

import asyncio
from asyncio import FIRST_COMPLETED
from collections.abc import Awaitable, Generator, Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import restate.asyncio as sdk
from restate.exceptions import TerminalError
from restate.server_context import ServerDurableFuture

from restagen.runtime._core.errors import DeclaredError, DurableTimeout, reraisable

if TYPE_CHECKING:
    from restagen.runtime._core.specs import HandlerSpec

__all__ = ["CallFuture", "DurableFuture", "wrap"]

T = TypeVar("T")


class DurableFuture(Generic[T]):
    """A durable result of type `T`: await it, or give it to a combinator or to `timeout`.

    It can be awaited again (the value, or the failure, again) when what it wraps can be: the
    SDK's futures and asyncio's can, a bare coroutine only once before a combinator saw it.
    """

    __slots__ = ("_ctx", "_errors", "_inner")

    def __init__(
        self, inner: Awaitable[Any], errors: Iterable[type[DeclaredError]] | None = None, ctx: Any = None
    ) -> None:
        self._inner = inner
        self._errors = errors  # the declared errors to revive; None: any loaded here
        # The context that made it, when not the SDK's (whose futures know theirs): a timeout
        # sleeps on it, so that on a fake context it follows the fake's clock.
        self._ctx = ctx

    def __await__(self) -> Generator[Any, Any, T]:
        # A generator rather than a coroutine: one object less per await, on every call.
        try:
            value = yield from self._inner.__await__()
        except TerminalError as error:
            raise reraisable(error, self._errors) from None
        return self._finish(value)

    def _finish(self, value: Any) -> T:
        return value  # type: ignore[no-any-return]

    @property
    def inner(self) -> Awaitable[Any]:
        """The wrapped future: the SDK's, for what this runtime does not cover."""
        return self._inner

    def waitable(self) -> asyncio.Future[Any]:
        """The wrapped awaitable as an asyncio future (not for SDK futures: they are not asyncio's)."""
        inner = self._inner
        if not isinstance(inner, asyncio.Future):
            inner = self._inner = asyncio.ensure_future(inner)
        return inner

    def done(self) -> bool:
        """Whether the value is there: awaiting it now does not wait."""
        inner = self._inner
        if isinstance(inner, ServerDurableFuture):
            return bool(inner.is_completed())  # type: ignore[no-untyped-call]
        return isinstance(inner, asyncio.Future) and inner.done()

    async def timeout(self, delay: timedelta) -> T:
        """The value, or `DurableTimeout` when `delay` passes first (a durable sleep, journaled)."""
        inner = self._inner
        if isinstance(inner, ServerDurableFuture):
            completed, _ = await sdk.wait_completed(inner, inner.context.sleep(delay))
            if inner not in completed:
                raise DurableTimeout(delay)
            return await self
        waitable = self.waitable()
        ctx = getattr(self, "_ctx", None)  # unset on calls, which a fake answers at once
        if ctx is not None:
            await asyncio.wait(
                [waitable, asyncio.ensure_future(ctx.sleep(delay))], return_when=FIRST_COMPLETED
            )
        else:
            await asyncio.wait([waitable], timeout=delay.total_seconds())
        if not waitable.done():
            raise DurableTimeout(delay)
        return await self


class CallFuture(DurableFuture[T]):
    """The result of a durable call: its invocation can be read and cancelled before it ends."""

    __slots__ = ("_spec",)

    def __init__(self, inner: Awaitable[Any], spec: HandlerSpec[Any, T]) -> None:
        # Not through the base's __init__, and with the spec's errors read only on a failure:
        # the fewest steps per durable call.
        self._inner = inner
        self._spec = spec

    def __await__(self) -> Generator[Any, Any, T]:
        spec = self._spec
        try:
            value = yield from self._inner.__await__()
        except TerminalError as error:
            raise reraisable(error, spec.errors) from None
        output = spec.output
        return None if output is None else output.decode(value)  # type: ignore[return-value]

    async def invocation_id(self) -> str:
        """The id of the called invocation (known once Restate accepted the call)."""
        return await self._inner.invocation_id()  # type: ignore[attr-defined, no-any-return]

    async def cancel(self) -> None:
        """Cancel the called invocation; awaiting this future then raises its cancellation."""
        await self._inner.cancel_invocation()  # type: ignore[attr-defined]


def wrap(future: Awaitable[T]) -> DurableFuture[T]:
    """`future` as a `DurableFuture`: itself when it is one."""
    return future if isinstance(future, DurableFuture) else DurableFuture(future)
