"""The benchmarks still run: generation's quick mode exits 0 and prints the two ratios; the saga
and events benchmarks print their ratios; the SSE latency benchmark completes a small run and
prints its percentiles; the suite's quick mode prints every row of its tables.

Timings are not checked here (they depend on the machine); docs/performance.md records them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(script: str, *args: str, timeout: float) -> str:
    """Run `benchmarks/<script>` with `args`; its output, once it has exited 0."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.slow
def test_generation_benchmark_quick_mode_runs() -> None:
    lines = _run("generation.py", "--quick", timeout=120).splitlines()
    assert any(
        line.startswith("ratio restagen-total / datamodel-code-generator-models-only: ") for line in lines
    )
    assert any(line.startswith("ratio no-op / full: ") for line in lines)
    assert any(line.strip().startswith("10 ") for line in lines), "the scaling table is missing"


@pytest.mark.slow
@pytest.mark.e2e
def test_saga_benchmark_quick_mode_runs() -> None:
    output = _run("sagas.py", "--quick", timeout=300)
    assert "ratio generated / plain (median of the rounds): " in output
    assert "endpoint CPU" in output


def test_sse_latency_benchmark_runs() -> None:
    output = _run("sse_latency.py", "--events", "50", "--warmup", "5", "--peer", timeout=60)
    assert "SSE push -> callback over loopback: 50 events" in output
    assert any(line.startswith("p50 ") and " p99 " in line for line in output.splitlines())


@pytest.mark.e2e
def test_events_benchmark_quick_mode_runs() -> None:
    output = _run("events.py", "--quick", timeout=180)
    rows = {line.split()[0] for line in output.splitlines() if line and line[0].isalpha()}
    assert {"delivery", "last", "direct"} <= rows
    assert "ratio publish (last of three) / direct p99: " in output


@pytest.mark.e2e
def test_benchmark_suite_quick_mode_prints_every_row() -> None:
    """`benchmarks/run.py --quick`: every table and row of the suite, on a real restate-server."""
    output = _run("run.py", "--quick", timeout=180)
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
    ]
    for start in expected:
        assert any(row.startswith(start) for row in rows), f"no row {start!r} in:\n{output}"
    assert "nan" not in output.lower()
