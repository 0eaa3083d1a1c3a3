"""Handles on invocations started through the ingress: attach, output, cancel, kill.

A send returns an `InvocationHandle` (addressed by invocation id), a workflow's submit a
`WorkflowHandle` (addressed by the workflow's key); the `Sync...` twins are those of `SyncIngress`.
A handle only remembers the address: each method is one request through its ingress client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from restagen.runtime._core.ingress.requests import CallTimeout
from restagen.runtime._core.ingress.responses import SendStatus
from restagen.runtime._core.specs import HandlerSpec

if TYPE_CHECKING:
    from restagen.runtime._core.ingress.async_ingress import Ingress
    from restagen.runtime._core.ingress.sync_ingress import SyncIngress

__all__ = ["InvocationHandle", "SyncInvocationHandle", "SyncWorkflowHandle", "WorkflowHandle"]

Out = TypeVar("Out")


class _Handle(Generic[Out]):
    __slots__ = ("_ingress", "_spec", "invocation_id", "status")

    def __init__(
        self, ingress: Any, spec: HandlerSpec[Any, Out], invocation_id: str, status: SendStatus
    ) -> None:
        self._ingress = ingress
        self._spec = spec
        self.invocation_id = invocation_id
        self.status: SendStatus = status
        """`Accepted`, or `PreviouslyAccepted` when an earlier send (same idempotency key, or the
        same workflow key) started the invocation: nothing new runs."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.invocation_id!r}, status={self.status!r})"


class _WorkflowHandle(_Handle[Out]):
    __slots__ = ("key",)

    def __init__(
        self, ingress: Any, spec: HandlerSpec[Any, Out], key: str, invocation_id: str, status: SendStatus
    ) -> None:
        super().__init__(ingress, spec, invocation_id, status)
        self.key = key

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key!r}, {self.invocation_id!r}, status={self.status!r})"


class InvocationHandle(_Handle[Out]):
    """An invocation started by a send: attach to it, fetch its output, cancel or kill it."""

    __slots__ = ()
    _ingress: Ingress

    async def attach(self, *, timeout: CallTimeout = None) -> Out:
        """Wait for the invocation to finish and return its result (or raise its error)."""
        return await self._ingress.attach(self._spec, self.invocation_id, timeout=timeout)

    async def output(self, *, timeout: CallTimeout = None) -> Out:
        """The result if the invocation finished; raises `NotReady` otherwise."""
        return await self._ingress.output(self._spec, self.invocation_id, timeout=timeout)

    async def cancel(self, *, timeout: CallTimeout = None) -> None:
        """Cancel the invocation (through the admin API); see `Ingress.cancel`."""
        await self._ingress.cancel(self.invocation_id, timeout=timeout)

    async def kill(self, *, timeout: CallTimeout = None) -> None:
        """Kill the invocation (through the admin API); see `Ingress.kill`."""
        await self._ingress.kill(self.invocation_id, timeout=timeout)


class WorkflowHandle(_WorkflowHandle[Out]):
    """A submitted workflow run, addressed by its key; cancel and kill address its invocation."""

    __slots__ = ()
    _ingress: Ingress

    async def attach(self, *, timeout: CallTimeout = None) -> Out:
        """Wait for the run to finish and return its result (or raise its error)."""
        return await self._ingress.workflow_attach(self._spec, self.key, timeout=timeout)

    async def output(self, *, timeout: CallTimeout = None) -> Out:
        """The result if the run finished; raises `NotReady` otherwise."""
        return await self._ingress.workflow_output(self._spec, self.key, timeout=timeout)

    async def cancel(self, *, timeout: CallTimeout = None) -> None:
        """Cancel the run (through the admin API); see `Ingress.cancel`."""
        await self._ingress.cancel(self.invocation_id, timeout=timeout)

    async def kill(self, *, timeout: CallTimeout = None) -> None:
        """Kill the run (through the admin API); see `Ingress.kill`."""
        await self._ingress.kill(self.invocation_id, timeout=timeout)


class SyncInvocationHandle(_Handle[Out]):
    """The blocking twin of `InvocationHandle`."""

    __slots__ = ()
    _ingress: SyncIngress

    def attach(self, *, timeout: CallTimeout = None) -> Out:
        """Wait for the invocation to finish and return its result (or raise its error)."""
        return self._ingress.attach(self._spec, self.invocation_id, timeout=timeout)

    def output(self, *, timeout: CallTimeout = None) -> Out:
        """The result if the invocation finished; raises `NotReady` otherwise."""
        return self._ingress.output(self._spec, self.invocation_id, timeout=timeout)

    def cancel(self, *, timeout: CallTimeout = None) -> None:
        """Cancel the invocation (through the admin API); see `Ingress.cancel`."""
        self._ingress.cancel(self.invocation_id, timeout=timeout)

    def kill(self, *, timeout: CallTimeout = None) -> None:
        """Kill the invocation (through the admin API); see `Ingress.kill`."""
        self._ingress.kill(self.invocation_id, timeout=timeout)


class SyncWorkflowHandle(_WorkflowHandle[Out]):
    """The blocking twin of `WorkflowHandle`."""

    __slots__ = ()
    _ingress: SyncIngress

    def attach(self, *, timeout: CallTimeout = None) -> Out:
        """Wait for the run to finish and return its result (or raise its error)."""
        return self._ingress.workflow_attach(self._spec, self.key, timeout=timeout)

    def output(self, *, timeout: CallTimeout = None) -> Out:
        """The result if the run finished; raises `NotReady` otherwise."""
        return self._ingress.workflow_output(self._spec, self.key, timeout=timeout)

    def cancel(self, *, timeout: CallTimeout = None) -> None:
        """Cancel the run (through the admin API); see `Ingress.cancel`."""
        self._ingress.cancel(self.invocation_id, timeout=timeout)

    def kill(self, *, timeout: CallTimeout = None) -> None:
        """Kill the run (through the admin API); see `Ingress.kill`."""
        self._ingress.kill(self.invocation_id, timeout=timeout)
