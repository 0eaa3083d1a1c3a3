"""The benchmarks still run: generation's quick mode exits 0 and prints the two ratios; the SSE
latency benchmark completes a small run and prints its percentiles.

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
