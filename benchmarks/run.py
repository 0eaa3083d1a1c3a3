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

It prints markdown tables; docs/performance.md holds those of a full run. The steady figures are
the gates (endpoint CPU per call and in-process per-call costs, generated over hand-written, at most
1.03x); throughput, p50 and serde speeds carry a 95% bootstrap interval over the rounds, and a
target is missed only when the whole interval is on the wrong side (`stats.py`); the run exits 1
when a gate is missed (not with --quick). `--json FILE` writes every figure with its context
(`history.py`), for `compare.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import shutil
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
from history import Figures
from incremental import TARGET as INCREMENTAL_TARGET
from incremental import measure_incremental
from instructions import Tree, count_import
from roundtrip import APP_DIR, ROOT, Result, Stack, Variant, compare
from scale import RSS_TARGET, TIME_TARGET, measure_scale
from stats import median_interval, paired_interval, verdict
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
    count_instructions: bool
    """Count the instructions of imports under valgrind (slow: about a minute)."""

    @classmethod
    def pick(cls, quick: bool) -> Sizes:
        if quick:
            return cls(1, 10, 16, 10, 200, 200, 1, 1, 20, (10, 20), (20, 200), 10, False)
        return cls(8, 100, 400, 100, 5_000, 20_000, 7, 3, 1000, (10, 100, 1000), (1000, 10_000), 100, True)


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


GATE = 1.03
"""Generated over hand-written, at most: the steady figures (endpoint CPU per call, in-process per-call
costs), which the load of the machine moves far less than throughput."""


@dataclass
class Gate:
    name: str
    value: float | None
    interval: tuple[float, float] | None
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.value is None:
            return f"n/a: {self.note}"
        return verdict(self.value, self.interval, at_most=GATE)


def _interval(band: tuple[float, float] | None) -> str:
    return f"{band[0]:.3f}-{band[1]:.3f}" if band is not None else "n/a"


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


def _cpu_measured(generated: Result, baseline: Result) -> bool:
    ticks = min(generated.endpoint_cpu, baseline.endpoint_cpu) * os.sysconf("SC_CLK_TCK")
    return round(ticks) >= CPU_TICKS_FOR_A_RATIO


def _cpu_ratio(generated: Result, baseline: Result) -> str:
    """Endpoint CPU per call, generated over baseline; or why this run cannot tell."""
    if not _cpu_measured(generated, baseline):
        return f"n/a: under {CPU_TICKS_FOR_A_RATIO} CPU clock ticks"
    return f"{generated.cpu_per_call / baseline.cpu_per_call:.3f}"


def _cpu_gate(name: str, generated: Result, baseline: Result) -> Gate:
    if not _cpu_measured(generated, baseline):
        return Gate(name, None, None, f"under {CPU_TICKS_FOR_A_RATIO} CPU clock ticks")
    band = paired_interval(generated.cpu_per_round or [], baseline.cpu_per_round or [])
    return Gate(name, generated.cpu_per_call / baseline.cpu_per_call, band)


def report_round_trips(
    scenarios: list[tuple[str, list[Result]]], figures: Figures, gates: list[Gate]
) -> None:
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
        "1-2. Round trips: ratios (generated / baseline, same run; throughput and p50: median of "
        "per-round ratios, with its 95% bootstrap interval over the rounds)",
        "scenario",
        "baseline",
        "throughput",
        "95% interval",
        "p50",
        "p50 95% interval",
        "p99",
        "endpoint CPU/call",
        "targets (MISSED: the whole interval on the wrong side)",
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
            key = f"round trip/{name}/{result.label}"
            rounds = result.per_round or [result.throughput]
            figures.add(
                f"{key}/calls per s",
                statistics.median(rounds),
                "calls/s",
                interval=median_interval(rounds),
                better="higher",
            )
            figures.add(f"{key}/p50", result.p50 * 1000, "ms", better="lower")
            figures.add(f"{key}/p99", result.p99 * 1000, "ms", better="lower")
            figures.add(f"{key}/endpoint CPU per call", result.cpu_per_call * 1000, "ms", better="lower")
        generated, *baselines = results
        for baseline in baselines:
            spread = generated.paired_ratios(baseline)
            throughput = statistics.median(spread)
            band = median_interval(spread)
            p50_spread = [
                mine / theirs
                for mine, theirs in zip(
                    generated.p50_per_round or [], baseline.p50_per_round or [], strict=True
                )
            ]
            p50 = statistics.median(p50_spread)
            p50_band = median_interval(p50_spread)
            p99 = generated.p99 / baseline.p99
            floor = 1.0 if baseline.label == "restate-sdk client" else 0.97
            targets = f">= {floor:.2f}x: {verdict(throughput, band, at_least=floor)}"
            if baseline.label != "restate-sdk client":
                targets += f"; p50 <= 1.05x: {verdict(p50, p50_band, at_most=1.05)}"
            ratios.add(
                name,
                baseline.label,
                f"{throughput:.3f}",
                _interval(band),
                f"{p50:.3f}",
                _interval(p50_band),
                f"{p99:.3f}",
                _cpu_ratio(generated, baseline),
                targets,
            )
            key = f"round trip ratio/{name}/generated vs {baseline.label}"
            figures.add(f"{key}/throughput", throughput, "x", interval=band, better="higher")
            figures.add(f"{key}/p50", p50, "x", interval=p50_band, better="lower")
            figures.add(f"{key}/p99", p99, "x", better="lower")
            if baseline.label != "restate-sdk client":
                gate = _cpu_gate(f"endpoint CPU per call, {name} (vs {baseline.label})", generated, baseline)
                gates.append(gate)
                if gate.value is not None:
                    figures.add(
                        f"{key}/endpoint CPU per call",
                        gate.value,
                        "x",
                        interval=gate.interval,
                        better="lower",
                    )
    detail.print()
    ratios.print()


def report_gates(gates: list[Gate]) -> None:
    table = Table(
        f"Gates: generated / hand-written, steady figures (at most {GATE}x; MISSED only when the whole "
        "95% interval lies above)",
        "figure",
        "ratio",
        "95% interval",
        "verdict",
    )
    for gate in gates:
        value = f"{gate.value:.3f}" if gate.value is not None else "n/a"
        band = _interval(gate.interval) if gate.interval is not None else "n/a"
        table.add(gate.name, value, band, gate.verdict)
    table.print()
    verdicts = [gate.verdict for gate in gates]
    print(
        f"\ngates: {verdicts.count('met')} met, {verdicts.count('within noise')} within noise, "
        f"{verdicts.count('MISSED')} MISSED, {sum(v.startswith('n/a') for v in verdicts)} not measured"
    )


# --- 3: serde ----------------------------------------------------------------------------------


JSON_CODEC = "restagen JSON codec"
PYDANTIC = "pydantic model_dump_json/model_validate_json"
BSON_CODEC = "restagen BSON codec"
SERDE_TARGETS = {JSON_CODEC: (PYDANTIC, 0.95), BSON_CODEC: (JSON_CODEC, 0.5)}
"""Speed of a variant against another, at least (the per-round median, judged on its interval)."""


def report_serde(sizes: Sizes, figures: Figures) -> None:
    from benchsvc import codecs, models

    rounds = serde.measure(codecs, models, number=sizes.serde_number, rounds=max(3, sizes.rounds))
    best = {label: min(values) for label, values in rounds.items()}
    table = Table(
        "3. Serde: encode + decode of a nested Order (10 line items; best round, speeds: median of "
        "per-round ratios)",
        "variant",
        "µs per round trip",
        "speed vs pydantic",
        "speed vs JSON codec",
        "95% interval",
        "target",
    )
    for label, values in rounds.items():
        speeds = {
            other: [theirs / mine for mine, theirs in zip(values, rounds[other], strict=True)]
            for other in (PYDANTIC, JSON_CODEC)
        }
        vs_json = speeds[JSON_CODEC]
        target = ""
        if label in SERDE_TARGETS:
            other, floor = SERDE_TARGETS[label]
            speed = statistics.median(speeds[other])
            target = f">= {floor}x {'pydantic' if other == PYDANTIC else 'JSON'}: "
            target += verdict(speed, median_interval(speeds[other]), at_least=floor)
        band = median_interval(vs_json)
        table.add(
            label,
            f"{best[label] * 1e6:.1f}",
            f"{statistics.median(speeds[PYDANTIC]):.3f}",
            f"{statistics.median(vs_json):.3f}",
            _interval(band),
            target,
        )
        figures.add(f"serde/{label}/µs per round trip", best[label] * 1e6, "µs", better="lower")
        figures.add(
            f"serde/{label}/speed vs JSON codec",
            statistics.median(vs_json),
            "x",
            interval=band,
            better="higher",
        )
        figures.add(
            f"serde/{label}/speed vs pydantic",
            statistics.median(speeds[PYDANTIC]),
            "x",
            interval=median_interval(speeds[PYDANTIC]),
            better="higher",
        )
    table.print()


# --- 4: middleware and header propagation ------------------------------------------------------


def _in_process_gate(name: str, rounds: dict[str, list[float]], label: str, base: str) -> Gate:
    spread = [mine / theirs for mine, theirs in zip(rounds[label], rounds[base], strict=True)]
    return Gate(name, statistics.median(spread), median_interval(spread))


def report_layers(sizes: Sizes, round_trip: float, figures: Figures, gates: list[Gate]) -> None:
    import generated_app
    import handwritten

    rounds = max(3, sizes.rounds)
    client_rounds = overhead.client_side(handwritten, number=sizes.overhead_number // 4, rounds=rounds)
    endpoint_rounds = overhead.endpoint_side(
        generated_app, handwritten, number=sizes.overhead_number, rounds=rounds
    )
    client = {label: min(values) for label, values in client_rounds.items()}
    endpoint = {label: min(values) for label, values in endpoint_rounds.items()}
    layers = Table(
        "1-2. Per call, in-process: what each layer costs without the server (best round)",
        "side",
        "variant",
        "µs per call",
        "vs hand-written",
    )
    for label, value in client.items():
        layers.add("client", label, f"{value * 1e6:.1f}", f"{value / client[overhead.CLIENT_RAW]:.3f}")
        figures.add(f"in-process/client/{label}/µs per call", value * 1e6, "µs", better="lower")
    for label in (overhead.ENDPOINT_GENERATED, overhead.ENDPOINT_HAND):
        value = endpoint[label]
        layers.add("endpoint", label, f"{value * 1e6:.1f}", f"{value / endpoint[overhead.ENDPOINT_HAND]:.3f}")
    for label, value in endpoint.items():
        figures.add(f"in-process/endpoint/{label}/µs per call", value * 1e6, "µs", better="lower")
    layers.print()
    for gate in (
        _in_process_gate(
            "in-process client per call (generated ingress client vs raw httpx POST)",
            client_rounds,
            overhead.CLIENT_GENERATED,
            overhead.CLIENT_RAW,
        ),
        _in_process_gate(
            "in-process endpoint per call (generated vs hand-written echo handler)",
            endpoint_rounds,
            overhead.ENDPOINT_GENERATED,
            overhead.ENDPOINT_HAND,
        ),
    ):
        gates.append(gate)
        assert gate.value is not None
        figures.add(f"in-process ratio/{gate.name}", gate.value, "x", interval=gate.interval, better="lower")

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
        overhead.ENDPOINT_AROUND,
        overhead.ENDPOINT_QUIET,
        overhead.ENDPOINT_PROPAGATING,
        overhead.ENDPOINT_TRACED,
    ):
        table.add(label, f"{endpoint[label] * 1e6:.1f}", "", "")
    for label, feature, base in (
        ("cost of an empty middleware chain of 3", overhead.ENDPOINT_CHAIN, overhead.ENDPOINT_GENERATED),
        ("cost of an empty around middleware", overhead.ENDPOINT_AROUND, overhead.ENDPOINT_GENERATED),
        ("cost of propagating 10 headers", overhead.ENDPOINT_PROPAGATING, overhead.ENDPOINT_QUIET),
    ):
        cost = endpoint[feature] - endpoint[base]
        share = cost / round_trip
        table.add(label, f"{cost * 1e6:.1f}", f"{share:.2%}", f"< 2%: {_verdict(share < 0.02)}")
        figures.add(f"middleware and headers/{label}/µs per call", cost * 1e6, "µs", better="lower")
        figures.add(
            f"middleware and headers/{label}/share of a round trip", share, "fraction", better="lower"
        )
    traced = endpoint[overhead.ENDPOINT_TRACED] - endpoint[overhead.ENDPOINT_QUIET]
    table.add(
        "cost of tracing (a server span, a call span)",
        f"{traced * 1e6:.1f}",
        f"{traced / round_trip:.2%}",
        "",
    )
    figures.add("middleware and headers/cost of tracing/µs per call", traced * 1e6, "µs", better="lower")
    table.print()


# --- 5: generation -----------------------------------------------------------------------------


def report_generation(scratch: Path, sizes: Sizes, figures: Figures) -> None:
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
    for sample in (full, dmcg, noop):
        figures.add(f"generation/{sample.label}/median", sample.median, "s", better="lower")
    figures.add("generation/restagen full vs datamodel-code-generator", ratio, "x", better="lower")
    figures.add("generation/no-op vs full", fraction, "x", better="lower")
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
        figures.add(f"generation/{handlers} handlers/median", sample.median, "s", better="lower")
        previous = (handlers, sample.median)
    growth.print()
    report_scale(root, sizes, figures)
    report_incremental(root, sizes, figures)


def report_scale(root: Path, sizes: Sizes, figures: Figures) -> None:
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
    figures.add(
        f"generation at scale/{large.size.handlers} handlers/median", large.median, "s", better="lower"
    )
    figures.add(
        f"generation at scale/{large.size.handlers} handlers/peak RSS",
        large.peak_rss,
        "bytes",
        better="lower",
    )
    figures.add("generation at scale/ratio", ratio, "ratio", better="lower")


def report_incremental(root: Path, sizes: Sizes, figures: Figures) -> None:
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
    figures.add("incremental regeneration/incremental over full", result.ratio, "ratio", better="lower")


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


def report_process(stack: Stack, generated: Path, scratch: Path, sizes: Sizes, figures: Figures) -> None:
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
    for label, value in medians.items():
        figures.add(f"process/import time/{label}", value * 1000, "ms", better="lower")
    if sizes.count_instructions and shutil.which("valgrind") is not None:
        counts = count_import(Tree("this tree", ROOT, generated), scratch)
        for collected, heap in ((True, "from a collected heap"), (False, "as the heap comes")):
            values = counts.collected if collected else counts.uncollected
            table.add(
                f"instructions to import the app above restate-sdk + pydantic, {heap}, M",
                f"{values['generated app'] / 1e6:.1f}",
                f"{values['hand-written app'] / 1e6:.1f}",
                f"{counts.ratio(collected=collected):.2f}",
            )
        figures.add(
            "process/import instructions above the floor/ratio", counts.ratio(), "ratio", better="lower"
        )
    generated_rss = stack.endpoints["generated"].rss_mib()
    hand_rss = stack.endpoints["handwritten"].rss_mib()
    for name, rss in (("generated", generated_rss), ("hand-written", hand_rss)):
        if rss is not None:
            figures.add(f"process/RSS of the endpoint/{name}", rss, "MiB", better="lower")
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
    parser.add_argument(
        "--json",
        type=Path,
        metavar="FILE",
        help="also write every figure, with the commit, machine and versions",
    )
    args = parser.parse_args(argv)
    sizes = Sizes.pick(args.quick)
    started = time.perf_counter()
    figures = Figures()
    gates: list[Gate] = []
    print(f"machine: {_machine()}, {os.cpu_count()} CPUs seen by Python")
    print("load average at the start: " + ", ".join(f"{value:.2f}" for value in figures.load_at_start))
    with tempfile.TemporaryDirectory(prefix="restagen-bench-") as folder:
        scratch = Path(folder)
        generated = generate(scratch)
        sys.path[:0] = [str(APP_DIR), str(generated)]
        report_serde(sizes, figures)
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
            report_round_trips(scenarios, figures, gates)
            report_layers(sizes, round_trip, figures, gates)
            report_gates(gates)
            report_process(stack, generated, scratch, sizes, figures)
        if not args.skip_generation:
            report_generation(scratch, sizes, figures)
    if args.profile is not None:
        print("\n### Profiles of the endpoints during the round trips (py-spy)\n")
        for name in ("generated", "handwritten"):
            print(profiling.summary(args.profile / f"{name}.txt"))
    print("\nload average at the end: " + ", ".join(f"{value:.2f}" for value in os.getloadavg()))
    print(f"suite finished in {time.perf_counter() - started:.0f} s")
    if args.json is not None:
        figures.write(args.json, quick=args.quick, server=_server_version())
        print(f"figures written to {args.json}")
    missed = [gate.name for gate in gates if gate.verdict == "MISSED"]
    if missed and not args.quick:  # a quick run's figures mean nothing
        print("gates MISSED: " + "; ".join(missed))
        return 1
    return 0


def _server_version() -> str | None:
    from restagen.local.server import find_server_binary

    binary = find_server_binary(Path(os.environ.get("RESTAGEN_RESTATE_DIR", ROOT / ".restate")))
    if binary is None:
        return None
    try:
        result = subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, check=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip().split()[-1] if result.stdout.strip() else None


if __name__ == "__main__":
    sys.exit(main())
