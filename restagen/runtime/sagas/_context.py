"""The context of a saga's step methods, and how a cancellation reaches a step that waits.

A saga is cancelled through its workflow's durable promise `CANCEL_PROMISE`: the `cancel`
handler resolves it with a reason, and the engine looks at it before each step. A local step may
wait long on an awakeable or a sleep; `SagaContext` hands out those futures so that awaiting one
also watches the promise, and raises `SagaCancelled` when the cancellation comes first (both
waits are journaled, so a replay takes the same branch). The futures' `inner` stays the SDK's own,
for the combinators; a future given to a combinator does not watch the cancellation.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from datetime import timedelta
from typing import Any, TypeVar

import restate

from restagen.runtime._core.codecs import Codec, JsonCodec
from restagen.runtime._core.combinators import wait_completed
from restagen.runtime._core.context import WorkflowHandlerContext
from restagen.runtime._core.futures import DurableFuture
from restagen.runtime.sagas._state import SagaFailure

__all__ = ["CANCEL_PROMISE", "REASON", "SagaCancelled", "SagaContext"]

T = TypeVar("T")

CANCEL_PROMISE = "saga-cancel"
"""The workflow promise that cancels the saga; its value is the reason."""
REASON: Codec[str] = JsonCodec(str)


class SagaCancelled(Exception):  # a signal, not an error of the user's
    """Raised in a step waiting on an awakeable or a sleep when the saga is cancelled.

    Let it through: the saga then compensates the steps done and ends CANCELLED.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Interruptible(DurableFuture[T]):
    """A future that, awaited while the saga runs forward, gives way to its cancellation."""

    __slots__ = ("_future", "_saga")

    def __init__(self, future: DurableFuture[T], saga: SagaContext) -> None:
        super().__init__(future.inner, None, saga.restate)
        self._future = future
        self._saga = saga

    def __await__(self) -> Generator[Any, Any, T]:
        return self._wait().__await__()

    async def _wait(self) -> T:
        if not self._saga._interruptible:
            return await self._future
        cancel = self._saga.promise(CANCEL_PROMISE, REASON).value()
        completed, _ = await wait_completed(self._future, cancel)
        if self._future not in completed:
            raise SagaCancelled(await cancel)
        return await self._future


class SagaContext(WorkflowHandlerContext):
    """The context of a saga's step methods: a workflow context keyed by the saga id."""

    def __init__(self, ctx: restate.WorkflowContext) -> None:
        super().__init__(ctx)
        self._save: Callable[[], None] | None = None
        self._interruptible = False  # set by the engine while the steps run forward
        self._carried: dict[str, DurableFuture[Any]] = {}
        self.failure: SagaFailure | None = None
        """While compensating: the failure that made the saga compensate."""

    @property
    def saga_id(self) -> str:
        return self.key

    def save(self) -> None:
        """Persist the saga data now, so that `state` shows it before the step ends.

        For instance the id of an awakeable a local step waits on, for whoever completes it.
        """
        if self._save is not None:
            self._save()

    def awakeable(self, value: Codec[T] | type[T]) -> tuple[str, DurableFuture[T]]:
        """A new awakeable; awaiting it raises `SagaCancelled` if the saga is cancelled first."""
        awakeable_id, future = super().awakeable(value)
        return awakeable_id, _Interruptible(future, self)

    def sleep(self, delay: timedelta, name: str | None = None) -> DurableFuture[None]:
        """A durable sleep; awaiting it raises `SagaCancelled` if the saga is cancelled first."""
        return _Interruptible(super().sleep(delay, name), self)

    def carry(self, name: str, future: DurableFuture[Any]) -> None:
        """Hand `future` (an awakeable, a call, a sleep...) on to a later step, as `carried(name)`.

        The steps of a saga run in one invocation, so a durable future made in one step can be
        awaited in a later one; a replay makes and hands it on again in the same step. Values that
        must outlive the run, or be seen from outside, belong in the saga data instead.
        """
        self._carried[name] = future

    def carried(self, name: str) -> DurableFuture[Any]:
        """The future an earlier step handed on as `name`."""
        try:
            return self._carried[name]
        except KeyError:
            raise KeyError(
                f"no earlier step carried {name!r}: call ctx.carry({name!r}, future) first"
            ) from None
