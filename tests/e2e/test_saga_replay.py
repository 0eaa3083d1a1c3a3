"""Sagas stay deterministic when every suspension is replayed: the trip and nested sagas run on a
restate-server of their own set to always replay, with retries off, so that a step, a cancellation
check, an interruptible wait or a nested saga taking another branch on replay fails the run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from restagen.testing import ServedApp, serve
from tests.generated import generated
from tests.polling import wait_until

HERE = Path(__file__).resolve().parent

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def trip(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    with generated(tmp_path_factory.mktemp("trip"), HERE / "trip", "trip", "impl"):
        import impl

        with serve(impl.app, always_replay=True, disable_retries=True) as env:
            yield env


def test_cancel_and_resume_replay_alike(trip: ServedApp) -> None:
    from trip.models import TripData
    from trip.sagas import BookTripSagaSyncClient

    from restagen.runtime import SyncIngress
    from restagen.runtime.sagas import SagaStatus

    with SyncIngress(trip.ingress_url) as ingress:
        saga = BookTripSagaSyncClient(ingress)
        saga.start("a1", TripData(trip_id="a1", customer="c-a1", confirm=True))

        def waiting() -> Any:
            state = saga.state("a1")
            return state if state is not None and state.data.confirmation_id else None

        wait_until(waiting, "the saga waiting for its confirmation")
        assert saga.cancel("a1", "replayed") is True
        cancelled = saga.result("a1")
        saga.start("a2", TripData(trip_id="a2", customer="c-a2", decline=True, undo_failures=20))
        assert saga.result("a2").status == SagaStatus.FAILED
        saga.resume("a2")
        assert saga.result("a2").current_step == "flight"
        saga.resume("a2")
        resumed = saga.result("a2")
    assert (cancelled.status, cancelled.compensated_steps) == (
        SagaStatus.CANCELLED,
        ["charge", "hotel", "flight"],
    )
    assert (resumed.status, resumed.resumes) == (SagaStatus.ROLLED_BACK, 2)


def test_a_nested_saga_replays_alike(tmp_path: Path) -> None:
    with generated(tmp_path, HERE / "nesting", "nesting", "nesting_impl"):
        import nesting_impl
        from nesting.models import Trip
        from nesting.sagas import RentCarSagaSyncClient, TripSagaSyncClient

        from restagen.runtime import SyncIngress
        from restagen.runtime.sagas import SagaStatus

        with (
            serve(nesting_impl.app, always_replay=True, disable_retries=True) as env,
            SyncIngress(env.ingress_url) as ingress,
        ):
            TripSagaSyncClient(ingress).start("r1", Trip(trip_id="r1", decline=True))
            parent = TripSagaSyncClient(ingress).result("r1")
            child = RentCarSagaSyncClient(ingress).result("r1/car")
    assert (parent.status, child.status) == (SagaStatus.ROLLED_BACK, SagaStatus.ROLLED_BACK)
    assert child.cause is not None and child.cause.phase == "parent"
