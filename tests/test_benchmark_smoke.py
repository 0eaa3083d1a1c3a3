"""The benchmarks still run: generation's quick mode exits 0 and prints its ratios; the saga
and events benchmarks print their ratios; the cluster benchmark prints every scenario and its soak; the SSE latency benchmark completes a small run and
prints its percentiles; the suite's quick mode prints every row of its tables.

Timings are not checked here (they depend on the machine); docs/performance.md records them. No
output ever shows `nan`: a figure a run cannot measure is printed as `n/a` with the reason.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
NAN = re.compile(r"\bnan\b", re.IGNORECASE)
# A hang guard only: a busy machine of two shared cores runs these several times slower.
LIMIT = 900


def _run(script: str, *args: str, timeout: float = LIMIT) -> str:
    """Run `benchmarks/<script>` with `args`; its output, once it has exited 0 and shown no nan."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert not NAN.search(result.stdout), result.stdout
    return result.stdout


@pytest.mark.slow
def test_generation_benchmark_quick_mode_runs() -> None:
    lines = _run("generation.py", "--quick").splitlines()
    assert any(
        line.startswith("ratio restagen-total / datamodel-code-generator-models-only: ") for line in lines
    )
    assert any(line.startswith("ratio no-op / full: ") for line in lines)
    assert any(line.strip().startswith("10 ") for line in lines), "the scaling table is missing"
    assert any(line.startswith("ratio 400 / 40 handlers: ") for line in lines), "the scale figure is missing"
    assert any(line.startswith("peak RSS at 400 handlers: ") for line in lines)
    assert any(line.startswith("ratio incremental / full: ") for line in lines)


@pytest.mark.slow
@pytest.mark.e2e
def test_saga_benchmark_quick_mode_runs() -> None:
    output = _run("sagas.py", "--quick")
    assert "ratio generated / plain (median of the rounds): " in output
    assert "endpoint CPU" in output


def test_sse_latency_benchmark_runs() -> None:
    output = _run("sse_latency.py", "--events", "50", "--warmup", "5", "--peer")
    assert "SSE push -> callback over loopback: 50 events" in output
    assert any(line.startswith("p50 ") and " p99 " in line for line in output.splitlines())


@pytest.mark.slow
@pytest.mark.e2e
def test_cluster_benchmark_quick_mode_runs() -> None:
    output = _run("cluster.py", "--quick")
    rows = [line for line in output.splitlines() if line.startswith("| ") and "concurrency" in line]
    assert len(rows) == 6, output
    assert "| 200 | " in output, "the soak row"
    assert "soak: met" in output or "soak: MISSED" in output


@pytest.mark.e2e
def test_events_benchmark_quick_mode_runs() -> None:
    output = _run("events.py", "--quick")
    rows = {line.split()[0] for line in output.splitlines() if line and line[0].isalpha()}
    assert {"delivery", "last", "direct"} <= rows
    assert "ratio publish (last of three) / direct p99: " in output
    assert "ratio publish (delivery) / direct to three p50: " in output


@pytest.mark.e2e
def test_benchmark_suite_quick_mode_prints_every_row(tmp_path: Path) -> None:
    """`benchmarks/run.py --quick --json`: every table and row of the suite, on a real restate-server,
    every figure in the file, and compare.py reads two such files."""
    figures = tmp_path / "run.json"
    output = _run("run.py", "--quick", "--json", str(figures))
    rows = [line for line in output.splitlines() if line.startswith("| ")]
    for scenario in ("service call", "object call", "send"):
        for concurrency in (1, 16):
            for variant in ("generated", "raw httpx", "restate-sdk client"):
                assert f"| {scenario}, concurrency {concurrency} | {variant} |" in output
    for concurrency in (1, 16):
        assert f"| service-to-service, concurrency {concurrency} | hand-written |" in output
    expected = [
        "| restagen JSON codec |",
        "| pydantic model_dump_json/model_validate_json |",
        "| json.dumps/json.loads of a dict (no validation) |",
        "| restagen BSON codec |",
        "| client | generated ingress client |",
        "| client | restate-sdk client |",
        "| endpoint | generated echo handler |",
        "| endpoint | hand-written echo handler |",
        "| cost of an empty middleware chain of 3 |",
        "| cost of propagating 10 headers |",
        "| import time of the app, ms",
        "| RSS of the endpoint process after the round trips, MiB |",
        "| restagen full / datamodel-code-generator |",
        "| no-op / full |",
        "| 10 |",
        "| 20 |",
        "| endpoint CPU per call, service call, concurrency 1 (vs raw httpx) |",
        "| endpoint CPU per call, service-to-service, concurrency 16 (vs hand-written) |",
        "| in-process client per call (generated ingress client vs raw httpx POST) |",
        "| in-process endpoint per call (generated vs hand-written echo handler) |",
        "| 200 | 100 |",
        "| ratio 200 / 20 |",
        "| after a one-line change |",
        "| incremental / full |",
    ]
    for start in expected:
        assert any(row.startswith(start) for row in rows), f"no row {start!r} in:\n{output}"
    assert re.search(
        r"^gates: \d+ met, \d+ within noise, \d+ MISSED, \d+ not measured$", output, re.MULTILINE
    )

    document = json.loads(figures.read_text())
    assert document["format"] == "restagen-benchmarks/1" and document["quick"] is True
    assert re.fullmatch(r"[0-9a-f]{40}", document["commit"])
    assert document["machine"]["cpus"] == os.cpu_count()
    assert document["versions"]["pydantic"] and document["versions"]["restate-sdk"]
    assert len(document["load_average"]["start"]) == 3 == len(document["load_average"]["end"])
    named = document["figures"]
    for name in (
        "serde/restagen BSON codec/speed vs JSON codec",
        "round trip/service call, concurrency 1/generated/calls per s",
        "round trip ratio/send, concurrency 16/generated vs raw httpx/throughput",
        "in-process/endpoint/generated echo handler/µs per call",
        "generation/no-op vs full",
        "process/RSS of the endpoint/generated",
    ):
        assert name in named, f"no figure {name!r} in {sorted(named)}"
    # Every figure is a number with its unit; intervals, where present, are ordered.
    for name, figure in named.items():
        assert isinstance(figure["value"], float | int) and figure["unit"], name
        if "low" in figure:
            assert figure["low"] <= figure["high"], name

    # The same run against itself: every shared figure printed, none moved.
    compared = _run("compare.py", str(figures), str(figures))
    assert f"{len(named)} shared figures: " in compared
    assert "| serde/restagen BSON codec/speed vs JSON codec | x |" in compared
    assert "| better |" not in compared and "| worse |" not in compared


@pytest.fixture
def run_py() -> Iterator[Any]:
    """benchmarks/run.py as a module (the suite's reporting functions)."""
    sys.path[:0] = [str(BENCHMARKS), str(BENCHMARKS / "app")]
    try:
        import run

        yield run
    finally:
        sys.path.remove(str(BENCHMARKS))
        sys.path.remove(str(BENCHMARKS / "app"))


def test_cpu_ratio_names_why_a_quick_run_has_none(run_py: Any) -> None:
    """Ten calls may cost an endpoint no CPU clock tick at all: the ratio is n/a, not nan or 0."""
    from roundtrip import Result

    tick = 1 / os.sysconf("SC_CLK_TCK")
    unmeasured = Result("raw httpx", calls=10, endpoint_cpu=0.0)
    measured = Result("generated", calls=10, endpoint_cpu=3 * tick)
    assert run_py._cpu_ratio(measured, unmeasured) == "n/a: under 10 CPU clock ticks"
    assert run_py._cpu_ratio(unmeasured, measured) == "n/a: under 10 CPU clock ticks"
    enough = Result("raw httpx", calls=100, endpoint_cpu=20 * tick)
    twice = Result("generated", calls=100, endpoint_cpu=40 * tick)
    assert run_py._cpu_ratio(twice, enough) == "2.000"


def _document(figures: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "format": "restagen-benchmarks/1",
        "commit": "0" * 40,
        "dirty": False,
        "quick": False,
        "machine": {"cpus": 2, "cpu_model": "test"},
        "versions": {"python": "3.11"},
        "load_average": {"start": [1.0, 1.0, 1.0], "end": [2.0, 2.0, 2.0]},
        "figures": figures,
    }


def test_compare_flags_only_what_moved_beyond_its_interval(tmp_path: Path) -> None:
    """compare.py: B/A of every shared figure; `better`/`worse` only when the two intervals are disjoint."""
    before = {
        "throughput": {"value": 1.0, "unit": "x", "low": 0.9, "high": 1.1, "better": "higher"},
        "cpu": {"value": 1.0, "unit": "x", "low": 0.98, "high": 1.02, "better": "lower"},
        "p50": {"value": 2.0, "unit": "ms", "better": "lower"},
        "rss": {"value": 50.0, "unit": "MiB", "low": 49.0, "high": 51.0},
        "gone": {"value": 1.0, "unit": "x"},
    }
    after = {
        "throughput": {"value": 1.05, "unit": "x", "low": 0.95, "high": 1.2, "better": "higher"},
        "cpu": {"value": 1.2, "unit": "x", "low": 1.1, "high": 1.3, "better": "lower"},
        "p50": {"value": 1.0, "unit": "ms", "better": "lower"},
        "rss": {"value": 40.0, "unit": "MiB", "low": 39.0, "high": 41.0},
        "new": {"value": 1.0, "unit": "x"},
    }
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(_document(before)))
    b.write_text(json.dumps(_document(after)))
    output = _run("compare.py", str(a), str(b))
    assert "| throughput | x | 1 [0.9-1.1] | 1.05 [0.95-1.2] | 1.050 | within noise |" in output
    assert "| cpu | x | 1 [0.98-1.02] | 1.2 [1.1-1.3] | 1.200 | worse |" in output
    assert "| p50 | ms | 2 | 1 | 0.500 | no interval |" in output
    assert "| rss | MiB | 50 [49-51] | 40 [39-41] | 0.800 | moved |" in output
    assert "only in A: gone" in output and "only in B: new" in output
    assert "load average 1.00 at the start, 2.00 at the end" in output
    moved = _run("compare.py", str(a), str(b), "--moved")
    assert "| cpu |" in moved and "| rss |" in moved and "| throughput |" not in moved


def test_bootstrap_intervals_and_verdicts() -> None:
    """Seeded, so the same rounds give the same interval; a target is missed only past the whole interval."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import stats
    finally:
        sys.path.remove(str(BENCHMARKS))
    rounds = [0.62, 1.9, 0.95, 1.01, 0.88, 1.2, 0.97, 1.05]
    band = stats.median_interval(rounds)
    assert band is not None and band == stats.median_interval(rounds)
    low, high = band
    assert min(rounds) <= low <= sorted(rounds)[len(rounds) // 2 - 1] <= high <= max(rounds)
    assert stats.median_interval([1.0, 1.1]) is None
    assert stats.verdict(0.99, (0.9, 1.1), at_least=0.97) == "met"
    assert stats.verdict(0.95, (0.9, 1.1), at_least=0.97) == "within noise"
    assert stats.verdict(0.90, (0.85, 0.96), at_least=0.97) == "MISSED"
    assert stats.verdict(1.05, (1.04, 1.08), at_most=1.03) == "MISSED"
    assert stats.verdict(1.04, (0.99, 1.08), at_most=1.03) == "within noise"
    assert stats.verdict(1.0, None, at_most=1.03) == "n/a: under 3 rounds"
    cpu = stats.paired_interval([1.0, 1.1, 0.9, 1.0], [1.0, 1.0, 1.0, 1.0])
    assert cpu is not None and cpu[0] <= 1.0 <= cpu[1]


def test_cpu_gates_read_the_rounds(run_py: Any) -> None:
    """The endpoint-CPU gate: ratio of the totals, its interval over the rounds, MISSED only past it."""
    from roundtrip import Result

    tick = 1 / os.sysconf("SC_CLK_TCK")
    base = [10 * tick, 11 * tick, 9 * tick, 10 * tick]
    hand = Result("raw httpx", calls=400, endpoint_cpu=sum(base), cpu_per_round=base)
    costly = [2 * value for value in base]
    slow = Result("generated", calls=400, endpoint_cpu=sum(costly), cpu_per_round=costly)
    gate = run_py._cpu_gate("service call", slow, hand)
    assert gate.value == pytest.approx(2.0) and gate.verdict == "MISSED"
    noisy = [value * factor for value, factor in zip(base, (0.9, 1.2, 1.0, 1.1), strict=True)]
    close = Result("generated", calls=400, endpoint_cpu=sum(noisy), cpu_per_round=noisy)
    gate = run_py._cpu_gate("service call", close, hand)
    assert gate.interval is not None and gate.interval[0] < 1.03 < gate.value
    assert gate.verdict == "within noise"
    few = Result("generated", calls=10, endpoint_cpu=tick, cpu_per_round=[tick])
    assert run_py._cpu_gate("send", few, hand).verdict == "n/a: under 10 CPU clock ticks"


@pytest.mark.slow
def test_instruction_benchmark_makes_every_kind_of_call(tmp_path: Path) -> None:
    """What `instructions.py` counts under valgrind runs: each variant's calls, in a child as it
    is started there (valgrind itself is left out: its run takes many minutes)."""
    generated = tmp_path / "gen"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "restagen",
            "generate",
            str(BENCHMARKS / "app" / "bench.restagen.yaml"),
            "-o",
            str(generated),
        ],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(BENCHMARKS / "app"), str(generated)])}
    for variant in ("echo", "relay", "client"):
        result = subprocess.run(
            [sys.executable, str(BENCHMARKS / "instructions.py"), "--child", variant, "3"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=LIMIT,
            check=False,
        )
        assert result.returncode == 0, result.stderr
