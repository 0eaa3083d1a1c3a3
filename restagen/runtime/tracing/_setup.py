"""`tracing()`: the tracing middleware on the tracer provider of the application."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from restagen.runtime.tracing._server import Tracing

__all__ = ["tracing"]


def tracing(provider: TracerProvider | None = None, *, name: str = "restagen") -> Tracing:
    """The middleware that traces invocations, with spans of `provider` (default: the global one,
    set with `opentelemetry.trace.set_tracer_provider`), named `name` as instrumentation scope.

    The provider must be the OpenTelemetry SDK's: restagen plans the ids of its call spans with it.
    """
    chosen = provider if provider is not None else trace.get_tracer_provider()
    if not isinstance(chosen, TracerProvider):
        raise TypeError(
            "tracing() needs an OpenTelemetry SDK TracerProvider: pass provider=, or set one with "
            f"opentelemetry.trace.set_tracer_provider() first (the global one is a {type(chosen).__name__})"
        )
    return Tracing(chosen, name)
