"""Every example runs: the food-to-go demo generates, serves on a real Restate server and prints
what happened."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.e2e
def test_ftgo_demo_runs_against_a_real_server() -> None:
    result = subprocess.run(
        [sys.executable, "examples/ftgo/demo.py"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    output = result.stdout
    assert result.returncode == 0, output + result.stderr
    assert "link clicked; the run returned True" in output
    assert "is now registered: name='Ann' email='ann@example.com'" in output
    assert "(APPROVAL_PENDING) for 11.80 EUR" in output
    assert "InvalidOrder: reason='an order needs at least one line item'" in output
    assert "CardDeclined: reason='amount above the card limit of 100'" in output
    assert "RestaurantClosed: restaurant_id='closed-for-holidays'" in output
    assert "HTTP 400: invalid request to order/create: consumer_id" in output
    saga = output.split("== the create_order saga: consumer")[1].split("== the create_order saga with")[0]
    steps = [line.split(":")[1].strip() for line in saga.splitlines() if "step done:" in line]
    assert steps == [
        "create_pending_order", "verify_consumer", "create_ticket", "authorize_card", "wait_for_confirmation", "approve"
    ]  # fmt: skip
    assert "the saga ended SUCCEEDED" in saga
    assert "starting order-1001 again: PreviouslyAccepted" in saga
    declined = output.split("== the create_order saga with a declined card")[1].split("\n== ")[0]
    undone = [line.split(":")[1].strip() for line in declined.splitlines() if "step undone:" in line]
    assert undone == ["create_ticket", "create_pending_order"]
    assert "the saga ended ROLLED_BACK" in declined
    assert "because authorize_card failed with CardDeclined" in declined
    assert "the page is served (200)" in output
    assert "dashboard <- OrderApproved order-1001" in saga
    assert "dashboard <- OrderRejected order-1002: CardDeclined" in declined
    delayed = next(line for line in output.splitlines() if "ran after" in line)
    assert float(delayed.split("ran after ")[1].split(" s")[0]) >= 1.0
