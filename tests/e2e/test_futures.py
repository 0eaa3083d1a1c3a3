"""Durable futures on a real Restate server, through `futures/`: ten calls gathered, an awakeable
raced against a sleep (each winning once), a call whose timeout fires and which is then
cancelled, a select over a workflow promise and a call, request metadata, and a state default."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from restagen.runtime import SyncIngress
from tests.generated import generated

HERE = Path(__file__).resolve().parent

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def ingress(restate: Any, endpoint: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SyncIngress]:
    with generated(tmp_path_factory.mktemp("futures"), HERE / "futures", "futures", "impl") as out:
        endpoint("impl:app", [out, HERE / "futures"])
        with SyncIngress(restate.ingress_url) as client:
            yield client


def test_ten_calls_are_gathered_in_order(ingress: SyncIngress) -> None:
    from futures.clients import FanoutSyncClient

    assert FanoutSyncClient(ingress).squares(10) == [i * i for i in range(10)]


def test_an_awakeable_raced_against_a_sleep_wins_when_resolved_and_loses_when_not(
    ingress: SyncIngress,
) -> None:
    from futures.clients import FanoutSyncClient
    from futures.models import Race

    fanout = FanoutSyncClient(ingress)
    assert fanout.race(Race(resolve=True, timeout_ms=60_000)) == "awakeable resolved"
    assert fanout.race(Race(resolve=False, timeout_ms=100)) == "timeout"


def test_a_call_whose_timeout_fires_raises_the_timeout_and_is_cancelled(ingress: SyncIngress) -> None:
    from futures.clients import FanoutSyncClient

    fanout = FanoutSyncClient(ingress)
    outcome = fanout.timed_call(600_000)
    assert outcome.startswith("timed out, cancelled inv_"), outcome
    assert fanout.timed_call(1) == "done 1"


def test_a_select_over_a_workflow_promise_and_a_call(ingress: SyncIngress) -> None:
    from futures.clients import ApprovalSyncClient

    decided = ApprovalSyncClient(ingress, key=f"decided-{uuid.uuid4()}")
    handle = decided.submit(600_000)
    decided.decide("approved")
    assert handle.attach() == "decision approved"

    checked = ApprovalSyncClient(ingress, key=f"checked-{uuid.uuid4()}")
    assert checked.submit(1).attach() == "check 1"


def test_request_metadata_and_the_ids_of_a_call_and_a_send(ingress: SyncIngress) -> None:
    from futures.clients import FanoutSyncClient

    key = f"meta-{uuid.uuid4()}"
    seen = FanoutSyncClient(ingress).metadata(idempotency_key=key)
    assert seen.invocation_id.startswith("inv_")
    # restate-server 1.7 passes no idempotency key to endpoints; newer servers pass it on.
    assert seen.idempotency_key in (None, key)
    assert "content-type" in seen.attempt_headers
    assert seen.call_id.startswith("inv_") and seen.send_id.startswith("inv_")
    assert len({seen.invocation_id, seen.call_id, seen.send_id}) == 3
    assert seen.retried == 3  # the run's own retry options: two failures, then success


def test_a_state_key_gives_its_default_until_set(ingress: SyncIngress) -> None:
    from futures.clients import CounterSyncClient
    from futures.models import Mode

    counter = CounterSyncClient(ingress, key=f"counter-{uuid.uuid4()}")
    assert counter.keys() == []
    assert counter.mode() is Mode.BURST
    assert counter.bump() == 11
    assert counter.bump() == 12
    assert counter.keys() == ["count"]
