"""OpenTelemetry tracing of invocations, calls, sends and publishes.

Needs the `otel` extra (`pip install 'restagen[otel]'`: opentelemetry-api and -sdk); the rest of
the runtime imports nothing of this package, and an endpoint that does not use it pays nothing.

    from restagen.runtime.tracing import tracing
    endpoint.use(tracing())          # first, so that its spans cover the other middleware

- each attempt of an invocation is a server span (`component/handler`) with the invocation id,
  the key, and how the attempt ended (`restagen.outcome`, the declared error and its code);
- each call, send and publish from inside a handler is a client (or producer) span, child of the
  attempt's span, and carries a W3C `traceparent` so that the callee's span is its child;
- the incoming `traceparent` of an invocation is the parent of its spans; the event registry
  passes a publish's trace context on to every delivery;
- `trace_headers()` gives the current trace context as headers for a call through the ingress.

A call's headers are journaled, so a replay sends the same `traceparent`: its ids are derived from
the invocation, never random, and a replayed call records no second span (see `_ids`).
"""

from typing import TYPE_CHECKING

try:
    import opentelemetry.sdk.trace
    import opentelemetry.trace  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised in a subprocess
    raise ImportError(
        f"restagen.runtime.tracing needs the otel extra: pip install 'restagen[otel]' ({error})"
    ) from error

from restagen.runtime._exports import lazy_exports

if TYPE_CHECKING:
    from restagen.runtime.tracing._headers import trace_headers
    from restagen.runtime.tracing._server import Tracing
    from restagen.runtime.tracing._setup import tracing
else:
    __getattr__, __dir__ = lazy_exports(__name__)

__all__ = ["Tracing", "trace_headers", "tracing"]
