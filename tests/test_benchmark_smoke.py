"""The benchmarks still run: generation's quick mode exits 0 and prints its ratios; the saga
and events benchmarks print their ratios; the SSE latency benchmark completes a small run and
prints its percentiles; the suite's quick mode prints every row of its tables.

Timings are not checked here (they depend on the machine); docs/performance.md records them. No
output ever shows `nan`: a figure a run cannot measure is printed as `n/a` with the reason.
"""

from __future__ import annotations

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


@pytest.mark.e2e
def test_events_benchmark_quick_mode_runs() -> None:
    output = _run("events.py", "--quick")
    rows = {line.split()[0] for line in output.splitlines() if line and line[0].isalpha()}
    assert {"delivery", "last", "direct"} <= rows
    assert "ratio publish (last of three) / direct p99: " in output


@pytest.mark.e2e
def test_benchmark_suite_quick_mode_prints_every_row() -> None:
    """`benchmarks/run.py --quick`: every table and row of the suite, on a real restate-server."""
    output = _run("run.py", "--quick")
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
        "| 200 | 100 |",
        "| ratio 200 / 20 |",
        "| after a one-line change |",
        "| incremental / full |",
    ]
    for start in expected:
        assert any(row.startswith(start) for row in rows), f"no row {start!r} in:\n{output}"


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
