"""Client spans: one for each call, send and publish a handler makes, and the `traceparent` it carries.

A span marks the issuing of the call: Restate journals the call and performs it, so the span ends
at once, and the callee's server span (its child) shows how long the work took. A call replayed
from the journal was issued by an earlier attempt, which recorded its span: a replay records none,
and sends the same `traceparent` again (see `_ids`).
"""

from __future__ import annotations

from typing import Any

from opentelemetry.trace import (
    NonRecordingSpan,
    SpanContext,
    SpanKind,
    Tracer,
    set_span_in_context,
)
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from restagen.runtime._core.outgoing import TRACE_HEADERS, OutgoingKind
from restagen.runtime._core.specs import HandlerSpec
from restagen.runtime.tracing._ids import call_span_id, planned

__all__ = ["OutgoingSpans", "replaying"]

_PROPAGATOR = TraceContextTextMapPropagator()
_KINDS = {"call": SpanKind.CLIENT, "send": SpanKind.PRODUCER, "publish": SpanKind.PRODUCER}


def replaying(ctx: Any) -> bool:
    """Whether the SDK context `ctx` is replaying its journal (False for anything but the SDK's)."""
    vm = getattr(ctx, "vm", None)
    return bool(vm.is_replaying()) if vm is not None else False


class OutgoingSpans:
    """The outgoing hook of one invocation attempt: a client span and a `traceparent` per call."""

    __slots__ = ("_count", "_invocation_id", "_parent", "_sdk", "_server", "_tracer")

    def __init__(self, tracer: Tracer, invocation_id: str, server: SpanContext, sdk: Any) -> None:
        self._tracer = tracer
        self._invocation_id = invocation_id
        self._server = server
        self._parent = set_span_in_context(NonRecordingSpan(server))
        self._sdk = sdk
        self._count = 0

    def __call__(
        self, kind: OutgoingKind, spec: HandlerSpec[Any, Any], key: str | None, headers: dict[str, str] | None
    ) -> dict[str, str] | None:
        index = self._count
        self._count += 1
        span_id = call_span_id(self._invocation_id, index)
        if not replaying(self._sdk):
            attributes: dict[str, Any] = {
                "rpc.system": "restate",
                "rpc.service": spec.component,
                "rpc.method": spec.name,
                "restagen.call.kind": kind,
            }
            if key is not None:
                attributes["restate.key"] = key
            with planned(span_id=span_id):
                span = self._tracer.start_span(
                    f"{kind} {spec.component}/{spec.name}",
                    context=self._parent,
                    kind=_KINDS[kind],
                    attributes=attributes,
                )
            span.end()
        server = self._server
        sent = SpanContext(
            server.trace_id,
            span_id,
            is_remote=False,
            trace_flags=server.trace_flags,
            trace_state=server.trace_state,
        )
        carrier = {k: v for k, v in headers.items() if k.lower() not in TRACE_HEADERS} if headers else {}
        _PROPAGATOR.inject(carrier, context=set_span_in_context(NonRecordingSpan(sent)))
        return carrier
