"""Clients of sagas: start one by id, read its state, wait for its end; async, blocking, in-handler.

Generated `<Saga>SagaClient` classes bind a `SagaSpec` to these. A saga runs as a Restate workflow
keyed by its id, so starting the same id twice runs it once: the second start's handle says
`PreviouslyAccepted` and attaches to the first run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from restate.serde import BytesSerde

from restagen.runtime._core.context import HandlerContext
from restagen.runtime._core.ingress import Ingress, SendStatus, SyncIngress
from restagen.runtime.sagas._engine import SagaSpec, SagaState

__all__ = [
    "SagaClient",
    "SagaContextClient",
    "SagaContextHandle",
    "SagaHandle",
    "SyncSagaClient",
    "SyncSagaHandle",
]

D = TypeVar("D", bound=BaseModel)


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
        """Wait for saga `saga_id` to end (SUCCEEDED, ROLLED_BACK or FAILED) and return its state."""
        return await self._ingress.workflow_attach(self._spec.run, saga_id)


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
        """Wait for saga `saga_id` to end (SUCCEEDED, ROLLED_BACK or FAILED) and return its state."""
        return self._ingress.workflow_attach(self._spec.run, saga_id)


class SagaContextHandle(Generic[D]):
    """A saga started from inside a handler: attach to its end durably."""

    def __init__(self, ctx: Any, spec: SagaSpec[D], saga_id: str, invocation_id: str) -> None:
        self._ctx = ctx
        self._spec = spec
        self.saga_id = saga_id
        self.invocation_id = invocation_id

    async def result(self) -> SagaState[D]:
        """Wait durably for the saga to end and return its state."""
        output = self._spec.run.output
        assert output is not None
        body: bytes = await self._ctx.attach_invocation(self.invocation_id, serde=BytesSerde())
        return output.decode(body)


class SagaContextClient(Generic[D]):
    """Starts and follows sagas of one kind durably from inside a handler."""

    def __init__(self, ctx: HandlerContext[Any], spec: SagaSpec[D]) -> None:
        self._ctx = ctx.restate
        self._spec = spec

    async def start(self, saga_id: str, data: D) -> SagaContextHandle[D]:
        """Start saga `saga_id` with `data` (durably, once per id); the handle attaches to its end."""
        run = self._spec.run
        assert run.input is not None
        handle = self._ctx.generic_send(self._spec.name, run.name, run.input.encode(data), key=saga_id)
        return SagaContextHandle(self._ctx, self._spec, saga_id, await handle.invocation_id())

    async def state(self, saga_id: str) -> SagaState[D] | None:
        """Where saga `saga_id` is now (None when it was never started), read durably."""
        spec = self._spec.state
        assert spec.output is not None
        body: bytes = await self._ctx.generic_call(self._spec.name, spec.name, b"", key=saga_id)
        return spec.output.decode(body)
