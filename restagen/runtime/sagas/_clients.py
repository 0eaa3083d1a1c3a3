"""Clients of sagas: start one by id, read its state, wait for it to stop, cancel and resume it;
async, blocking and in-handler.

Generated `<Saga>SagaClient` classes bind a `SagaSpec` to these. A saga runs as a Restate workflow
keyed by its id, so starting the same id twice runs it once: the second start's handle says
`PreviouslyAccepted` and follows the first run. Everything but `start` calls one of the
workflow's shared handlers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from restagen.runtime._core.context import HandlerContext
from restagen.runtime._core.ingress import Ingress, SendStatus, SyncIngress
from restagen.runtime._core.specs import HandlerSpec
from restagen.runtime.sagas._spec import SagaSpec
from restagen.runtime.sagas._state import SagaState

__all__ = [
    "SagaClient",
    "SagaContextClient",
    "SagaContextHandle",
    "SagaHandle",
    "SyncSagaClient",
    "SyncSagaHandle",
]

D = TypeVar("D", bound=BaseModel)
In = TypeVar("In")
Out = TypeVar("Out")


class SagaHandle(Generic[D]):
    """A started saga: `status` says whether this start began it or it had been started before."""

    def __init__(self, client: SagaClient[D], saga_id: str, invocation_id: str, status: SendStatus) -> None:
        self._client = client
        self.saga_id = saga_id
        self.invocation_id = invocation_id
        self.status: SendStatus = status

    async def state(self) -> SagaState[D] | None:
        return await self._client.state(self.saga_id)

    async def result(self) -> SagaState[D]:
        return await self._client.result(self.saga_id)

    async def cancel(self, reason: str = "cancelled") -> bool:
        return await self._client.cancel(self.saga_id, reason)

    def __repr__(self) -> str:
        return f"SagaHandle({self.saga_id!r}, status={self.status!r})"


class SagaClient(Generic[D]):
    """Starts and follows sagas of one kind through the Restate ingress."""

    def __init__(self, ingress: Ingress, spec: SagaSpec[D]) -> None:
        self._ingress = ingress
        self._spec = spec

    async def start(
        self, saga_id: str, data: D, *, headers: Mapping[str, str] | None = None
    ) -> SagaHandle[D]:
        """Start saga `saga_id` with `data`; a second start of the same id starts nothing."""
        handle = await self._ingress.submit(self._spec.run, data, key=saga_id, headers=headers)
        return SagaHandle(self, saga_id, handle.invocation_id, handle.status)

    async def state(self, saga_id: str) -> SagaState[D] | None:
        """Where saga `saga_id` is now (None when it was never started)."""
        return await self._ingress.call(self._spec.state, None, key=saga_id)

    async def result(self, saga_id: str) -> SagaState[D]:
        """Wait for saga `saga_id` to stop (SUCCEEDED, ROLLED_BACK, CANCELLED or FAILED) and
        return its state."""
        return await self._ingress.call(self._spec.result, None, key=saga_id)

    async def cancel(self, saga_id: str, reason: str = "cancelled") -> bool:
        """Cancel saga `saga_id` at its next step boundary (or while a local step waits); it then
        compensates the steps done and ends CANCELLED. False when it was not running."""
        return await self._ingress.call(self._spec.cancel, reason, key=saga_id)

    async def resume(self, saga_id: str) -> None:
        """Retry the compensation that ran out of attempts of saga `saga_id`, FAILED, and go on."""
        await self._ingress.call(self._spec.resume, None, key=saga_id)


class SyncSagaHandle(Generic[D]):
    """A started saga, for blocking code."""

    def __init__(
        self, client: SyncSagaClient[D], saga_id: str, invocation_id: str, status: SendStatus
    ) -> None:
        self._client = client
        self.saga_id = saga_id
        self.invocation_id = invocation_id
        self.status: SendStatus = status

    def state(self) -> SagaState[D] | None:
        return self._client.state(self.saga_id)

    def result(self) -> SagaState[D]:
        return self._client.result(self.saga_id)

    def cancel(self, reason: str = "cancelled") -> bool:
        return self._client.cancel(self.saga_id, reason)

    def __repr__(self) -> str:
        return f"SyncSagaHandle({self.saga_id!r}, status={self.status!r})"


class SyncSagaClient(Generic[D]):
    """Starts and follows sagas of one kind through the Restate ingress, blocking."""

    def __init__(self, ingress: SyncIngress, spec: SagaSpec[D]) -> None:
        self._ingress = ingress
        self._spec = spec

    def start(self, saga_id: str, data: D, *, headers: Mapping[str, str] | None = None) -> SyncSagaHandle[D]:
        """Start saga `saga_id` with `data`; a second start of the same id starts nothing."""
        handle = self._ingress.submit(self._spec.run, data, key=saga_id, headers=headers)
        return SyncSagaHandle(self, saga_id, handle.invocation_id, handle.status)

    def state(self, saga_id: str) -> SagaState[D] | None:
        """Where saga `saga_id` is now (None when it was never started)."""
        return self._ingress.call(self._spec.state, None, key=saga_id)

    def result(self, saga_id: str) -> SagaState[D]:
        """Wait for saga `saga_id` to stop (SUCCEEDED, ROLLED_BACK, CANCELLED or FAILED) and
        return its state."""
        return self._ingress.call(self._spec.result, None, key=saga_id)

    def cancel(self, saga_id: str, reason: str = "cancelled") -> bool:
        """Cancel saga `saga_id` at its next step boundary (or while a local step waits); it then
        compensates the steps done and ends CANCELLED. False when it was not running."""
        return self._ingress.call(self._spec.cancel, reason, key=saga_id)

    def resume(self, saga_id: str) -> None:
        """Retry the compensation that ran out of attempts of saga `saga_id`, FAILED, and go on."""
        self._ingress.call(self._spec.resume, None, key=saga_id)


class SagaContextHandle(Generic[D]):
    """A saga started from inside a handler: wait for it to stop, or cancel it, durably."""

    def __init__(self, client: SagaContextClient[D], saga_id: str, invocation_id: str) -> None:
        self._client = client
        self.saga_id = saga_id
        self.invocation_id = invocation_id

    async def result(self) -> SagaState[D]:
        """Wait durably for the saga to stop and return its state."""
        return await self._client.result(self.saga_id)

    async def cancel(self, reason: str = "cancelled") -> bool:
        return await self._client.cancel(self.saga_id, reason)


class SagaContextClient(Generic[D]):
    """Starts and follows sagas of one kind durably from inside a handler."""

    def __init__(self, ctx: HandlerContext[Any], spec: SagaSpec[D]) -> None:
        self._ctx = ctx.restate
        self._spec = spec

    async def start(self, saga_id: str, data: D) -> SagaContextHandle[D]:
        """Start saga `saga_id` with `data` (durably, once per id); the handle follows it."""
        run = self._spec.run
        assert run.input is not None
        handle = self._ctx.generic_send(self._spec.name, run.name, run.input.encode(data), key=saga_id)
        return SagaContextHandle(self, saga_id, await handle.invocation_id())

    async def state(self, saga_id: str) -> SagaState[D] | None:
        """Where saga `saga_id` is now (None when it was never started), read durably."""
        return await self._call(self._spec.state, None, saga_id)

    async def result(self, saga_id: str) -> SagaState[D]:
        """Wait durably for saga `saga_id` to stop and return its state."""
        return await self._call(self._spec.result, None, saga_id)

    async def cancel(self, saga_id: str, reason: str = "cancelled") -> bool:
        """Cancel saga `saga_id` at its next step boundary; false when it was not running."""
        return await self._call(self._spec.cancel, reason, saga_id)

    async def resume(self, saga_id: str) -> None:
        """Retry the compensation that ran out of attempts of saga `saga_id`, FAILED, and go on."""
        await self._call(self._spec.resume, None, saga_id)

    async def _call(self, spec: HandlerSpec[In, Out], request: In, saga_id: str) -> Out:
        body = b"" if spec.input is None else spec.input.encode(request)
        answer: bytes = await self._ctx.generic_call(self._spec.name, spec.name, body, key=saga_id)
        return None if spec.output is None else spec.output.decode(answer)  # type: ignore[return-value]
