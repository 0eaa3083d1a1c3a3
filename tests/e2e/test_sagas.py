"""Generated sagas on a real Restate server: the trip saga of `trip/`, its participants counting
each effect in object state.

Covers the happy path, a second start of the same id, a declined card rolling back, a reply
handler that rejects, `on_error: fail`, compensations retried until they succeed or run out of
attempts, a local step waiting on an awakeable completed from outside, a handler starting a
saga through the saga's context client, cancelling a saga (between steps, while a local step
waits, from a handler) and resuming one FAILED in its compensations.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from restagen.cli import main as restagen
from restagen.local.server import LocalRestate
from restagen.testing import ServedApp, serve
from tests.generated import generated
from tests.polling import until, wait_until

HERE = Path(__file__).resolve().parent

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def trip(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with generated(tmp_path_factory.mktemp("trip"), HERE / "trip", "trip", "impl") as out:
        yield out


@pytest.fixture(scope="module")
def served(trip: Path, restate: LocalRestate) -> Iterator[ServedApp]:
    sys.path.insert(0, str(HERE / "trip"))
    try:
        import impl

        with serve(impl.app, server=restate) as env:
            yield env
    finally:
        sys.path.remove(str(HERE / "trip"))


def _data(trip_id: str, **fields: Any) -> Any:
    from trip.models import TripData

    return TripData(trip_id=trip_id, customer=f"c-{trip_id}", **fields)


def counts(ingress_url: str, customer: str) -> dict[str, int]:
    from trip.clients import LedgerSyncClient

    from restagen.runtime import SyncIngress

    with SyncIngress(ingress_url) as ingress:
        return LedgerSyncClient(ingress, customer).counts()


def _run(ingress_url: str, trip_id: str, **fields: Any) -> Any:
    from trip.sagas import BookTripSagaClient

    from restagen.runtime import Ingress

    async def scenario() -> Any:
        async with Ingress(ingress_url) as ingress:
            saga = BookTripSagaClient(ingress)
            handle = await saga.start(trip_id, _data(trip_id, **fields))
            assert handle.status == "Accepted"
            return await handle.result()

    return asyncio.run(scenario())


def test_happy_path_runs_every_step_once(restate: Any, served: Any) -> None:
    from restagen.runtime.sagas import SagaStatus

    state = _run(restate.ingress_url, "t1")
    assert state.status == SagaStatus.SUCCEEDED
    assert state.completed_steps == ["flight", "hotel", "charge", "confirm", "notify"]
    assert state.compensated_steps == []
    assert state.current_step is None
    assert (state.data.flight_ref, state.data.hotel_ref) == ("flight-t1", "hotel-t1")
    assert counts(restate.ingress_url, "c-t1") == {
        "apply:t1:flight": 1,
        "apply:t1:hotel": 1,
        "apply:t1:charge": 1,
    }


def test_the_same_id_twice_runs_once(restate: Any, served: Any) -> None:
    from trip.sagas import BookTripSagaSyncClient

    from restagen.runtime import SyncIngress
    from restagen.runtime.sagas import SagaStatus

    with SyncIngress(restate.ingress_url) as ingress:
        saga = BookTripSagaSyncClient(ingress)
        assert saga.state("t2") is None
        first = saga.start("t2", _data("t2"))
        second = saga.start("t2", _data("t2", decline=True))
        assert (first.status, second.status) == ("Accepted", "PreviouslyAccepted")
        assert second.result().status == SagaStatus.SUCCEEDED
        state = saga.state("t2")
        assert state is not None and state.status == SagaStatus.SUCCEEDED and not state.data.decline
    assert counts(restate.ingress_url, "c-t2")["apply:t2:charge"] == 1


def test_a_declined_card_rolls_back_in_reverse_order(restate: Any, served: Any) -> None:
    from restagen.runtime.sagas import SagaStatus

    state = _run(restate.ingress_url, "t3", decline=True)
    assert state.status == SagaStatus.ROLLED_BACK
    assert state.completed_steps == ["flight", "hotel"]
    assert state.compensated_steps == ["hotel", "flight"]
    assert state.last_error.step == "charge"
    assert state.last_error.error == "CardDeclined"
    assert state.last_error.code == 402
    assert counts(restate.ingress_url, "c-t3") == {
        "apply:t3:flight": 1,
        "apply:t3:hotel": 1,
        "undo-attempt:t3:hotel": 1,
        "undo:t3:hotel": 1,
        "undo-attempt:t3:flight": 1,
        "undo:t3:flight": 1,
    }


def test_a_rejected_reply_compensates_its_own_step(restate: Any, served: Any) -> None:
    from restagen.runtime.sagas import SagaStatus

    state = _run(restate.ingress_url, "t4", reject_hotel=True)
    assert state.status == SagaStatus.ROLLED_BACK
    assert state.last_error.phase == "reply"
    assert "too far" in state.last_error.message
    assert state.compensated_steps == ["hotel", "flight"]
    assert counts(restate.ingress_url, "c-t4")["undo:t4:hotel"] == 1


def test_on_error_fail_stops_without_compensating(restate: Any, served: Any) -> None:
    from restagen.runtime.sagas import SagaStatus

    state = _run(restate.ingress_url, "t5", fraud=True)
    assert state.status == SagaStatus.FAILED
    assert state.last_error.error == "Fraud"
    assert state.compensated_steps == []
    assert not any(name.startswith("undo") for name in counts(restate.ingress_url, "c-t5"))


def test_a_failing_compensation_is_retried_until_it_succeeds(restate: Any, served: Any) -> None:
    from restagen.runtime.sagas import SagaStatus

    state = _run(restate.ingress_url, "t6", decline=True, undo_failures=2)
    assert state.status == SagaStatus.ROLLED_BACK
    found = counts(restate.ingress_url, "c-t6")
    assert (found["undo-attempt:t6:hotel"], found["undo:t6:hotel"]) == (3, 1)
    assert (found["undo-attempt:t6:flight"], found["undo:t6:flight"]) == (3, 1)


def test_a_compensation_out_of_attempts_fails_the_saga_and_skips_nothing(restate: Any, served: Any) -> None:
    from restagen.runtime.sagas import SagaStatus

    state = _run(restate.ingress_url, "t7", decline=True, undo_failures=1000)
    assert state.status == SagaStatus.FAILED
    assert state.current_step == "hotel"
    assert state.compensated_steps == []
    assert (state.last_error.phase, state.last_error.attempt) == ("compensate", 20)
    found = counts(restate.ingress_url, "c-t7")
    assert found["undo-attempt:t7:hotel"] == 20
    assert "undo-attempt:t7:flight" not in found  # never skipped to the next compensation


def test_a_local_step_waits_for_an_external_confirmation(restate: Any, served: Any) -> None:
    from trip.sagas import BookTripSagaSyncClient

    from restagen.runtime import SyncIngress
    from restagen.runtime.sagas import SagaStatus

    with SyncIngress(restate.ingress_url) as ingress:
        saga = BookTripSagaSyncClient(ingress)
        saga.start("t8", _data("t8", confirm=True))

        def asking() -> Any:
            state = saga.state("t8")
            return state if state is not None and state.data.confirmation_id else None

        state = wait_until(asking, "the saga asking for the confirmation")
        assert (state.status, state.current_step) == (SagaStatus.RUNNING, "confirm")
        ingress.resolve_awakeable(state.data.confirmation_id, "the airline")
        final = saga.result("t8")
    assert final.status == SagaStatus.SUCCEEDED
    assert final.data.confirmed_by == "the airline"


def test_a_handler_starts_a_saga_and_waits_for_it(restate: Any, served: Any) -> None:
    from trip.clients import AgencySyncClient

    from restagen.runtime import SyncIngress

    with SyncIngress(restate.ingress_url) as ingress:
        assert AgencySyncClient(ingress).book(_data("t9")) == "SUCCEEDED flight-t9"
        assert AgencySyncClient(ingress).book(_data("t10", decline=True)) == "ROLLED_BACK flight-t10"
    assert counts(restate.ingress_url, "c-t9")["apply:t9:charge"] == 1


def test_participant_calls_carry_the_propagated_headers(trip: Path, own_restate: Any, endpoint: Any) -> None:
    from trip.sagas import BookTripSagaClient

    from restagen.runtime import Ingress

    env = {"RESTAGEN_SERVER__PROPAGATE_INCOMING_HEADERS": '["x-trace"]'}
    endpoint("impl:app", [trip, HERE / "trip"], env=env, server=own_restate)

    async def scenario() -> Any:
        async with Ingress(own_restate.ingress_url) as ingress:
            saga = BookTripSagaClient(ingress)
            await saga.start("p1", _data("p1"), headers={"X-Trace": "trace-7", "X-Other": "no"})
            return await saga.result("p1")

    state = asyncio.run(scenario())
    assert (state.data.flight_ref, state.data.hotel_ref) == ("flight-p1@trace-7", "hotel-p1@trace-7")


def _saga_client(ingress: Any) -> Any:
    from trip.sagas import BookTripSagaSyncClient

    return BookTripSagaSyncClient(ingress)


def test_cancel_stops_at_the_next_step_boundary(restate: Any, served: Any) -> None:
    from restagen.runtime import SyncIngress
    from restagen.runtime.sagas import SagaStatus

    with SyncIngress(restate.ingress_url) as ingress:
        saga = _saga_client(ingress)
        handle = saga.start("c1", _data("c1", delay_ms=700))

        def at_hotel() -> Any:
            state = saga.state("c1")
            return state if state is not None and state.current_step == "hotel" else None

        wait_until(at_hotel, "the saga calling the hotel")
        assert handle.cancel("the customer called") is True
        final = saga.result("c1")
        assert saga.cancel("c1") is False  # it no longer runs
    assert final.status == SagaStatus.CANCELLED
    assert final.completed_steps == ["flight", "hotel"]  # the call in flight finished first
    assert final.compensated_steps == ["hotel", "flight"]
    assert final.cause.phase == "cancel" and final.cause.step == "charge"
    assert final.cause.message == "the customer called"
    assert counts(restate.ingress_url, "c-c1") == {
        "apply:c1:flight": 1,
        "apply:c1:hotel": 1,
        "undo-attempt:c1:hotel": 1,
        "undo:c1:hotel": 1,
        "undo-attempt:c1:flight": 1,
        "undo:c1:flight": 1,
    }


def test_cancel_reaches_a_local_step_waiting_on_an_awakeable(restate: Any, served: Any) -> None:
    from trip.clients import AgencySyncClient

    from restagen.runtime import SyncIngress
    from restagen.runtime.sagas import SagaStatus

    with SyncIngress(restate.ingress_url) as ingress:
        saga = _saga_client(ingress)
        saga.start("c2", _data("c2", confirm=True))

        def waiting() -> Any:
            state = saga.state("c2")
            return state if state is not None and state.data.confirmation_id else None

        wait_until(waiting, "the saga waiting for its confirmation")
        assert AgencySyncClient(ingress).cancel("c2") is True  # through the in-handler client
        final = saga.result("c2")
    assert final.status == SagaStatus.CANCELLED
    assert (final.cause.step, final.cause.message) == ("confirm", "the agency cancelled")
    assert final.compensated_steps == ["charge", "hotel", "flight"]
    assert final.data.confirmed_by is None
    assert counts(restate.ingress_url, "c-c2")["undo:c2:charge"] == 1


def test_resume_retries_the_compensation_out_of_attempts(restate: Any, served: Any) -> None:
    from restagen.runtime import IngressError, SyncIngress
    from restagen.runtime.sagas import SagaStatus

    # Each undo fails its first 20 attempts, as many as the saga's policy allows: the saga stops
    # FAILED at the hotel, then, resumed, at the flight, then ends.
    with SyncIngress(restate.ingress_url) as ingress:
        saga = _saga_client(ingress)
        saga.start("r1", _data("r1", decline=True, undo_failures=20))
        first = saga.result("r1")
        assert (first.status, first.current_step, first.resumes) == (SagaStatus.FAILED, "hotel", 0)
        saga.resume("r1")
        second = saga.result("r1")
        assert (second.status, second.current_step, second.resumes) == (SagaStatus.FAILED, "flight", 1)
        assert second.compensated_steps == ["hotel"]
        saga.resume("r1")
        final = saga.result("r1")
        with pytest.raises(IngressError, match="only a saga FAILED in a compensation can be resumed"):
            saga.resume("r1")
    assert (final.status, final.resumes) == (SagaStatus.ROLLED_BACK, 2)
    assert final.compensated_steps == ["hotel", "flight"]
    assert final.cause.error == "CardDeclined"
    found = counts(restate.ingress_url, "c-r1")
    assert (found["undo-attempt:r1:hotel"], found["undo:r1:hotel"]) == (21, 1)
    assert (found["undo-attempt:r1:flight"], found["undo:r1:flight"]) == (21, 1)


def test_two_cancels_at_once_cancel_once(restate: Any, served: Any) -> None:
    from trip.sagas import BookTripSagaClient

    from restagen.runtime import Ingress
    from restagen.runtime.sagas import SagaStatus

    async def scenario() -> tuple[list[bool], Any]:
        async with Ingress(restate.ingress_url) as ingress:
            saga = BookTripSagaClient(ingress)
            await saga.start("c3", _data("c3", confirm=True))

            async def waiting() -> Any:
                state = await saga.state("c3")
                return state if state is not None and state.data.confirmation_id else None

            await until(waiting, "the saga waiting for its confirmation")
            answers = await asyncio.gather(saga.cancel("c3", "first"), saga.cancel("c3", "second"))
            return list(answers), await saga.result("c3")

    answers, final = asyncio.run(scenario())
    assert final.status == SagaStatus.CANCELLED
    assert final.cause.message in ("first", "second")
    # Both usually find it running and resolve the cancellation: the second resolution of the
    # promise fails in Restate, and its handler answers True all the same.
    assert True in answers, answers


def test_restagen_sagas_list_and_show_read_states_from_the_admin_api(
    restate: Any, served: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(restate.ingress_url, "l1")
    _run(restate.ingress_url, "l2", decline=True)
    capsys.readouterr()
    assert restagen(["sagas", "list", "--admin", restate.admin_url, "--saga", "book_trip"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["SAGA", "ID", "STATUS", "STEP", "LAST", "ERROR"]
    rows = {line.split()[1]: line for line in lines[1:]}
    assert rows["l1"].split()[:4] == ["book_trip", "l1", "SUCCEEDED", "-"]
    assert rows["l2"].split()[:3] == ["book_trip", "l2", "ROLLED_BACK"]
    assert 'invoke charge: CardDeclined {"reason":"over the limit"} (402, CardDeclined)' in rows["l2"]

    assert restagen(["sagas", "show", "l2", "--admin", restate.admin_url]) == 0
    shown = capsys.readouterr().out
    assert "status        ROLLED_BACK\n" in shown
    assert "compensated   hotel, flight\n" in shown
    assert '"trip_id": "l2"' in shown
    assert restagen(["sagas", "show", "nope", "--admin", restate.admin_url]) == 1
    assert "no saga with id 'nope'" in capsys.readouterr().err
