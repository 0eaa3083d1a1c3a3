"""Tracing on a fake context, spans kept by OpenTelemetry's InMemorySpanExporter: a server span per
attempt, a client span per call with the `traceparent` it sends, the same headers on a replay, and
outcomes."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import NoOpTracerProvider, SpanKind, StatusCode
from restate.exceptions import SuspendedException, TerminalError

from restagen.runtime import (
    ComponentSpec,
    Config,
    ContextCaller,
    Endpoint,
    HandlerSpec,
    JsonCodec,
    PubSubConfig,
    ServiceHandlerContext,
)
from restagen.runtime.events import ContextPublisher, EventSpec
from restagen.runtime.tracing import trace_headers, tracing
from restagen.testing import FakeContext
from tests.runtime.test_endpoint import Denied

STR = JsonCodec(str)
NEXT = HandlerSpec[str, str](component="next", name="echo", kind=None, input=STR, output=STR)
LATER = HandlerSpec[str, None](component="later", name="take", kind="exclusive", input=STR, output=None)
RELAY = HandlerSpec[str, str](
    component="svc",
    name="relay",
    kind=None,
    input=STR,
    output=STR,
    errors=(Denied,),
    context=ServiceHandlerContext,
)
SVC = ComponentSpec(kind="service", name="svc", handlers=(RELAY,))
PINGED = EventSpec[str](name="test.Pinged", version="v1", codec=STR)

INCOMING_TRACE = "0af7651916cd43dd8448eb211c80319c"
INCOMING_SPAN = "b7ad6b7169203331"
TRACEPARENT = f"00-{INCOMING_TRACE}-{INCOMING_SPAN}-01"


class Relay:
    """Calls `next/echo`, sends to `later/take`, and fails as its request says."""

    def __init__(self, provider: TracerProvider) -> None:
        self.tracer = provider.get_tracer("user")

    async def relay(self, ctx: ServiceHandlerContext, request: str) -> str:
        with self.tracer.start_as_current_span("inside"):
            pass
        if request == "publish":
            await ContextPublisher(ctx, PubSubConfig()).publish(PINGED, ["ping"])
            return "published"
        answer = await ContextCaller(ctx).call(NEXT, request)
        ContextCaller(ctx).send(LATER, request, key="k1")
        if request == "deny":
            raise Denied(who="eve")
        if request == "crash":
            raise ValueError("crash")
        if request == "terminal":
            raise TerminalError("gone", status_code=410)
        if request == "suspend":
            raise SuspendedException()  # what the SDK raises while the invocation waits
        return answer


class Replaying(FakeContext):
    """A fake context whose journal is being replayed, as on a retry after the calls were made."""

    class vm:  # the SDK context's attribute
        @staticmethod
        def is_replaying() -> bool:
            return True


@pytest.fixture
def spans() -> tuple[TracerProvider, InMemorySpanExporter]:
    provider = TracerProvider()
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


def _fake(**options: Any) -> FakeContext:
    """A fake context whose calls to next/echo answer "ok"."""
    return FakeContext(**options).reply(NEXT, "ok")


def _invoke(provider: TracerProvider, ctx: FakeContext, body: bytes = b'"hi"', config: Any = None) -> bytes:
    endpoint = Endpoint(Config.model_validate(config or {})).use(tracing(provider))
    (component,) = endpoint.bind(SVC, Relay(provider)).components()
    return asyncio.run(component.handlers["relay"].fn(ctx, body))


def _by_name(exporter: InMemorySpanExporter) -> dict[str, ReadableSpan]:
    return {span.name: span for span in exporter.get_finished_spans()}


def _traceparent(span: ReadableSpan) -> str:
    return f"00-{span.context.trace_id:032x}-{span.context.span_id:016x}-{span.context.trace_flags:02x}"


def test_an_invocation_is_a_server_span_and_each_call_a_child_span_whose_context_it_sends(
    spans: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    provider, exporter = spans
    ctx = _fake(invocation_id="inv_a")
    assert _invoke(provider, ctx) == b'"ok"'
    found = _by_name(exporter)
    assert sorted(found) == ["call next/echo", "inside", "send later/take", "svc/relay"]
    server = found["svc/relay"]
    assert server.kind == SpanKind.SERVER and server.parent is None
    assert server.attributes is not None
    assert server.attributes["restate.invocation.id"] == "inv_a"
    assert server.attributes["rpc.service"] == "svc" and server.attributes["rpc.method"] == "relay"
    assert server.attributes["restagen.outcome"] == "ok"
    call, send, inside = found["call next/echo"], found["send later/take"], found["inside"]
    assert call.kind == SpanKind.CLIENT and send.kind == SpanKind.PRODUCER
    assert send.attributes is not None and send.attributes["restate.key"] == "k1"
    for child in (call, send, inside):
        assert child.parent is not None and child.parent.span_id == server.context.span_id
        assert child.context.trace_id == server.context.trace_id
    assert [c.headers["traceparent"] for c in ctx.calls] == [_traceparent(call), _traceparent(send)]


def test_the_incoming_traceparent_is_the_parent_and_replaces_a_propagated_one(
    spans: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    provider, exporter = spans
    ctx = _fake(headers={"traceparent": TRACEPARENT, "x-tenant": "t1"})
    _invoke(provider, ctx, config={"server": {"propagate_incoming_headers": True}})
    found = _by_name(exporter)
    server = found["svc/relay"]
    assert server.parent is not None and f"{server.parent.span_id:016x}" == INCOMING_SPAN
    assert f"{server.context.trace_id:032x}" == INCOMING_TRACE
    headers = ctx.calls[0].headers
    assert headers == {"x-tenant": "t1", "traceparent": _traceparent(found["call next/echo"])}


def test_a_replayed_attempt_sends_the_same_headers_and_records_no_second_call_span(
    spans: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    provider, exporter = spans
    first = _fake(invocation_id="inv_r")
    with pytest.raises(ValueError, match="crash"):
        _invoke(provider, first, b'"crash"')
    retry = Replaying(invocation_id="inv_r").reply(NEXT, "ok")
    with pytest.raises(ValueError, match="crash"):
        _invoke(provider, retry, b'"crash"')
    assert [c.headers for c in retry.calls] == [c.headers for c in first.calls]
    finished = exporter.get_finished_spans()
    attempts = [span for span in finished if span.name == "svc/relay"]
    assert len(attempts) == 2
    assert attempts[0].context.trace_id == attempts[1].context.trace_id
    assert attempts[0].context.span_id != attempts[1].context.span_id
    assert [a.attributes["restate.replaying"] for a in attempts if a.attributes] == [False, True]
    assert [span.name for span in finished].count("call next/echo") == 1
    other = _fake(invocation_id="inv_other")
    _invoke(provider, other)
    assert other.calls[0].headers != first.calls[0].headers


@pytest.mark.parametrize(
    ("body", "outcome", "error", "code"),
    [
        (b'"deny"', "error", "Denied", 403),
        (b'"terminal"', "error", "TerminalError", 410),
        (b'"crash"', "retry", None, None),
    ],
)
def test_an_attempt_records_how_it_ended(
    spans: tuple[TracerProvider, InMemorySpanExporter],
    body: bytes,
    outcome: str,
    error: str | None,
    code: int | None,
) -> None:
    provider, exporter = spans
    with pytest.raises((TerminalError, ValueError)):
        _invoke(provider, _fake(), body)
    server = _by_name(exporter)["svc/relay"]
    assert server.attributes is not None
    assert server.attributes["restagen.outcome"] == outcome
    assert server.attributes.get("restagen.error") == error
    assert server.attributes.get("restagen.error.code") == code
    assert server.status.status_code == StatusCode.ERROR
    if outcome == "retry":
        assert [event.name for event in server.events] == ["exception"]


def test_a_suspended_attempt_ends_its_span_as_suspended(
    spans: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    provider, exporter = spans
    with pytest.raises(SuspendedException):
        _invoke(provider, _fake(), b'"suspend"')
    server = _by_name(exporter)["svc/relay"]
    assert server.attributes is not None and server.attributes["restagen.outcome"] == "suspended"
    assert server.status.status_code == StatusCode.UNSET


def test_a_publish_carries_the_trace_context_only_when_traced(
    spans: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    provider, exporter = spans
    traced = _fake()
    _invoke(provider, traced, b'"publish"')
    (publish,) = [call for call in traced.calls if call.kind == "send"]
    assert publish.target == "restagen_events/publish"
    assert publish.headers == {
        "traceparent": _traceparent(_by_name(exporter)["publish restagen_events/publish"])
    }

    untraced = _fake()
    (component,) = Endpoint(Config.model_validate({})).bind(SVC, Relay(provider)).components()
    asyncio.run(component.handlers["relay"].fn(untraced, b'"publish"'))
    assert [call.headers for call in untraced.calls if call.kind == "send"] == [{}]


def test_tracing_needs_an_sdk_tracer_provider() -> None:
    with pytest.raises(TypeError, match="needs an OpenTelemetry SDK TracerProvider"):
        tracing(NoOpTracerProvider())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("incoming", "forwarded"),
    [
        (
            {"traceparent": TRACEPARENT, "tracestate": "a=1", "x-other": "no"},
            {"traceparent": TRACEPARENT, "tracestate": "a=1"},
        ),
        ({}, {}),
    ],
)
def test_the_registry_passes_a_publish_trace_context_on_to_each_delivery(
    incoming: dict[str, str], forwarded: dict[str, str]
) -> None:
    from restagen.runtime.events import EventEnvelope, EventRegistry, EventSubscription, PublishRequest

    subscription = EventSubscription(
        type="test.Pinged", version="v1", component="sub", handler="on", kind="service"
    )
    subscriptions = JsonCodec(tuple[EventSubscription, ...]).encode((subscription,))
    ctx = FakeContext(key="default", headers=incoming, state={"subscriptions": subscriptions})
    event = EventEnvelope(id="e1", type="test.Pinged", version="v1", data='"ping"')
    asyncio.run(EventRegistry().publish(ctx, PublishRequest(stream="s", events=(event,))))  # type: ignore[arg-type]
    delivery, append = ctx.calls
    assert (delivery.target, append.target) == ("sub/on", "restagen_event_log/append")
    trace = {name: value for name, value in delivery.headers.items() if not name.startswith("restagen")}
    assert trace == forwarded


def test_trace_headers_carry_the_current_span_for_an_ingress_call(
    spans: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    provider, _ = spans
    assert trace_headers() == {}
    with provider.get_tracer("app").start_as_current_span("web request") as span:
        headers = trace_headers()
    context = span.get_span_context()
    assert headers == {
        "traceparent": f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}"
    }


def test_an_unsampled_invocation_records_nothing_and_still_sends_the_same_headers() -> None:
    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

    provider = TracerProvider(sampler=ALWAYS_OFF)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    first, again = _fake(invocation_id="inv_u"), _fake(invocation_id="inv_u")
    _invoke(provider, first)
    _invoke(provider, again)
    assert exporter.get_finished_spans() == ()
    traceparent = first.calls[0].headers["traceparent"]
    assert traceparent == again.calls[0].headers["traceparent"]
    assert int(traceparent.rsplit("-", 1)[1], 16) & 1 == 0  # not sampled: the callee records nothing either


def test_the_runtime_and_an_endpoint_work_without_the_otel_extra() -> None:
    script = """
import importlib, pkgutil, sys
sys.modules["opentelemetry"] = None  # as if not installed
import restagen.runtime
from restagen.runtime import Config, Endpoint
for module in pkgutil.iter_modules(restagen.runtime.__path__, "restagen.runtime."):
    if module.name not in ("restagen.runtime.tracing", "restagen.runtime.sse"):
        importlib.import_module(module.name)
assert callable(Endpoint(Config.model_validate({})).app())
try:
    import restagen.runtime.tracing
except ImportError as error:
    print(error)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert "restagen.runtime.tracing needs the otel extra: pip install 'restagen[otel]'" in done.stdout
