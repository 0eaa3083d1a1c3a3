"""A scaffold not written yet fails its callers at once, on a real Restate server.

`restagen init` and `generate` make a project whose greeter is still the stub: calling it through
ingress must answer 501 "not implemented: greeter.greet" quickly, and the invocation must end, not
stay behind retrying (a plain exception would make Restate retry it forever, the caller hanging).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from restagen.cli import main

pytestmark = pytest.mark.e2e


def _query(admin_url: str, sql: str) -> list[dict[str, Any]]:
    response = httpx.post(
        f"{admin_url}/query", json={"query": sql}, headers={"accept": "application/json"}, timeout=10
    )
    response.raise_for_status()
    rows: list[dict[str, Any]] = response.json()["rows"]
    return rows


def test_an_unimplemented_stub_fails_the_call_terminally_with_501(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restate: Any, endpoint: Any
) -> None:
    project = tmp_path / "stubbed"
    assert main(["init", str(project)]) == 0
    monkeypatch.chdir(project)
    assert main(["generate"]) == 0
    endpoint("stubbed.main:app", [project / "gen"])

    # Were the failure retried, the call would hang until the client gave up.
    response = httpx.post(
        f"{restate.ingress_url}/greeter/greet",
        json={"name": "Ada"},
        headers={"idempotency-key": "stub-call"},
        timeout=120,
    )
    assert response.status_code == 501, response.text
    assert "not implemented: greeter.greet" in response.text

    # Kept for its idempotency key, the invocation shows how it ended: completed with the
    # failure, nothing of the greeter left running or backing off for another attempt.
    rows = _query(
        restate.admin_url,
        "SELECT status, completion_result, completion_failure FROM sys_invocation "
        "WHERE target_service_name = 'greeter' AND idempotency_key = 'stub-call'",
    )
    assert len(rows) == 1, rows
    assert rows[0]["status"] == "completed"
    assert rows[0]["completion_result"] == "failure"
    assert "not implemented: greeter.greet" in rows[0]["completion_failure"]
