"""The events benchmark still runs: its quick mode exits 0 and prints every row and ratio.

Timings are not checked here (they depend on the machine); docs/performance.md records them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.e2e
def test_events_benchmark_quick_mode_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "events.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = {line.split()[0] for line in result.stdout.splitlines() if line and line[0].isalpha()}
    assert {"delivery", "last", "direct"} <= rows
    assert "ratio publish (last of three) / direct p99: " in result.stdout
