"""SSE latency benchmark: from `SseHub.push` to the `subscribe` callback, over loopback.

Serves a hub-mounted app with hypercorn (the settings `restagen serve` uses) on a free loopback
port in this process, subscribes with `restagen.runtime.sse.subscribe`, and pushes N events of
about `--size` bytes. Sequential mode (default) pushes one event, waits for its callback, then
pushes the next: pure latency. `--burst` pushes them all back to back and measures each event's
time to arrival and the throughput. `--peer` serves two nodes, pushes on the first and subscribes
on the second: the latency of fan-out (a signed POST to the peer, then its stream).

Prints p50, p90, p99 and max in milliseconds (`time.perf_counter`, one clock: all in one process).

Run: `.venv/bin/python benchmarks/sse_latency.py [--events N] [--size BYTES] [--burst] [--peer]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import time
import uuid
from contextlib import AsyncExitStack
from typing import Any

from restagen.local.serve import running
from restagen.runtime.sse import SseEvent, SseHub, subscribe

SECRET = "benchmark"


async def _nothing(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        raise RuntimeError("no lifespan support")  # with_lifespan answers in its place
    await send({"type": "http.response.start", "status": 404, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def _percentile(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))]


async def measure(events: int, size: int, *, burst: bool, peer: bool, warmup: int) -> dict[str, float]:
    payload = json.dumps({"padding": "x" * max(0, size - 16)})
    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    arrived: asyncio.Queue[str] = asyncio.Queue()

    def on_event(event: SseEvent) -> None:
        latencies.append(time.perf_counter() - sent_at[event.id])
        arrived.put_nowait(event.id)

    async with AsyncExitStack() as stack:
        receiving = SseHub(secret=SECRET, buffer_size=max(1000, events))  # a burst must not overflow
        subscriber_url = await stack.enter_async_context(running(receiving.mount(_nothing)))
        pushing = receiving
        if peer:
            pushing = SseHub(secret=SECRET, peers=[subscriber_url])
            await stack.enter_async_context(running(pushing.mount(_nothing)))
        subscription = await subscribe(subscriber_url, on_event, stream="bench")
        stack.push_async_callback(subscription.aclose)
        stack.push_async_callback(pushing.aclose)

        def make() -> SseEvent:
            return SseEvent(str(uuid.uuid4()), "bench.Event", "v1", payload, "default", "bench")

        async def one(event: SseEvent) -> None:
            sent_at[event.id] = time.perf_counter()
            await pushing.push([event])

        for _ in range(warmup):
            await one(make())
            await asyncio.wait_for(arrived.get(), 10)
        latencies.clear()
        started = time.perf_counter()
        if burst:
            for _ in range(events):
                await one(make())
            for _ in range(events):
                await asyncio.wait_for(arrived.get(), 30)
        else:
            for _ in range(events):
                await one(make())
                await asyncio.wait_for(arrived.get(), 10)
        elapsed = time.perf_counter() - started
        receiving.disconnect()
    ordered = sorted(latencies)
    return {
        "p50": _percentile(ordered, 0.50) * 1000,
        "p90": _percentile(ordered, 0.90) * 1000,
        "p99": _percentile(ordered, 0.99) * 1000,
        "max": ordered[-1] * 1000,
        "mean": statistics.fmean(ordered) * 1000,
        "events/s": events / elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000, help="events measured (default 2000)")
    parser.add_argument("--size", type=int, default=256, help="approximate event JSON size in bytes")
    parser.add_argument("--warmup", type=int, default=50, help="events pushed first, not measured")
    parser.add_argument("--burst", action="store_true", help="push all events back to back")
    parser.add_argument("--peer", action="store_true", help="push on one node, subscribe on its peer")
    args = parser.parse_args()
    figures = asyncio.run(
        measure(args.events, args.size, burst=args.burst, peer=args.peer, warmup=args.warmup)
    )
    mode = ("burst" if args.burst else "sequential") + (", through a peer node" if args.peer else "")
    print(f"SSE push -> callback over loopback: {args.events} events of ~{args.size} B, {mode}")
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    print("  ".join(f"{name} {value:.3f} ms" for name, value in figures.items() if name != "events/s"))
    print(f"throughput {figures['events/s']:.0f} events/s")


if __name__ == "__main__":
    main()
