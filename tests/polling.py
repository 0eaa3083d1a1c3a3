"""Waiting in tests: poll a condition until it holds, with a deadline that only guards against a hang.

The suite runs on two shared cores, where anything may take several times longer than on a quiet
machine. A test waits for what it needs to see, never for a fixed time, and its deadline is
generous; how long something took is not asserted unless that is the point of the test.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

__all__ = ["DEADLINE", "until", "wait_until"]

T = TypeVar("T")

DEADLINE = 60.0
"""Seconds a condition gets by default."""


def wait_until(condition: Callable[[], T], what: str, timeout: float = DEADLINE, interval: float = 0.05) -> T:
    """Poll `condition` until it returns something true, and return that; fail naming `what` once
    `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:g} s")
        time.sleep(interval)
    return value


async def until(
    condition: Callable[[], T | Awaitable[T]], what: str, timeout: float = DEADLINE, interval: float = 0.05
) -> T:
    """`wait_until` in a coroutine: sleeps without blocking the event loop; `condition` may be async."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value  # type: ignore[return-value]
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:g} s")
        await asyncio.sleep(interval)
