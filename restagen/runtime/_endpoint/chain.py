"""The middleware chain of one handler, composed once when the endpoint starts.

A chain mixes two kinds of steps: `before` steps, awaited in turn before what follows them, and
`around` steps, which get a `proceed` continuation that runs the rest of the chain and the handler
and returns its result (or raises its exception). The before steps that lead the chain run in the
binding's own loop, as they did before around steps existed, so a chain of before steps costs what
it always cost; from the first around step on, each step is a closure around the next.
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


def compose(steps: Sequence[Before | AroundStep]) -> tuple[tuple[Before, ...], Chain | None]:
    """The before steps that lead `steps` (run in a loop by the caller, as a chain of before steps
    always was), and the chain of the rest from the first around step on (None: there is none)."""
    first = next((i for i, step in enumerate(steps) if isinstance(step, AroundStep)), len(steps))
    leading: tuple[Before, ...] = tuple(steps[:first])  # type: ignore[arg-type]
    chain: Chain | None = None
    index = len(steps)
    while index > first:
        step = steps[index - 1]
        if isinstance(step, AroundStep):
            chain = _around(step.run, chain)
            index -= 1
            continue
        start = index - 1
        while not isinstance(steps[start - 1], AroundStep):
            start -= 1
        chain = _before(tuple(steps[start:index]), chain)  # type: ignore[arg-type]
        index = start
    return leading, chain


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
