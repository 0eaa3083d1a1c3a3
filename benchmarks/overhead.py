"""The cost per call of a middleware chain and of header propagation, measured in-process.

A few microseconds disappear in the noise of a round trip through a server (milliseconds, varying
by several percent from run to run), so these costs are measured where they arise: the handler
functions the endpoint registers with restate-sdk are called directly with a stand-in for the
SDK's context (answering `request()` and `generic_call`), with and without the feature, in
interleaved rounds (best round of each). The difference is the feature's cost; the report puts it
against the round trip measured in the same run.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["measure"]

HEADERS = {f"x-bench-{index}": f"value-{index}" for index in range(10)}


@dataclass
class _Request:
    id: str
    headers: dict[str, str]


@dataclass
class _Context:
    """What the measured handlers ask of the SDK's context."""

    reply: bytes
    headers: dict[str, str] = field(default_factory=dict)
    forwarded: dict[str, str] | None = None

    def request(self) -> _Request:
        return _Request("inv_bench", self.headers)

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


def _handler(endpoint: Any, component: str, name: str) -> Callable[[Any, bytes], Awaitable[bytes]]:
    for built in endpoint.components():
        if built.name == component:
            return built.handlers[name].fn  # type: ignore[no-any-return]
    raise KeyError(component)


async def _per_call(
    fn: Callable[[Any, bytes], Awaitable[bytes]], ctx: Any, body: bytes, number: int
) -> float:
    start = time.perf_counter()
    for _ in range(number):
        await fn(ctx, body)
    return (time.perf_counter() - start) / number


def measure(generated_app: Any, *, number: int, rounds: int) -> dict[str, float]:
    """Seconds per call of each handler variant (best of `rounds` rounds of `number` calls)."""
    from benchsvc.models import Greeting

    from restagen.runtime.config import Config

    body = Greeting(name="bench", count=1, tags=["a", "b"]).model_dump_json().encode()
    propagate = Config.model_validate({"server": {"propagate_incoming_headers": True}})
    plain = generated_app.build()
    chained = generated_app.build(middleware=[_empty, _empty_2, _empty_3])
    forwarding = generated_app.build(propagate)
    variants = {
        "echo, no middleware": (_handler(plain, "echo", "echo"), _Context(body)),
        "echo, 3 empty middleware": (_handler(chained, "echo", "echo"), _Context(body)),
        "relay, 10 incoming headers, none propagated": (
            _handler(plain, "relay", "forward"),
            _Context(body, dict(HEADERS)),
        ),
        "relay, 10 incoming headers, all propagated": (
            _handler(forwarding, "relay", "forward"),
            _Context(body, dict(HEADERS)),
        ),
    }

    async def main() -> dict[str, float]:
        for fn, ctx in variants.values():
            assert await fn(ctx, body) == body
        assert variants["relay, 10 incoming headers, all propagated"][1].forwarded == HEADERS
        best = dict.fromkeys(variants, float("inf"))
        labels = list(variants)
        for round_ in range(rounds):
            shift = round_ % len(labels)
            for label in labels[shift:] + labels[:shift]:
                fn, ctx = variants[label]
                best[label] = min(best[label], await _per_call(fn, ctx, body, number))
        return best

    return asyncio.run(main())
