"""What the fake context hands a handler to await: asyncio futures, as plain as can be.

Restate's SDK returns durable futures of its own; the fake returns asyncio futures, completed at
once (state, sleeps, calls to mocked handlers) or when the test or the handler completes them
(awakeables, promises). A call's future, like the SDK's, also tells the id of its invocation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from restate.context import AttemptFinishedEvent, DurablePromise, SendHandle
from restate.exceptions import TerminalError
from restate.serde import Serde

from restagen.runtime._core.errors import DeclaredError

__all__ = [
    "CallFuture",
    "FakeAwakeable",
    "FakeContextError",
    "FakePromise",
    "FakeSendHandle",
    "NeverFinished",
    "Promises",
    "attempt",
    "completed",
    "failed",
]

T = TypeVar("T")


class FakeContextError(AssertionError):
    """The handler did something the test did not prepare for (a call to an unmocked handler)."""


def completed(value: T) -> asyncio.Future[T]:
    future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
    future.set_result(value)
    return future


def failed(error: BaseException) -> asyncio.Future[Any]:
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    future.set_exception(error)
    return future


def attempt(action: Callable[[], T], future: asyncio.Future[T] | None = None) -> asyncio.Future[T]:
    """`future` (default: a new one) completed with what `action()` returns or raises; a declared
    error is raised as on the wire, as the terminal error that carries it."""
    if future is None:
        future = asyncio.get_running_loop().create_future()
    try:
        future.set_result(action())
    except DeclaredError as error:
        future.set_exception(error.to_terminal())
    except Exception as error:
        future.set_exception(error)
    return future


class CallFuture(asyncio.Future[T]):
    """The result of a call, which also knows the id of the invocation it started (as the SDK's)."""

    def __init__(self, invocation_id: str, cancelled: list[str]) -> None:
        super().__init__(loop=asyncio.get_running_loop())
        self._id = invocation_id
        self._cancelled = cancelled

    async def invocation_id(self) -> str:
        return self._id

    async def cancel_invocation(self) -> None:
        self._cancelled.append(self._id)


class FakeSendHandle(SendHandle):
    def __init__(self, invocation_id: str, cancelled: list[str]) -> None:
        self._id = invocation_id
        self._cancelled = cancelled

    async def invocation_id(self) -> str:
        return self._id

    async def cancel_invocation(self) -> None:
        self._cancelled.append(self._id)


class NeverFinished(AttemptFinishedEvent):
    """The end of the attempt, as a request sees it: in a unit test, it does not come."""

    def is_set(self) -> bool:
        return False

    async def wait(self) -> None:
        await asyncio.Event().wait()


class FakeAwakeable:
    """An awakeable the handler created: the test completes it with `resolve` or `reject`."""

    def __init__(self, awakeable_id: str, serde: Serde[Any]) -> None:
        self.id = awakeable_id
        self._serde = serde
        self.future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    @property
    def done(self) -> bool:
        return self.future.done()

    def resolve(self, value: Any, serde: Serde[Any] | None = None) -> None:
        """Complete it with `value` (encoded with `serde`, default the awakeable's own)."""
        body = (serde or self._serde).serialize(value)
        self._complete(lambda future: future.set_result(self._serde.deserialize(body)))

    def reject(self, message: str, code: int = 500) -> None:
        self._complete(lambda future: future.set_exception(TerminalError(message, status_code=code)))

    def _complete(self, outcome: Callable[[asyncio.Future[Any]], None]) -> None:
        if self.future.done():
            raise FakeContextError(f"awakeable {self.id} is already completed")
        outcome(self.future)


class Promises:
    """The durable promises of one workflow run: each completed once, awaited any number of times."""

    def __init__(self) -> None:
        self.outcomes: dict[str, bytes | TerminalError] = {}
        """The completed promises: the value (encoded), or the rejection."""
        self._waiters: dict[str, list[tuple[asyncio.Future[Any], Serde[Any]]]] = {}

    def complete(self, name: str, outcome: bytes | TerminalError) -> None:
        """Resolve (bytes) or reject promise `name`; a second completion is a TerminalError."""
        if name in self.outcomes:
            raise TerminalError(f"promise {name} is already completed", status_code=409)
        self.outcomes[name] = outcome
        self._wake(name)

    def wait(self, name: str, serde: Serde[Any]) -> asyncio.Future[Any]:
        """The value of promise `name` once completed, decoded with `serde`."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(name, []).append((future, serde))
        self._wake(name)
        return future

    def peek(self, name: str, serde: Serde[Any]) -> asyncio.Future[Any]:
        outcome = self.outcomes.get(name)
        if isinstance(outcome, TerminalError):
            return failed(outcome)
        return completed(None if outcome is None else serde.deserialize(outcome))

    def _wake(self, name: str) -> None:
        outcome = self.outcomes.get(name)
        if outcome is None:
            return
        for future, serde in self._waiters.pop(name, []):
            if future.done():
                continue
            if isinstance(outcome, TerminalError):
                future.set_exception(outcome)
            else:
                future.set_result(serde.deserialize(outcome))


class FakePromise(DurablePromise[Any]):
    """A durable promise of a workflow, as `restate.DurablePromise`: every method returns a future."""

    def __init__(self, promises: Promises, name: str, serde: Serde[Any]) -> None:
        super().__init__(name, serde)
        self._promises = promises

    def value(self) -> asyncio.Future[Any]:  # type: ignore[override]  # an asyncio future, not the SDK's
        """Completes when the promise is resolved or rejected (by the test, or the handler)."""
        return self._promises.wait(self.name, self.serde)

    def peek(self) -> asyncio.Future[Any]:
        return self._promises.peek(self.name, self.serde)

    def resolve(self, value: Any) -> asyncio.Future[None]:
        return attempt(lambda: self._promises.complete(self.name, self.serde.serialize(value)))

    def reject(self, message: str, code: int = 500) -> asyncio.Future[None]:
        return attempt(lambda: self._promises.complete(self.name, TerminalError(message, status_code=code)))

    def __await__(self) -> Any:
        return self.value().__await__()
