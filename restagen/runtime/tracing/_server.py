"""Server spans: one for each attempt of an invocation, around its handler and inner middleware.

An invocation may take several attempts (retries after a failure, resumptions after a suspension);
each is its own span, with how it ended (`restagen.outcome`: `ok`, `error` for a terminal error,
`retry` for an exception Restate retries, `suspended`, `cancelled`). The spans of every attempt
share one trace: the incoming `traceparent` of the invocation (stored with it, the same on every
attempt) is their parent; without one, the trace id is derived from the invocation id.
"""

from __future__ import annotations

import asyncio
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, get_current_span, set_span_in_context
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from restate.exceptions import SuspendedException, TerminalError

from restagen.runtime._core.context import HandlerContext
from restagen.runtime._core.errors import DeclaredError
from restagen.runtime._core.outgoing import TRACE_HEADERS
from restagen.runtime._endpoint.middleware import ComponentInfo, HandlerInfo, Proceed
from restagen.runtime.tracing._client import OutgoingSpans, replaying
from restagen.runtime.tracing._ids import install, invocation_trace_id, planned

__all__ = ["Tracing"]

_PROPAGATOR = TraceContextTextMapPropagator()


class Tracing:
    """An around middleware that traces invocations; register it first (`endpoint.use(tracing())`)
    so that its span covers the other middleware too."""

    def __init__(self, provider: TracerProvider, name: str = "restagen") -> None:
        install(provider)
        self._tracer = provider.get_tracer(name)

    async def around(
        self, ctx: HandlerContext[Any], component: ComponentInfo, handler: HandlerInfo, proceed: Proceed
    ) -> Any:
        sdk: Any = getattr(ctx, "restate", ctx)
        request = sdk.request()
        invocation_id: str = request.id
        incoming = request.headers
        parent = _PROPAGATOR.extract(
            {name: incoming[name] for name in TRACE_HEADERS if name in incoming},
            context=otel_context.Context(),
        )
        attributes: dict[str, Any] = {
            "rpc.system": "restate",
            "rpc.service": component.name,
            "rpc.method": handler.name,
            "restate.invocation.id": invocation_id,
            "restate.replaying": replaying(sdk),
        }
        if component.kind != "service":
            attributes["restate.key"] = sdk.key()
        trace_id = (
            None
            if get_current_span(parent).get_span_context().is_valid
            else invocation_trace_id(invocation_id)
        )
        with planned(trace_id=trace_id):
            span = self._tracer.start_span(
                f"{component.name}/{handler.name}",
                context=parent,
                kind=SpanKind.SERVER,
                attributes=attributes,
            )
        if isinstance(ctx, HandlerContext):
            ctx.outgoing_hook = OutgoingSpans(self._tracer, invocation_id, span.get_span_context(), sdk)
        token = otel_context.attach(set_span_in_context(span, parent))
        try:
            result = await proceed()
        except BaseException as error:
            _failed(span, error, handler)
            raise
        else:
            span.set_attribute("restagen.outcome", "ok")
            return result
        finally:
            otel_context.detach(token)
            span.end()


def _failed(span: Span, error: BaseException, handler: HandlerInfo) -> None:
    if isinstance(error, DeclaredError):
        span.set_attributes(
            {
                "restagen.outcome": "error",
                "restagen.error": type(error).__name__,
                "restagen.error.code": error.code,
                "restagen.error.declared": type(error) in handler.spec.errors,
            }
        )
        span.set_status(Status(StatusCode.ERROR, str(error)))
    elif isinstance(error, TerminalError):
        span.set_attributes(
            {
                "restagen.outcome": "error",
                "restagen.error": "TerminalError",
                "restagen.error.code": error.status_code,
            }
        )
        span.set_status(Status(StatusCode.ERROR, error.message))
    elif isinstance(error, Exception):
        span.set_attribute("restagen.outcome", "retry")
        span.record_exception(error)
        span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
    elif isinstance(error, SuspendedException):
        span.set_attribute("restagen.outcome", "suspended")
    elif isinstance(error, asyncio.CancelledError):
        span.set_attribute("restagen.outcome", "cancelled")
    else:
        span.set_attribute("restagen.outcome", "interrupted")
