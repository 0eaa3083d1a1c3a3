"""Calls from inside a handler: durable, through the Restate context, typed by a `HandlerSpec`.

Generated context clients delegate here. A call journals its request and result; a declared error
of the callee is raised again as the same class with the same fields; a send returns at once with
a handle on the new invocation, optionally delayed. A call returns a `CallFuture` at once: the
call is journaled when made, and the future can be awaited, combined, timed out or cancelled.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import restate
from restate.serde import BytesSerde

from restagen.runtime._core.futures import CallFuture
from restagen.runtime._core.specs import HandlerSpec

if TYPE_CHECKING:
    from restagen.runtime._core.context import HandlerContext

__all__ = ["ContextCaller", "ContextInvocationHandle"]

In = TypeVar("In")
Out = TypeVar("Out")


class ContextInvocationHandle(Generic[Out]):
    """A handle on an invocation started by a send from inside a handler."""

    def __init__(self, ctx: restate.Context, spec: HandlerSpec[Any, Out], handle: restate.SendHandle) -> None:
        self._ctx = ctx
        self._spec = spec
        self._handle = handle

    async def invocation_id(self) -> str:
        return await self._handle.invocation_id()

    async def attach(self) -> Out:
        """Wait (durably) for the invocation to finish and return its result, or raise its error."""
        invocation_id = await self._handle.invocation_id()
        return await CallFuture(self._ctx.attach_invocation(invocation_id, serde=BytesSerde()), self._spec)

    async def cancel(self) -> None:
        await self._handle.cancel_invocation()


class ContextCaller:
    """Makes typed durable calls and sends through one invocation's context.

    Every call carries the incoming headers the endpoint propagates, with `headers` given to the
    call winning over them.
    """

    def __init__(self, ctx: HandlerContext[Any]) -> None:
        self._ctx: restate.Context = ctx.restate
        self._context = ctx

    def call(
        self,
        spec: HandlerSpec[In, Out],
        request: In,
        *,
        key: str | None = None,
        idempotency_key: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> CallFuture[Out]:
        """Start the call now; the future gives its result (decoded, errors revived) when awaited."""
        body = spec.input.encode(request) if spec.input is not None else b""
        context = self._context
        # The common case (nothing to propagate or to follow, no explicit headers) without a call.
        if headers or context.header_policy is not None or context.outgoing_hook is not None:
            headers = context.outgoing_headers(headers, "call", spec, key)
        else:
            headers = None
        future = self._ctx.generic_call(
            spec.component, spec.name, body, key=key, idempotency_key=idempotency_key, headers=headers
        )
        return CallFuture(future, spec)

    def send(
        self,
        spec: HandlerSpec[In, Out],
        request: In,
        *,
        key: str | None = None,
        delay: timedelta | None = None,
        idempotency_key: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> ContextInvocationHandle[Out]:
        body = spec.input.encode(request) if spec.input is not None else b""
        handle = self._ctx.generic_send(
            spec.component,
            spec.name,
            body,
            key=key,
            send_delay=delay,
            idempotency_key=idempotency_key,
            headers=self._context.outgoing_headers(headers, "send", spec, key),
        )
        return ContextInvocationHandle(self._ctx, spec, handle)
