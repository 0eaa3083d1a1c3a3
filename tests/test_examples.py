"""Every example runs: its demo script generates the example's packages and uses them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ftgo_demo_generates_and_uses_the_packages() -> None:
    result = subprocess.run(
        [sys.executable, "examples/ftgo/demo.py"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "gen/ftgo/orders/models.py" in result.stdout
    assert "read back equal: True; state: APPROVAL_PENDING; from: web" in result.stdout
    assert "CardDeclined (code 402): reason='insufficient funds'" in result.stdout
