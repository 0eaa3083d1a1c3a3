"""Span and trace ids that a replay reproduces.

A call's headers are journaled with it, and Restate checks on replay that the handler makes the
same call, headers included: the `traceparent` of an outgoing call must be the same on every attempt
of an invocation. Its trace id is the invocation's (from the incoming `traceparent`, or derived
from the invocation id when there is none) and its parent id is derived from the invocation id
and the call's position among the invocation's calls. Nothing is journaled for it.

For the client span of a call to carry that id, the tracer provider's id generator is wrapped
(`PlannedIds`): it returns the planned ids while a span of restagen's is started (`planned`), and
asks the provider's own generator otherwise.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.id_generator import IdGenerator

__all__ = ["PlannedIds", "call_span_id", "install", "invocation_trace_id", "planned"]

_PLANNED: ContextVar[tuple[int | None, int | None]] = ContextVar("restagen_planned_ids", default=(None, None))


class PlannedIds(IdGenerator):
    """The ids planned for the span being started, else those of the provider's generator."""

    def __init__(self, fallback: IdGenerator) -> None:
        self.fallback = fallback

    def generate_trace_id(self) -> int:
        trace_id = _PLANNED.get()[0]
        return trace_id if trace_id is not None else self.fallback.generate_trace_id()

    def generate_span_id(self) -> int:
        span_id = _PLANNED.get()[1]
        return span_id if span_id is not None else self.fallback.generate_span_id()

    def is_trace_id_random(self) -> bool:
        return self.fallback.is_trace_id_random()


def install(provider: TracerProvider) -> None:
    """Wrap `provider`'s id generator (once); tracers got from it afterwards plan ids."""
    if not isinstance(provider.id_generator, PlannedIds):
        provider.id_generator = PlannedIds(provider.id_generator)  # type: ignore[assignment]


@contextmanager
def planned(*, trace_id: int | None = None, span_id: int | None = None) -> Iterator[None]:
    """The ids the next span started in this block gets (None: the provider's choice)."""
    token = _PLANNED.set((trace_id, span_id))
    try:
        yield
    finally:
        _PLANNED.reset(token)


def _derived(text: str, size: int) -> int:
    value = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=size).digest(), "big")
    return value or 1  # zero is the invalid id


def invocation_trace_id(invocation_id: str) -> int:
    """The trace id of an invocation that arrived without a trace context."""
    return _derived(f"trace {invocation_id}", 16)


def call_span_id(invocation_id: str, index: int) -> int:
    """The span id of the `index`-th call, send or publish of an invocation."""
    return _derived(f"call {invocation_id} {index}", 8)
