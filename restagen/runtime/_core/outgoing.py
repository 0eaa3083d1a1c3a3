"""The outgoing hook: how a feature sees, and adds headers to, every call, send and publish a
handler makes through its context.

The hook is set on a handler's context for one invocation attempt (tracing sets one). Context
clients pass each call and send through `HandlerContext.outgoing_headers`, which calls the hook
with what the call is and the headers it would carry, and sends what it returns; the durable
publisher calls the hook itself for each publish.
Whatever a hook returns is journaled with the call, so it must return the same headers when the
attempt replays the call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from restagen.runtime._core.specs import HandlerSpec

__all__ = ["TRACE_HEADERS", "OutgoingHook", "OutgoingKind"]

TRACE_HEADERS = ("traceparent", "tracestate")
"""The W3C trace context headers, lower case as Restate passes them on."""

OutgoingKind = Literal["call", "send", "publish"]

OutgoingHook = Callable[
    [OutgoingKind, "HandlerSpec[Any, Any]", "str | None", "dict[str, str] | None"], "dict[str, str] | None"
]
"""`(kind, spec of the target handler, key, headers) -> the headers to send`."""
