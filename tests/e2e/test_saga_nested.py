"""A saga running another as a step, on a real Restate server (the schema and implementation in
`nesting/`): the child saga is a workflow of its own, with an id derived from the parent's;
compensating the parent compensates the child, and a parent that ends lets the child end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from restagen.local.server import LocalRestate
from restagen.testing import ServedApp, serve
from tests.generated import generated

HERE = Path(__file__).resolve().parent

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, restate: LocalRestate) -> Iterator[ServedApp]:
    with generated(tmp_path_factory.mktemp("nesting"), HERE / "nesting", "nesting", "nesting_impl"):
        import nesting_impl

        with serve(nesting_impl.app, server=restate) as env:
            yield env


def _run(url: str, trip_id: str, **fields: Any) -> tuple[Any, Any]:
    """The parent's end, and the child's once the parent let it end."""
    from nesting.models import Trip
    from nesting.sagas import RentCarSagaSyncClient, TripSagaSyncClient

    from restagen.runtime import SyncIngress

    with SyncIngress(url) as ingress:
        TripSagaSyncClient(ingress).start(trip_id, Trip(trip_id=trip_id, **fields))
        parent = TripSagaSyncClient(ingress).result(trip_id)
        return parent, RentCarSagaSyncClient(ingress).result(f"{trip_id}/car")


def _count(url: str, name: str) -> int:
    from nesting.clients import CarsSyncClient

    from restagen.runtime import SyncIngress

    with SyncIngress(url) as ingress:
        return CarsSyncClient(ingress).count(name)


def test_the_child_runs_as_a_step_and_ends_with_the_parent(restate: LocalRestate, served: ServedApp) -> None:
    from restagen.runtime.sagas import SagaStatus

    parent, child = _run(restate.ingress_url, "n1")
    assert (parent.status, parent.completed_steps) == (SagaStatus.SUCCEEDED, ["car", "pay"])
    assert parent.data.plate is not None and parent.data.plate == child.data.plate
    assert (child.status, child.saga_id) == (SagaStatus.SUCCEEDED, "n1/car")
    assert _count(restate.ingress_url, "reserve:n1/car") == 1
    from nesting.sagas import RENT_CAR

    from restagen.runtime import SyncIngress

    with SyncIngress(restate.ingress_url, timeout=30) as ingress:  # its run ended, not left waiting
        assert ingress.workflow_attach(RENT_CAR.run, "n1/car").status == SagaStatus.SUCCEEDED


def test_compensating_the_parent_compensates_the_child(restate: LocalRestate, served: ServedApp) -> None:
    from restagen.runtime.sagas import SagaStatus

    parent, child = _run(restate.ingress_url, "n2", decline=True)
    assert (parent.status, parent.compensated_steps) == (SagaStatus.ROLLED_BACK, ["car"])
    assert (child.status, child.compensated_steps) == (SagaStatus.ROLLED_BACK, ["reserve"])
    assert child.cause.phase == "parent" and "trip/n2" in child.cause.message
    assert _count(restate.ingress_url, "reserve:n2/car") == 1
    assert _count(restate.ingress_url, "release:n2/car") == 1


def test_a_child_that_rolls_back_fails_the_parents_step(restate: LocalRestate, served: ServedApp) -> None:
    from restagen.runtime.sagas import SagaStatus

    parent, child = _run(restate.ingress_url, "n3", no_cars=True)
    assert (child.status, child.cause.message) == (SagaStatus.ROLLED_BACK, "no cars left")
    assert (parent.status, parent.completed_steps, parent.compensated_steps) == (
        SagaStatus.ROLLED_BACK,
        [],
        [],
    )
    assert "rent_car n3/car ended ROLLED_BACK: no cars left" in parent.cause.message
