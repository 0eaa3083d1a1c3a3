"""The benchmarks still run: generation's quick mode exits 0 and prints the two ratios; the SSE
latency benchmark completes a small run and prints its percentiles; the suite's quick mode prints
every row of its tables.

Timings are not checked here (they depend on the machine); docs/performance.md records them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_generation_benchmark_quick_mode_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "generation.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any(
        line.startswith("ratio restagen-total / datamodel-code-generator-models-only: ") for line in lines
    )
    assert any(line.startswith("ratio no-op / full: ") for line in lines)
    assert any(line.strip().startswith("10 ") for line in lines), "the scaling table is missing"


@pytest.mark.slow
@pytest.mark.e2e
def test_saga_benchmark_quick_mode_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "sagas.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ratio generated / plain (median of the rounds): " in result.stdout
    assert "endpoint CPU" in result.stdout


def test_sse_latency_benchmark_runs() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "sse_latency.py"),
            "--events",
            "50",
            "--warmup",
            "5",
            "--peer",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SSE push -> callback over loopback: 50 events" in result.stdout
    assert any(line.startswith("p50 ") and " p99 " in line for line in result.stdout.splitlines())


@pytest.mark.e2e
def test_benchmark_suite_quick_mode_prints_every_row() -> None:
    """`benchmarks/run.py --quick`: every table and row of the suite, on a real restate-server."""
    result = subprocess.run(
        [
            sys.executable,
            str(
                ROOT / "benchmarks" / "run.py",
            ),
            "--quick",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    for scenario in ("service call", "object call", "send"):
        for concurrency in (1, 16):
            for variant in ("generated", "raw httpx", "restate-sdk client"):
                assert f"| {scenario}, concurrency {concurrency} | {variant} |" in result.stdout
    for concurrency in (1, 16):
        assert f"| service-to-service, concurrency {concurrency} | hand-written |" in result.stdout
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
        assert any(row.startswith(start) for row in rows), f"no row {start!r} in:\n{result.stdout}"
    assert "nan" not in result.stdout.lower()
