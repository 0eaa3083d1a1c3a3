"""Events benchmark: publish-to-delivery latency to three subscribers against a direct send to one.

Starts a local restate-server and the endpoint of `events_bench/` (generated into a temporary
folder, served by `restagen serve` with a `pubsub` section), registers it and its subscriptions,
then, in rounds that alternate the two variants, both from inside a handler (`source`), which
the ingress starts one-way:

- publish: `source/publish` publishes one `Ping` with the typed publisher (durable, one hop from
  the process's copy of the subscriptions) to three subscriber handlers;
- direct: `source/send` sends the same `Ping` to one handler (`direct/ping`), one-way;
- direct to three: `source/send_three` sends it to the three subscriber handlers, one-way each
  (what a publish does for its deliveries, without the registry or the log): the cost of a
  fan-out of three in itself.

Each receiving handler records the time from the source's clock reading (just before the publish
or the send) to its own start (`time.time_ns`, same machine). Printed: p50/p99 of every delivery,
of the last of the three deliveries of each event, of the direct send and of the direct sends to
three, and the ratios publish/direct (the target) and publish/direct to three.

Run: `.venv/bin/python benchmarks/events.py [--quick] [--events N] [--rounds N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from restagen.local.processes import spawn, stop

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent / "events_bench"


DEADLINE = 60.0
"""How long a round waits for its deliveries: generous, for a busy machine."""


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _serve(generated: Path, port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "restagen", "serve", "impl:app", "--port", str(port)]
    command += ["--path", str(generated), "--path", str(HERE)]
    env = {**os.environ, "RESTAGEN_PUBSUB__CLUSTER": "default"}
    process = spawn(command, env=env)
    deadline = time.monotonic() + 60  # generous: imports are slow on a busy machine
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
            return process
        except httpx.TransportError:
            if time.monotonic() > deadline or process.poll() is not None:
                stop(process, kill=True)
                raise RuntimeError("the benchmark endpoint did not start") from None
            time.sleep(0.05)


async def _run(ingress_url: str, events: int, rounds: int, interval: float) -> dict[str, list[float]]:
    from bench.clients import CollectorClient, SourceClient

    from restagen.runtime import Ingress

    samples: dict[str, list[float]] = {
        "delivery": [],
        "last of three": [],
        "direct": [],
        "direct to three": [],
        "last of three direct": [],
    }
    async with Ingress(ingress_url) as ingress:
        source = SourceClient(ingress)
        collector = CollectorClient(ingress)
        for round_ in range(rounds + 1):  # round 0 warms up
            for i in range(events):
                await source.send_publish(f"{round_}-{i}")
                await asyncio.sleep(interval)
                await source.send_send("direct")
                await asyncio.sleep(interval)
                await source.send_send_three(f"three {round_}-{i}")
                await asyncio.sleep(interval)
            expected = events * 7
            deadline = time.monotonic() + DEADLINE
            seen: dict[str, list[float]] = {}
            while sum(len(v) for v in seen.values()) < expected and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
                for kind, values in (await collector.drain()).items():
                    seen.setdefault(kind, []).extend(values)
            if round_ == 0:
                continue
            for kind, values in seen.items():
                if kind == "direct":
                    samples["direct"].extend(values)
                elif kind.startswith("event three"):
                    samples["direct to three"].extend(values)
                    samples["last of three direct"].append(max(values))
                else:
                    samples["delivery"].extend(values)
                    samples["last of three"].append(max(values))
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke size: a few seconds")
    parser.add_argument("--events", type=int, default=100, help="events per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--interval",
        type=float,
        default=0.05,
        help="seconds between sends: a latency is measured below saturation, not a queue's length",
    )
    args = parser.parse_args()
    events, rounds = (10, 1) if args.quick else (args.events, args.rounds)

    from restagen.cli import main as restagen
    from restagen.local.server import LocalRestate, find_server_binary, free_port

    binary = find_server_binary(Path(os.environ.get("RESTAGEN_RESTATE_DIR", ROOT / ".restate")))
    if binary is None:
        print("no restate-server: run `python -m restagen.local.server install`", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as scratch, LocalRestate(binary) as server:
        generated = Path(scratch) / "gen"
        if restagen(["generate", str(HERE), "-o", str(generated)]) != 0:
            return 1
        sys.path[:0] = [str(generated), str(HERE)]
        port = free_port()
        endpoint = _serve(generated, port)
        try:
            uri = f"http://127.0.0.1:{port}"
            command = ["register", "--admin", server.admin_url, "--uri", uri, "--ingress", server.ingress_url]
            if restagen(command) != 0:
                return 1
            samples = asyncio.run(_run(server.ingress_url, events, rounds, args.interval))
        finally:
            stop(endpoint)
    print(
        f"events: {events} per round x {rounds} rounds, alternating publish, direct send and "
        f"direct to three, one every {args.interval:g} s"
    )
    print(f"{'latency (ms)':<22}{'n':>6}{'p50':>9}{'p99':>9}")
    for kind, values in samples.items():
        if not values:
            print(f"{kind:<22}{0:>6}  n/a: nothing arrived within {DEADLINE:.0f} s of a round")
            continue
        print(f"{kind:<22}{len(values):>6}{_percentile(values, 0.5):>9.2f}{_percentile(values, 0.99):>9.2f}")
    direct = samples["direct"]
    for kind in ("delivery", "last of three"):
        for name, fraction in (("p50", 0.5), ("p99", 0.99)):
            if samples[kind] and direct:
                ratio = f"{_percentile(samples[kind], fraction) / _percentile(direct, fraction):.2f}"
            else:
                ratio = "n/a: no samples on one side"
            print(f"ratio publish ({kind}) / direct {name}: {ratio}")
    three = samples["direct to three"]
    if samples["delivery"] and three:
        ratio = _percentile(samples["delivery"], 0.5) / _percentile(three, 0.5)
        print(f"ratio publish (delivery) / direct to three p50: {ratio:.2f}")
    if direct:
        print(f"mean direct send: {statistics.fmean(direct):.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
