"""Combinators over durable futures, in the SDK's vocabulary: `gather`, `select`, `wait_completed`,
`as_completed`.

Over the SDK's futures they delegate to the SDK's combinators, which journal the order in which
the futures completed, so that a replay takes the same branch. The results stay typed: `gather`
keeps each position's type, `select` and `as_completed` give values and futures of the common
type. Over other awaitables (a fake context's, in unit tests) asyncio stands in for the SDK.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar, overload

import restate.asyncio as sdk
from restate.server_context import ServerDurableFuture

from restagen.runtime._core.futures import DurableFuture, wrap

__all__ = ["as_completed", "gather", "select", "wait_completed"]

T = TypeVar("T")
T1 = TypeVar("T1")
T2 = TypeVar("T2")
T3 = TypeVar("T3")
T4 = TypeVar("T4")
T5 = TypeVar("T5")


def _sdk_futures(futures: list[DurableFuture[Any]]) -> list[Any] | None:
    """The SDK futures inside `futures`, or None when none is one (asyncio then stands in)."""
    inner = [future.inner for future in futures]
    count = sum(isinstance(future, ServerDurableFuture) for future in inner)
    if count == len(inner):
        return inner
    if count:
        raise TypeError("durable futures of the SDK cannot be combined with other awaitables")
    return None


async def wait_completed(*futures: Awaitable[T]) -> tuple[list[DurableFuture[T]], list[DurableFuture[T]]]:
    """Wait until at least one of `futures` completed: (the completed ones, the others), in order."""
    wrapped = [wrap(future) for future in futures]
    if not wrapped:
        return [], []
    inner = _sdk_futures(wrapped)
    if inner is not None:
        await sdk.wait_completed(*inner)
    else:
        await asyncio.wait([future.waitable() for future in wrapped], return_when=asyncio.FIRST_COMPLETED)
    completed = [future for future in wrapped if future.done()]
    return completed, [future for future in wrapped if not future.done()]


async def as_completed(*futures: Awaitable[T]) -> AsyncIterator[DurableFuture[T]]:
    """Each of `futures` as it completes; await it for its value (or its error)."""
    remaining: list[Awaitable[T]] = list(futures)
    while remaining:
        completed, pending = await wait_completed(*remaining)
        for future in completed:
            yield future
        remaining = list(pending)


async def select(**futures: Awaitable[T]) -> tuple[str, T]:
    """The name and value of the first of `futures` to complete (the first named, when several).

    A failure of that future is raised. Like the SDK's, it fits `match`:
    `case ("paid", receipt): ...`, `case ("timeout", _): ...`.
    """
    if not futures:
        raise ValueError("select needs at least one future")
    names = list(futures)
    wrapped = [wrap(future) for future in futures.values()]
    completed, _ = await wait_completed(*wrapped)
    first = completed[0]
    return names[wrapped.index(first)], await first


@overload
async def gather(f1: Awaitable[T1], /) -> tuple[T1]: ...
@overload
async def gather(f1: Awaitable[T1], f2: Awaitable[T2], /) -> tuple[T1, T2]: ...
@overload
async def gather(f1: Awaitable[T1], f2: Awaitable[T2], f3: Awaitable[T3], /) -> tuple[T1, T2, T3]: ...
@overload
async def gather(
    f1: Awaitable[T1], f2: Awaitable[T2], f3: Awaitable[T3], f4: Awaitable[T4], /
) -> tuple[T1, T2, T3, T4]: ...
@overload
async def gather(
    f1: Awaitable[T1], f2: Awaitable[T2], f3: Awaitable[T3], f4: Awaitable[T4], f5: Awaitable[T5], /
) -> tuple[T1, T2, T3, T4, T5]: ...
@overload
async def gather(*futures: Awaitable[T]) -> tuple[T, ...]: ...
async def gather(*futures: Awaitable[Any]) -> tuple[Any, ...]:
    """The values of all `futures`, in order, once all completed.

    Waits for every future even when one fails, then raises the first failure in argument order.
    """
    wrapped = [wrap(future) for future in futures]
    if not wrapped:
        return ()
    inner = _sdk_futures(wrapped)
    if inner is not None:
        await sdk.gather(*inner)
    else:
        waitables = [future.waitable() for future in wrapped]
        await asyncio.wait(waitables)
        for waitable in waitables:  # each failure counts as seen, not only the one raised
            if not waitable.cancelled():
                waitable.exception()
    return tuple([await future for future in wrapped])
