"""`trace_headers()`: the current trace context as headers, for calls through the ingress.

An application that traces its own work (a web request, a job) passes these headers to an ingress
call, and the invocation it starts becomes part of its trace.
"""

from __future__ import annotations

from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

__all__ = ["trace_headers"]

_PROPAGATOR = TraceContextTextMapPropagator()


def trace_headers() -> dict[str, str]:
    """The W3C `traceparent` (and `tracestate`) of the current span; empty outside any span."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier
