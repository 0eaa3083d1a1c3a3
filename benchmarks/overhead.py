"""What restagen's layers cost per call, measured in-process where they run.

A few microseconds disappear in the noise of a round trip through a server (milliseconds, varying
by several percent from run to run), so these costs are also measured where they arise:

- endpoint side: the handlers the endpoints register with restate-sdk are run as the SDK runs
  them (`restate.handler.invoke_handler`: input serde, handler, output serde) with a stand-in for
  the SDK's context (answering `request()` and `generic_call`): the generated handler (restagen's
  binding and codecs, with and without a middleware chain or an around middleware, with and
  without header propagation, traced or not)
  and the hand-written one (the SDK's pydantic serde);
- client side: the generated ingress client, a raw httpx POST and restate-sdk's client, each on an
  httpx client whose transport answers at once (`httpx.MockTransport`).

Variants run in interleaved rounds, and every round is returned: the suite shows the best round of
each and judges its gates on the per-round ratios.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["StandInContext", "StandInRequest", "client_side", "endpoint_side", "find_handler"]

HEADERS = {f"x-bench-{index}": f"value-{index}" for index in range(10)}


@dataclass
class StandInRequest:
    id: str
    headers: dict[str, str]


@dataclass
class StandInContext:
    """What the measured handlers ask of the SDK's context (also `instructions.py`'s)."""

    reply: bytes
    headers: dict[str, str] = field(default_factory=dict)
    forwarded: dict[str, str] | None = None

    def request(self) -> StandInRequest:
        return StandInRequest("inv_bench", self.headers)

    def key(self) -> str:
        return "bench"

    async def generic_call(self, service: str, handler: str, arg: bytes, **options: Any) -> bytes:
        self.forwarded = options.get("headers")
        return self.reply


async def _empty(ctx: Any, component: Any, handler: Any) -> None:
    return None


async def _empty_2(ctx: Any, component: Any, handler: Any) -> None:
    return None


async def _empty_3(ctx: Any, component: Any, handler: Any) -> None:
    return None


async def _around(ctx: Any, component: Any, handler: Any, proceed: Callable[[], Awaitable[Any]]) -> Any:
    return await proceed()


def _traced() -> Any:
    """The tracing middleware on a provider that keeps nothing: what spans cost to make."""
    from opentelemetry.sdk.trace import TracerProvider

    from restagen.runtime.tracing import tracing

    return tracing(TracerProvider())


def find_handler(components: list[Any], component: str, name: str) -> Any:
    for built in components:
        if built.name == component:
            return built.handlers[name]
    raise KeyError(component)


Call = Callable[[], Awaitable[object]]


async def _per_call(call: Call, number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        await call()
    return (time.perf_counter() - start) / number


async def _rounds(variants: dict[str, Call], number: int, rounds: int) -> dict[str, list[float]]:
    """Seconds per call of each variant in each round; the rounds interleave the variants."""
    seconds: dict[str, list[float]] = {label: [] for label in variants}
    labels = list(variants)
    for round_ in range(rounds):
        shift = round_ % len(labels)
        for label in labels[shift:] + labels[:shift]:
            seconds[label].append(await _per_call(variants[label], number))
    return seconds


def _invocation(handler: Any, ctx: StandInContext, body: bytes) -> Call:
    from restate.handler import invoke_handler

    async def call() -> bytes:
        return await invoke_handler(handler, ctx, body)

    return call


ENDPOINT_GENERATED = "generated echo handler"
ENDPOINT_HAND = "hand-written echo handler"
ENDPOINT_CHAIN = "generated echo handler, 3 empty middleware"
ENDPOINT_QUIET = "generated relay handler, 10 incoming headers, none propagated"
ENDPOINT_PROPAGATING = "generated relay handler, 10 incoming headers, all propagated"
ENDPOINT_AROUND = "generated echo handler, 1 empty around middleware"
ENDPOINT_TRACED = "generated relay handler, traced (spans made, none exported)"


def endpoint_side(
    generated_app: Any, handwritten: Any, *, number: int, rounds: int
) -> dict[str, list[float]]:
    """Seconds per invocation of each handler variant in each round, run as restate-sdk runs it."""
    from benchsvc.models import Greeting

    from restagen.runtime import Config

    body = Greeting(name="bench", count=1, tags=["a", "b"]).model_dump_json().encode()
    propagate = Config.model_validate({"server": {"propagate_incoming_headers": True}})
    plain = generated_app.build().components()
    chained = generated_app.build(middleware=[_empty, _empty_2, _empty_3]).components()
    forwarding = generated_app.build(propagate).components()
    around = generated_app.build(middleware=[_around]).components()
    traced = generated_app.build(middleware=[_traced()]).components()
    hand = [handwritten.echo]
    propagating = StandInContext(body, dict(HEADERS))
    variants = {
        ENDPOINT_GENERATED: _invocation(find_handler(plain, "echo", "echo"), StandInContext(body), body),
        ENDPOINT_HAND: _invocation(find_handler(hand, "hand_echo", "echo"), StandInContext(body), body),
        ENDPOINT_CHAIN: _invocation(find_handler(chained, "echo", "echo"), StandInContext(body), body),
        ENDPOINT_QUIET: _invocation(
            find_handler(plain, "relay", "forward"), StandInContext(body, dict(HEADERS)), body
        ),
        ENDPOINT_PROPAGATING: _invocation(find_handler(forwarding, "relay", "forward"), propagating, body),
        ENDPOINT_AROUND: _invocation(find_handler(around, "echo", "echo"), StandInContext(body), body),
        ENDPOINT_TRACED: _invocation(
            find_handler(traced, "relay", "forward"), StandInContext(body, dict(HEADERS)), body
        ),
    }

    async def main() -> dict[str, list[float]]:
        for call in variants.values():
            assert Greeting.model_validate_json(await call()) == Greeting.model_validate_json(body)  # type: ignore[arg-type]
        assert propagating.forwarded == HEADERS
        return await _rounds(variants, number, rounds)

    return asyncio.run(main())


CLIENT_GENERATED = "generated ingress client"
CLIENT_RAW = "raw httpx POST (+ pydantic)"
CLIENT_SDK = "restate-sdk client"


def client_side(handwritten: Any, *, number: int, rounds: int) -> dict[str, list[float]]:
    """Seconds per call of each client in each round, on a transport that answers at once."""
    import httpx
    from benchsvc import clients
    from benchsvc.models import Greeting
    from restate.client import Client

    from restagen.runtime import Ingress

    answer = Greeting(name="bench", count=7, tags=["a", "b", "c"]).model_dump_json().encode()
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=answer))
    url = "http://ingress.invalid"
    request = Greeting(name="bench", count=7, tags=["a", "b", "c"])
    hand_request = handwritten.Greeting(name="bench", count=7, tags=["a", "b", "c"])
    json_headers = {"content-type": "application/json"}

    async def main() -> dict[str, list[float]]:
        async with (
            httpx.AsyncClient(transport=transport) as for_ingress,
            httpx.AsyncClient(transport=transport) as raw,
            httpx.AsyncClient(transport=transport, base_url=url) as for_sdk,
        ):
            echo = clients.EchoClient(Ingress(url, client=for_ingress))
            sdk = Client(for_sdk)

            async def generated() -> Any:
                return await echo.echo(request)

            async def raw_post() -> Any:
                response = await raw.post(
                    f"{url}/hand_echo/echo", content=hand_request.model_dump_json(), headers=json_headers
                )
                response.raise_for_status()
                return handwritten.Greeting.model_validate_json(response.content)

            async def sdk_call() -> Any:
                return await sdk.service_call(handwritten.echo_handler, arg=hand_request)

            variants: dict[str, Call] = {
                CLIENT_GENERATED: generated,
                CLIENT_RAW: raw_post,
                CLIENT_SDK: sdk_call,
            }
            for call in variants.values():
                assert (await call()).model_dump() == request.model_dump()  # type: ignore[attr-defined]
            return await _rounds(variants, number, rounds)

    return asyncio.run(main())
