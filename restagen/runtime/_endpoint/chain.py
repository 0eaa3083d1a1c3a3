"""The middleware chain of one handler, composed once when the endpoint starts.

A chain mixes two kinds of steps: `before` steps, awaited in turn before what follows them, and
`around` steps, which get a `proceed` continuation that runs the rest of the chain and the handler
and returns its result (or raises its exception). Consecutive before steps run in one loop, as they
did before around steps existed, so a chain of before steps only costs what it always cost; each
around step adds one closure per invocation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from restagen.runtime._endpoint.injection import Invocation

__all__ = ["AroundStep", "Before", "Chain", "Proceed", "compose"]

Proceed = Callable[[], Awaitable[Any]]
"""Runs the rest of the chain and the handler, once; returns the handler's result or raises."""

Before = Callable[[Invocation], Awaitable[None]]
"""A step that runs before the rest of the chain."""

Chain = Callable[[Invocation, Proceed], Awaitable[Any]]
"""A composed chain: runs its steps around `proceed` (the handler)."""


class AroundStep:
    """A step that runs around the rest of the chain: `run(invocation, proceed)`."""

    __slots__ = ("run",)

    def __init__(self, run: Chain) -> None:
        self.run = run


def compose(steps: Sequence[Before | AroundStep]) -> Chain | None:
    """The chain of `steps`, outermost first; None when there are none."""
    chain: Chain | None = None
    index = len(steps)
    while index > 0:
        step = steps[index - 1]
        if isinstance(step, AroundStep):
            chain = _around(step.run, chain)
            index -= 1
            continue
        start = index - 1
        while start > 0 and not isinstance(steps[start - 1], AroundStep):
            start -= 1
        chain = _before(tuple(steps[start:index]), chain)  # type: ignore[arg-type]
        index = start
    return chain


def _before(steps: tuple[Before, ...], inner: Chain | None) -> Chain:
    if inner is None:

        async def last(invocation: Invocation, proceed: Proceed) -> Any:
            for step in steps:
                await step(invocation)
            return await proceed()

        return last

    async def run(invocation: Invocation, proceed: Proceed) -> Any:
        for step in steps:
            await step(invocation)
        return await inner(invocation, proceed)

    return run


def _around(step: Chain, inner: Chain | None) -> Chain:
    async def run(invocation: Invocation, proceed: Proceed) -> Any:
        if inner is None:
            return await step(invocation, _once(proceed))
        return await step(invocation, _once(lambda: inner(invocation, proceed)))

    return run


def _once(proceed: Proceed) -> Proceed:
    """`proceed`, refusing a second call: a handler that ran twice in one attempt would journal
    its calls and state changes twice."""
    called = False

    def once() -> Awaitable[Any]:
        nonlocal called
        if called:
            raise RuntimeError("proceed() was called twice: a middleware may run the handler once")
        called = True
        return proceed()

    return once
