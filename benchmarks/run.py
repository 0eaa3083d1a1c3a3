"""The benchmark suite: restagen against its baselines, every ratio measured side by side in one run.

    .venv/bin/python benchmarks/run.py            # the full suite (several minutes)
    .venv/bin/python benchmarks/run.py --quick    # a smoke run: every row, tiny sizes

It generates the package of `app/bench.restagen.yaml` into a scratch folder, then measures:

1. round trips through the ingress of a real restate-server (service call, object call, send;
   sequential and 16 in flight): generated ingress client + generated handler against a raw httpx
   POST and against restate-sdk's own client (`restate.create_client`), both to the same
   hand-written restate-sdk handler;
2. a service calling another inside its handler: generated context client against `ctx.service_call`;
3. serde of a nested model: the generated JSON (and BSON) codecs against pydantic and plain `json`;
4. the cost per call of an empty middleware chain of 3 and of propagating 10 headers, in-process,
   as a share of the round trip of 1;
5. generation: the large synthetic schema against datamodel-code-generator, no-op regeneration,
   how generation time grows with the number of handlers, generation at scale (1,000 against 10,000
   handlers, time and peak RSS) and incremental regeneration after a one-line change in one package
   file out of 100 (`generation.py`);
6. process cost: import time of the generated app and of the hand-written one, RSS of the endpoints.

It prints markdown tables; docs/performance.md holds those of a full run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import overhead
import profiling
import serde
from generation import DMCG, FULL, NOOP, Bench, _machine, _working_dir, generate_in_process, load_average
from incremental import TARGET as INCREMENTAL_TARGET
from incremental import measure_incremental
from roundtrip import APP_DIR, ROOT, Result, Stack, Variant, compare
from scale import RSS_TARGET, TIME_TARGET, measure_scale
from synthetic import SchemaSize

from restagen import cli


@dataclass(frozen=True)
class Sizes:
    rounds: int
    sequential: int
    concurrent: int
    relay_sequential: int
    serde_number: int
    overhead_number: int
    imports: int
    generation_repeat: int
    generation_handlers: int
    scaling: tuple[int, ...]
    scale: tuple[int, int]
    incremental_packages: int

    @classmethod
    def pick(cls, quick: bool) -> Sizes:
        if quick:
            return cls(1, 10, 16, 10, 200, 200, 1, 1, 20, (10, 20), (20, 200), 10)
        return cls(8, 100, 400, 100, 5_000, 20_000, 7, 3, 1000, (10, 100, 1000), (1000, 10_000), 100)


CONCURRENCY = 16


class Table:
    """A markdown table, printed at once."""

    def __init__(self, title: str, *columns: str) -> None:
        self.title = title
        self.columns = columns
        self.rows: list[tuple[str, ...]] = []

    def add(self, *cells: object) -> None:
        self.rows.append(tuple(str(cell) for cell in cells))

    def print(self) -> None:
        print(f"\n### {self.title}\n")
        print("| " + " | ".join(self.columns) + " |")
        print("|" + "|".join("---" if i == 0 else "---:" for i in range(len(self.columns))) + "|")
        for row in self.rows:
            print("| " + " | ".join(row) + " |")
        sys.stdout.flush()


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def generate(scratch: Path) -> Path:
    out = scratch / "gen"
    stderr = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr), _working_dir(scratch):
        code = cli.main(["generate", str(APP_DIR / "bench.restagen.yaml"), "-o", str(out)])
    if code != 0:
        raise SystemExit(f"generating the benchmark package failed:\n{stderr.getvalue()}")
    return out


# --- 1 and 2: round trips --------------------------------------------------------------------


def _greeting(models: Any) -> Any:
    return models.Greeting(name="bench", count=7, tags=["a", "b", "c"])


async def round_trips(stack: Stack, sizes: Sizes) -> tuple[list[tuple[str, list[Result]]], float]:
    """Items 1 and 2; also the p50 of a sequential generated service call (the scale of item 4)."""
    import handwritten
    from benchsvc import clients, models

    from restagen.runtime import Ingress

    url = stack.ingress_url
    request = _greeting(models)
    hand_request = handwritten.Greeting(name="bench", count=7, tags=["a", "b", "c"])
    json_headers = {"content-type": "application/json"}
    scenarios: list[tuple[str, list[Result]]] = []
    async with (
        Ingress(url) as ingress,
        httpx.AsyncClient(timeout=60) as raw,
        _sdk_client(url) as sdk,
    ):
        echo = clients.EchoClient(ingress)
        counters = [clients.CounterClient(ingress, f"gen-{task}") for task in range(CONCURRENCY)]

        async def gen_call(task: int) -> object:
            return await echo.echo(request)

        async def raw_call(task: int) -> object:
            response = await raw.post(
                f"{url}/hand_echo/echo", content=hand_request.model_dump_json(), headers=json_headers
            )
            response.raise_for_status()
            return handwritten.Greeting.model_validate_json(response.content)

        async def sdk_call(task: int) -> object:
            return await sdk.service_call(handwritten.echo_handler, arg=hand_request)

        async def gen_object(task: int) -> object:
            return await counters[task].add(1)

        async def raw_object(task: int) -> object:
            response = await raw.post(
                f"{url}/hand_counter/hand-{task}/add", content=b"1", headers=json_headers
            )
            response.raise_for_status()
            return int(response.content)

        async def sdk_object(task: int) -> object:
            return await sdk.object_call(handwritten.add, key=f"sdk-{task}", arg=1)

        async def gen_send(task: int) -> object:
            return await echo.send_echo(request)

        async def raw_send(task: int) -> object:
            response = await raw.post(
                f"{url}/hand_echo/echo/send", content=hand_request.model_dump_json(), headers=json_headers
            )
            response.raise_for_status()
            return response.json()["invocationId"]

        async def sdk_send(task: int) -> object:
            return await sdk.service_send(handwritten.echo_handler, arg=hand_request)

        async def gen_relay(task: int) -> object:
            response = await raw.post(
                f"{url}/relay/forward", content=request.model_dump_json(), headers=json_headers
            )
            response.raise_for_status()
            return models.Greeting.model_validate_json(response.content)

        async def hand_relay(task: int) -> object:
            response = await raw.post(
                f"{url}/hand_relay/forward", content=hand_request.model_dump_json(), headers=json_headers
            )
            response.raise_for_status()
            return handwritten.Greeting.model_validate_json(response.content)

        trios = {
            "service call": (gen_call, raw_call, sdk_call),
            "object call": (gen_object, raw_object, sdk_object),
            "send": (gen_send, raw_send, sdk_send),
        }
        generated_pid = stack.endpoints["generated"].process.pid
        hand_pid = stack.endpoints["handwritten"].process.pid
        for concurrency, calls in ((1, sizes.sequential), (CONCURRENCY, sizes.concurrent)):
            for name, (gen, raw_variant, sdk_variant) in trios.items():
                variants = [
                    Variant("generated", gen, generated_pid),
                    Variant("raw httpx", raw_variant, hand_pid),
                    Variant("restate-sdk client", sdk_variant, hand_pid),
                ]
                results = await compare(variants, calls=calls, concurrency=concurrency, rounds=sizes.rounds)
                scenarios.append((f"{name}, concurrency {concurrency}", results))
        for concurrency, calls in ((1, sizes.relay_sequential), (CONCURRENCY, sizes.concurrent)):
            variants = [
                Variant("generated", gen_relay, generated_pid),
                Variant("hand-written", hand_relay, hand_pid),
            ]
            results = await compare(variants, calls=calls, concurrency=concurrency, rounds=sizes.rounds)
            scenarios.append((f"service-to-service, concurrency {concurrency}", results))
    sequential_call = scenarios[0][1][0]
    return scenarios, sequential_call.p50


@contextlib.asynccontextmanager
async def _sdk_client(url: str) -> Any:
    from restate.client import create_client

    async with create_client(url) as client:
        yield client


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


CPU_TICKS_FOR_A_RATIO = 10
"""The endpoint CPU a ratio needs on each side: /proc counts it in clock ticks (10 ms), too coarse
for the few calls of a quick run, where a side may measure no tick at all."""


def _cpu_ratio(generated: Result, baseline: Result) -> str:
    """Endpoint CPU per call, generated over baseline; or why this run cannot tell."""
    ticks = min(generated.endpoint_cpu, baseline.endpoint_cpu) * os.sysconf("SC_CLK_TCK")
    if round(ticks) < CPU_TICKS_FOR_A_RATIO:
        return f"n/a: under {CPU_TICKS_FOR_A_RATIO} CPU clock ticks"
    return f"{generated.cpu_per_call / baseline.cpu_per_call:.3f}"


def report_round_trips(scenarios: list[tuple[str, list[Result]]]) -> None:
    detail = Table(
        "1-2. Round trips through a local restate-server (measured)",
        "scenario",
        "variant",
        "calls",
        "calls/s",
        "p50 ms",
        "p99 ms",
        "endpoint CPU ms/call",
    )
    ratios = Table(
        "1-2. Round trips: ratios (generated / baseline, same run; throughput: median of per-round ratios)",
        "scenario",
        "baseline",
        "throughput",
        "rounds: min-max",
        "p50",
        "p99",
        "endpoint CPU/call",
        "target",
    )
    for name, results in scenarios:
        for result in results:
            detail.add(
                name,
                result.label,
                result.calls,
                f"{result.throughput:.0f}",
                _ms(result.p50),
                _ms(result.p99),
                _ms(result.cpu_per_call),
            )
        generated, *baselines = results
        for baseline in baselines:
            throughput = generated.paired_ratio(baseline)
            p50 = generated.p50 / baseline.p50
            p99 = generated.p99 / baseline.p99
            if baseline.label == "restate-sdk client":
                target = f"faster: {_verdict(throughput > 1.0)}"
            else:
                target = f">= 0.97x, p50 <= 1.05x: {_verdict(throughput >= 0.97 and p50 <= 1.05)}"
            spread = generated.paired_ratios(baseline)
            ratios.add(
                name,
                baseline.label,
                f"{throughput:.3f}",
                f"{min(spread):.2f}-{max(spread):.2f}",
                f"{p50:.3f}",
                f"{p99:.3f}",
                _cpu_ratio(generated, baseline),
                target,
            )
    detail.print()
    ratios.print()


# --- 3: serde ----------------------------------------------------------------------------------


def report_serde(sizes: Sizes) -> None:
    from benchsvc import codecs, models

    seconds = serde.measure(codecs, models, number=sizes.serde_number, rounds=max(3, sizes.rounds))
    pydantic = seconds["pydantic model_dump_json/model_validate_json"]
    table = Table(
        "3. Serde: encode + decode of a nested Order (10 line items)",
        "variant",
        "µs per round trip",
        "speed vs pydantic",
        "target",
    )
    for label, value in seconds.items():
        speed = pydantic / value
        target = ""
        if label == "restagen JSON codec":
            target = f">= 0.95x: {_verdict(speed >= 0.95)}"
        table.add(label, f"{value * 1e6:.1f}", f"{speed:.3f}", target)
    table.print()


# --- 4: middleware and header propagation ------------------------------------------------------


def report_layers(sizes: Sizes, round_trip: float) -> None:
    import generated_app
    import handwritten

    rounds = max(3, sizes.rounds)
    client = overhead.client_side(handwritten, number=sizes.overhead_number // 4, rounds=rounds)
    endpoint = overhead.endpoint_side(generated_app, handwritten, number=sizes.overhead_number, rounds=rounds)
    layers = Table(
        "1-2. Per call, in-process: what each layer costs without the server",
        "side",
        "variant",
        "µs per call",
        "vs hand-written",
    )
    for label, value in client.items():
        layers.add("client", label, f"{value * 1e6:.1f}", f"{value / client[overhead.CLIENT_RAW]:.3f}")
    for label in (overhead.ENDPOINT_GENERATED, overhead.ENDPOINT_HAND):
        value = endpoint[label]
        layers.add("endpoint", label, f"{value * 1e6:.1f}", f"{value / endpoint[overhead.ENDPOINT_HAND]:.3f}")
    layers.print()

    table = Table(
        f"4. Middleware and header propagation, per call (round trip p50 of item 1: {_ms(round_trip)} ms)",
        "measurement",
        "µs per call",
        "share of a round trip",
        "target",
    )
    for label in (
        overhead.ENDPOINT_GENERATED,
        overhead.ENDPOINT_CHAIN,
        overhead.ENDPOINT_QUIET,
        overhead.ENDPOINT_PROPAGATING,
    ):
        table.add(label, f"{endpoint[label] * 1e6:.1f}", "", "")
    for label, feature, base in (
        ("cost of an empty middleware chain of 3", overhead.ENDPOINT_CHAIN, overhead.ENDPOINT_GENERATED),
        ("cost of propagating 10 headers", overhead.ENDPOINT_PROPAGATING, overhead.ENDPOINT_QUIET),
    ):
        cost = endpoint[feature] - endpoint[base]
        share = cost / round_trip
        table.add(label, f"{cost * 1e6:.1f}", f"{share:.2%}", f"< 2%: {_verdict(share < 0.02)}")
    table.print()


# --- 5: generation -----------------------------------------------------------------------------


def report_generation(scratch: Path, sizes: Sizes) -> None:
    root = scratch / "generation"
    root.mkdir()
    with _working_dir(root):
        main_size = SchemaSize.for_handlers(sizes.generation_handlers)
        bench = Bench(root, main_size, 2024)
        bench.full(1)  # warm-up: imports, templates, the formatters' first start
        samples = {sample.label: sample for sample in bench.rounds(sizes.generation_repeat, {DMCG: None})}
        scaling = {}
        for handlers in sizes.scaling:
            size = SchemaSize.for_handlers(handlers)
            sized = bench if size == main_size else Bench(root, size, 2024)
            scaling[handlers] = samples[FULL] if sized is bench else sized.full(sizes.generation_repeat)
    table = Table(
        f"5. Generation: {main_size.services} services x {main_size.handlers_per_service} handlers, "
        f"{main_size.types} types",
        "measurement",
        "median s",
        "ratio",
        "target",
    )
    full, dmcg, noop = samples[FULL], samples[DMCG], samples[NOOP]
    table.add(FULL, f"{full.median:.3f}", "", "")
    table.add(DMCG, f"{dmcg.median:.3f}", "", "")
    table.add(NOOP, f"{noop.median:.3f}", "", "")
    ratio = full.median / dmcg.median
    table.add(
        "restagen full / datamodel-code-generator", "", f"{ratio:.2f}", f"<= 1.3: {_verdict(ratio <= 1.3)}"
    )
    fraction = noop.median / full.median
    table.add("no-op / full", "", f"{fraction:.0%}", f"<= 20%: {_verdict(fraction <= 0.2)}")
    table.print()
    growth = Table(
        "5. Generation time by number of handlers", "handlers", "median s", "ms per handler", "growth"
    )
    previous: tuple[int, float] | None = None
    for handlers, sample in scaling.items():
        growth_cell = ""
        if previous is not None:
            factor = sample.median / previous[1]
            growth_cell = f"x{factor:.1f} for x{handlers // previous[0]} handlers"
        growth.add(handlers, f"{sample.median:.3f}", f"{sample.median / handlers * 1000:.2f}", growth_cell)
        previous = (handlers, sample.median)
    growth.print()
    report_scale(root, sizes)
    report_incremental(root, sizes)


def report_scale(root: Path, sizes: Sizes) -> None:
    before = load_average()
    small, large = measure_scale(root, list(sizes.scale), sizes.generation_repeat, 2024)
    table = Table(
        f"5. Generation at scale: full runs in a child process ({before} before, {load_average()} after)",
        "handlers",
        "types",
        "median s",
        "CPU s",
        "peak RSS, MiB",
        "target",
    )
    ratio = large.median / small.median
    table.add(
        small.size.handlers,
        small.size.types,
        f"{small.median:.3f}",
        f"{small.median_cpu:.3f}",
        f"{small.peak_rss / 2**20:.1f}",
        "",
    )
    table.add(
        large.size.handlers,
        large.size.types,
        f"{large.median:.3f}",
        f"{large.median_cpu:.3f}",
        f"{large.peak_rss / 2**20:.1f}",
        f"< {RSS_TARGET / 2**30:.0f} GiB: {_verdict(large.peak_rss < RSS_TARGET)}",
    )
    table.add(
        f"ratio {large.size.handlers} / {small.size.handlers}",
        "",
        f"{ratio:.2f}",
        f"{large.median_cpu / small.median_cpu:.2f}",
        "",
        f"<= {TIME_TARGET}: {_verdict(ratio <= TIME_TARGET)}",
    )
    table.print()


def report_incremental(root: Path, sizes: Sizes) -> None:
    before = load_average()
    size = SchemaSize.for_handlers(sizes.generation_handlers, sizes.incremental_packages)
    result = measure_incremental(root, size, sizes.generation_repeat, 2024, generate_in_process)
    table = Table(
        f"5. Incremental regeneration: {size.packages} package files, {size.handlers} handlers; one line "
        f"of {result.changed} changed ({before} before, {load_average()} after)",
        "measurement",
        "median s",
        "ratio",
        "target",
    )
    table.add("full run", f"{statistics.median(result.full):.3f}", "", "")
    table.add("after a one-line change", f"{statistics.median(result.incremental):.3f}", "", "")
    table.add(
        "incremental / full",
        "",
        f"{result.ratio:.1%}",
        f"<= {INCREMENTAL_TARGET:.0%}: {_verdict(result.ratio <= INCREMENTAL_TARGET)}",
    )
    table.print()


# --- 6: process cost ---------------------------------------------------------------------------


def _import_seconds(module: str, paths: list[Path], scratch: Path) -> float:
    code = (
        "import sys, time\n"
        f"sys.path[:0] = {[str(path) for path in paths]!r}\n"
        "start = time.perf_counter()\n"
        f"import {module}\n"
        "print(time.perf_counter() - start)\n"
    )
    # With bytecode caches, as a deployed app has them (this environment may turn them off).
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=scratch, env=env, capture_output=True, text=True, check=True
    )
    return float(result.stdout.strip())


def _mib(value: float | None) -> str:
    return f"{value:.1f}" if value is not None else "n/a: exited"


def report_process(stack: Stack, generated: Path, scratch: Path, sizes: Sizes) -> None:
    paths = [ROOT, APP_DIR, generated]
    variants = {
        "generated app (generated_app: benchsvc + runtime, app built)": "generated_app",
        "hand-written app (handwritten: restate-sdk, app built)": "handwritten",
        "restate-sdk + pydantic alone (import restate, pydantic)": "restate, pydantic",
    }
    times: dict[str, list[float]] = {label: [] for label in variants}
    for module in variants.values():  # untimed: writes the bytecode caches
        _import_seconds(module, paths, scratch)
    for round_ in range(sizes.imports):
        labels = list(variants)
        shift = round_ % len(labels)
        for label in labels[shift:] + labels[:shift]:
            times[label].append(_import_seconds(variants[label], paths, scratch))
    medians = {label: statistics.median(values) for label, values in times.items()}
    generated_s, hand_s, floor = medians.values()
    table = Table("6. Process cost", "measurement", "generated", "hand-written", "ratio")
    table.add(
        f"import time of the app, ms (median of {sizes.imports} fresh interpreters)",
        _ms(generated_s),
        _ms(hand_s),
        f"{generated_s / hand_s:.2f}",
    )
    # On a busy machine the hand-written app's median can come out at or under the floor.
    above = (
        f"{(generated_s - floor) / (hand_s - floor):.2f}"
        if hand_s > floor
        else "n/a: hand-written not above the floor in this run"
    )
    table.add(
        f"import time above restate-sdk + pydantic ({_ms(floor)} ms), ms",
        _ms(generated_s - floor),
        _ms(hand_s - floor),
        above,
    )
    generated_rss = stack.endpoints["generated"].rss_mib()
    hand_rss = stack.endpoints["handwritten"].rss_mib()
    table.add(
        "RSS of the endpoint process after the round trips, MiB",
        _mib(generated_rss),
        _mib(hand_rss),
        f"{generated_rss / hand_rss:.2f}" if generated_rss and hand_rss else "n/a: an endpoint has exited",
    )
    table.print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that every part runs")
    parser.add_argument("--skip-generation", action="store_true", help="leave out item 5 (the slowest)")
    parser.add_argument(
        "--profile", type=Path, metavar="DIR", help="sample the endpoints with py-spy during the round trips"
    )
    args = parser.parse_args(argv)
    sizes = Sizes.pick(args.quick)
    started = time.perf_counter()
    print(f"machine: {_machine()}, {os.cpu_count()} CPUs seen by Python")
    with tempfile.TemporaryDirectory(prefix="restagen-bench-") as folder:
        scratch = Path(folder)
        generated = generate(scratch)
        sys.path[:0] = [str(APP_DIR), str(generated)]
        report_serde(sizes)
        stack = Stack(generated, scratch)
        with stack.running():
            spies = []
            if args.profile is not None:
                args.profile.mkdir(parents=True, exist_ok=True)
                spies = [
                    profiling.Spy(served.process.pid, args.profile.resolve() / f"{name}.txt")
                    for name, served in stack.endpoints.items()
                ]
            scenarios, round_trip = asyncio.run(round_trips(stack, sizes))
            for spy in spies:
                spy.stop()
            report_round_trips(scenarios)
            report_layers(sizes, round_trip)
            report_process(stack, generated, scratch, sizes)
        if not args.skip_generation:
            report_generation(scratch, sizes)
    if args.profile is not None:
        print("\n### Profiles of the endpoints during the round trips (py-spy)\n")
        for name in ("generated", "handwritten"):
            print(profiling.summary(args.profile / f"{name}.txt"))
    print(f"\nsuite finished in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
