"""Sagas survive crashes with every effect applied exactly once.

The trip saga's participants count, in object state, each application and each undo of every
trip (tests/e2e/trip/impl.py); every participant call takes a while, so that crashes land in the
middle of steps. Sagas are started, the endpoint process is killed with SIGKILL while sagas are
in forward steps and again while they compensate, and restarted; then the same with the Restate
server killed and restarted on its data folder; and a saga cancelled and one resumed across
crashes. Each saga must end as it would have without the crashes, with each participant call and
each compensation counted exactly once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from restagen.local.server import LocalRestate
from tests.generated import generated
from tests.polling import wait_until

HERE = Path(__file__).resolve().parent

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DELAY_MS = 300
UNDO_FAILURES = 2


@pytest.fixture(scope="module")
def trip(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with generated(tmp_path_factory.mktemp("trip"), HERE / "trip", "trip", "impl") as out:
        yield out


def _start(ingress_url: str, prefix: str) -> dict[str, bool]:
    """Three sagas that succeed and three whose card is declined; trip id -> declined."""
    from trip.models import TripData
    from trip.sagas import BookTripSagaSyncClient

    from restagen.runtime import SyncIngress

    trips = {f"{prefix}-{n}": n % 2 == 1 for n in range(6)}
    with SyncIngress(ingress_url) as ingress:
        saga = BookTripSagaSyncClient(ingress)
        for trip_id, declined in trips.items():
            data = TripData(
                trip_id=trip_id,
                customer=f"c-{trip_id}",
                decline=declined,
                undo_failures=UNDO_FAILURES,
                delay_ms=DELAY_MS,
            )
            assert saga.start(trip_id, data).status == "Accepted"
    return trips


def _wait_for(ingress_url: str, trips: dict[str, bool], wanted: Callable[[Any], bool], what: str) -> Any:
    from trip.sagas import BookTripSagaSyncClient

    from restagen.runtime import SyncIngress

    with SyncIngress(ingress_url) as ingress:
        saga = BookTripSagaSyncClient(ingress)

        def found() -> Any:
            states = (saga.state(trip_id) for trip_id in trips)
            return next((state for state in states if state is not None and wanted(state)), None)

        return wait_until(found, f"a saga {what}", interval=0.02)


def _in_forward_step(state: Any) -> bool:
    return state.status == "RUNNING" and state.current_step in ("hotel", "charge")


def _compensating(state: Any) -> bool:
    return state.status == "COMPENSATING"


def _check_exactly_once(ingress_url: str, trips: dict[str, bool]) -> None:
    from trip.clients import LedgerSyncClient
    from trip.sagas import BookTripSagaClient

    from restagen.runtime import Ingress, SyncIngress
    from restagen.runtime.sagas import SagaStatus

    async def results() -> list[Any]:
        async with Ingress(ingress_url, timeout=180) as ingress:
            saga = BookTripSagaClient(ingress)
            return list(await asyncio.gather(*(saga.result(t) for t in trips)))

    states = dict(zip(trips, asyncio.run(results()), strict=True))
    with SyncIngress(ingress_url) as ingress:
        for trip_id, declined in trips.items():
            state = states[trip_id]
            counts = LedgerSyncClient(ingress, f"c-{trip_id}").counts()
            if declined:
                assert state.status == SagaStatus.ROLLED_BACK, state
                assert state.compensated_steps == ["hotel", "flight"]
                assert counts == {
                    f"apply:{trip_id}:flight": 1,
                    f"apply:{trip_id}:hotel": 1,
                    f"undo-attempt:{trip_id}:hotel": UNDO_FAILURES + 1,
                    f"undo:{trip_id}:hotel": 1,
                    f"undo-attempt:{trip_id}:flight": UNDO_FAILURES + 1,
                    f"undo:{trip_id}:flight": 1,
                }, trip_id
            else:
                assert state.status == SagaStatus.SUCCEEDED, state
                assert counts == {
                    f"apply:{trip_id}:flight": 1,
                    f"apply:{trip_id}:hotel": 1,
                    f"apply:{trip_id}:charge": 1,
                }, trip_id


def test_endpoint_killed_in_forward_steps_and_in_compensation(
    trip: Path, restate: Any, endpoint: Any
) -> None:
    served = endpoint("impl:app", [trip, HERE / "trip"])
    trips = _start(restate.ingress_url, "ek")

    _wait_for(restate.ingress_url, trips, _in_forward_step, "in a forward step")
    served.kill()
    served.start()

    _wait_for(restate.ingress_url, trips, _compensating, "compensating")
    served.kill()
    served.start()

    _check_exactly_once(restate.ingress_url, trips)


def test_server_killed_and_restarted_on_its_data_in_forward_steps_and_in_compensation(
    trip: Path, own_restate: LocalRestate, endpoint: Any
) -> None:
    served = endpoint("impl:app", [trip, HERE / "trip"], server=own_restate)
    trips = _start(own_restate.ingress_url, "sk")

    _wait_for(own_restate.ingress_url, trips, _in_forward_step, "in a forward step")
    own_restate.restart(kill=True)

    _wait_for(own_restate.ingress_url, trips, _compensating, "compensating")
    own_restate.restart(kill=True)

    _check_exactly_once(own_restate.ingress_url, trips)
    served.stop()


def test_cancel_and_resume_across_crashes(trip: Path, own_restate: LocalRestate, endpoint: Any) -> None:
    """A saga waiting on its confirmation is cancelled and one FAILED in its compensations is
    resumed, after the server and the endpoint were killed; the endpoint is killed again while the
    cancelled saga compensates. Each effect still counts once."""
    from trip.clients import LedgerSyncClient
    from trip.models import TripData
    from trip.sagas import BookTripSagaSyncClient

    from restagen.runtime import SyncIngress
    from restagen.runtime.sagas import SagaStatus

    served = endpoint("impl:app", [trip, HERE / "trip"], server=own_restate)
    url = own_restate.ingress_url
    with SyncIngress(url) as ingress:
        saga = BookTripSagaSyncClient(ingress)
        saga.start("kc", TripData(trip_id="kc", customer="c-kc", confirm=True, delay_ms=DELAY_MS))
        saga.start("kr", TripData(trip_id="kr", customer="c-kr", decline=True, undo_failures=20))
    _wait_for(url, {"kc": False}, lambda state: state.data.confirmation_id is not None, "waiting")
    _wait_for(url, {"kr": True}, lambda state: state.status == "FAILED", "stopped FAILED")
    own_restate.restart(kill=True)
    served.kill()
    served.start()

    with SyncIngress(url, timeout=180) as ingress:
        saga = BookTripSagaSyncClient(ingress)
        assert saga.cancel("kc", "crashed and cancelled") is True
        _wait_for(url, {"kc": False}, _compensating, "compensating after its cancellation")
        served.kill()
        served.start()
        cancelled = saga.result("kc")
        saga.resume("kr")
        assert saga.result("kr").current_step == "flight"  # that undo runs out of attempts too
        saga.resume("kr")
        resumed = saga.result("kr")
        kc, kr = LedgerSyncClient(ingress, "c-kc").counts(), LedgerSyncClient(ingress, "c-kr").counts()
    assert (cancelled.status, cancelled.compensated_steps) == (
        SagaStatus.CANCELLED,
        ["charge", "hotel", "flight"],
    )
    assert kc == {
        **{f"apply:kc:{item}": 1 for item in ("flight", "hotel", "charge")},
        **{f"undo-attempt:kc:{item}": 1 for item in ("flight", "hotel", "charge")},
        **{f"undo:kc:{item}": 1 for item in ("flight", "hotel", "charge")},
    }
    assert (resumed.status, resumed.resumes) == (SagaStatus.ROLLED_BACK, 2)
    assert kr == {
        **{f"apply:kr:{item}": 1 for item in ("flight", "hotel")},
        **{f"undo-attempt:kr:{item}": 21 for item in ("flight", "hotel")},
        **{f"undo:kr:{item}": 1 for item in ("flight", "hotel")},
    }
    served.stop()
