"""Richer saga steps. Conditional ones, skipped by a bool field of the data or by a generated
predicate: a skipped step is recorded in the state and never compensated. Local steps with a
compensation of their own, a generated method."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from restate.exceptions import TerminalError

from restagen.runtime.sagas import SagaRejected, SagaStatus
from restagen.testing import SagaTestKit
from tests.generated import generated

SCHEMA = """\
restagen: 1
package: conditions
types:
  Trip:
    properties:
      trip_id: string
      with_car: bool
      nights: int
      hotel_allowed: {type: bool, default: true}
      notes: {type: "list[string]", default: []}
      reserved: {type: bool, default: false}
services:
  rentals:
    handlers:
      book: {input: string}
      cancel: {input: string}
  hotels:
    handlers:
      book: {input: string}
      cancel: {input: string}
  bank:
    handlers:
      pay: {input: string}
sagas:
  trip:
    data: Trip
    options: {retry: {initial_interval: 1s, max_attempts: 3}}
    steps:
      - {name: car, invoke: rentals.book, compensate: rentals.cancel, when: with_car}
      - {name: hotel, invoke: hotels.book, compensate: hotels.cancel, when: "needs_hotel()"}
      - {name: reserve, local: true, compensate: true}
      - {name: pay, invoke: bank.pay}
      - {name: note, local: true, when: "needs_hotel()"}
"""


@pytest.fixture(scope="module")
def sagas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    schemas = tmp_path_factory.mktemp("schemas")
    (schemas / "conditions.restagen.yaml").write_text(SCHEMA)
    with generated(tmp_path_factory.mktemp("out"), schemas, "conditions"):
        import conditions.sagas

        yield conditions.sagas


def _saga(sagas: Any) -> Any:
    from conditions.models import Trip

    class TripSaga(sagas.TripSagaBase):  # type: ignore[name-defined, misc]
        async def car_request(self, ctx: Any, data: Trip) -> str:
            return data.trip_id

        async def car_compensation(self, ctx: Any, data: Trip) -> str:
            return data.trip_id

        async def hotel_request(self, ctx: Any, data: Trip) -> str:
            return data.trip_id

        async def hotel_compensation(self, ctx: Any, data: Trip) -> str:
            return data.trip_id

        async def pay_request(self, ctx: Any, data: Trip) -> str:
            return data.trip_id

        async def needs_hotel(self, ctx: Any, data: Trip) -> bool:
            if not data.hotel_allowed:
                raise SagaRejected("no hotel may be booked for this trip")
            return data.nights > 0

        async def note(self, ctx: Any, data: Trip) -> None:
            data.notes.append(f"{data.nights} nights")

        async def reserve(self, ctx: Any, data: Trip) -> None:
            data.reserved = True

        desk_open = True

        async def undo_reserve(self, ctx: Any, data: Trip) -> None:
            if not self.desk_open:
                raise TerminalError("the reservation desk is closed")
            data.reserved = False
            data.notes.append("reservation undone")

    return TripSaga()


def _trip(**fields: Any) -> Any:
    from conditions.models import Trip

    return Trip(trip_id="t", **fields)


def test_a_false_field_or_predicate_skips_the_step(sagas: Any) -> None:
    kit = SagaTestKit(sagas.TRIP, _saga(sagas))
    state = asyncio.run(kit.run("t", _trip(with_car=False, nights=0)))
    assert state.status == SagaStatus.SUCCEEDED
    assert kit.history == ["invoke pay"]
    assert state.skipped_steps == ["car", "hotel", "note"]
    assert state.completed_steps == ["reserve", "pay"]


def test_true_conditions_run_the_steps(sagas: Any) -> None:
    kit = SagaTestKit(sagas.TRIP, _saga(sagas))
    state = asyncio.run(kit.run("t", _trip(with_car=True, nights=2)))
    assert kit.history == ["invoke car", "invoke hotel", "invoke pay"]
    assert (state.skipped_steps, state.data.notes) == ([], ["2 nights"])


def test_a_skipped_step_is_not_compensated(sagas: Any) -> None:
    kit = SagaTestKit(sagas.TRIP, _saga(sagas))
    kit.fail("pay", TerminalError("declined", status_code=402))
    state = asyncio.run(kit.run("t", _trip(with_car=False, nights=3)))
    assert state.status == SagaStatus.ROLLED_BACK
    assert kit.history == ["invoke hotel", "invoke pay", "compensate hotel"]
    assert (state.skipped_steps, state.compensated_steps) == (["car"], ["reserve", "hotel"])
    assert (state.data.reserved, state.data.notes) == (False, ["reservation undone"])


def test_a_failing_local_compensation_is_retried_then_resumed(sagas: Any) -> None:
    saga = _saga(sagas)
    saga.desk_open = False
    kit = SagaTestKit(sagas.TRIP, saga)
    kit.fail("pay", TerminalError("declined", status_code=402))

    async def scenario() -> tuple[Any, Any]:
        stopped = await kit.run("t", _trip(with_car=False, nights=0))
        saga.desk_open = True  # what an operator fixes before resuming
        return stopped, await kit.resume()

    stopped, ended = asyncio.run(scenario())
    assert (stopped.status, stopped.current_step) == (SagaStatus.FAILED, "reserve")
    assert stopped.last_error is not None
    assert (stopped.last_error.phase, stopped.last_error.attempt) == ("compensate", 3)
    assert len(kit.sleeps) == 2  # a back-off between attempts
    assert (ended.status, ended.compensated_steps, ended.data.reserved) == (
        SagaStatus.ROLLED_BACK,
        ["reserve"],
        False,
    )


def test_a_predicate_that_rejects_compensates(sagas: Any) -> None:
    kit = SagaTestKit(sagas.TRIP, _saga(sagas))
    state = asyncio.run(kit.run("t", _trip(with_car=True, nights=3, hotel_allowed=False)))
    assert state.status == SagaStatus.ROLLED_BACK
    assert kit.history == ["invoke car", "compensate car"]
    assert state.cause is not None and (state.cause.step, state.cause.phase) == ("hotel", "condition")


def test_a_predicate_shared_by_steps_is_generated_once(sagas: Any) -> None:
    import inspect

    source = inspect.getsource(sagas)
    assert source.count("async def needs_hotel(") == 1
    assert sagas.TRIP.step("car").when == "with_car"
    assert (sagas.TRIP.step("note").predicate, sagas.TRIP.step("note").when) == ("needs_hotel", None)
    assert sagas.TRIP.step("reserve").undo == "undo_reserve"


def test_the_flow_draws_conditions_and_local_compensations(sagas: Any) -> None:
    from pathlib import Path

    flow = (Path(sagas.__file__).parent / "sagas.md").read_text()
    for line in (
        'c0{"with_car?"}', "start --> c0", "c0 -->|yes| s0", "s0 --> c1", "c0 -->|no| c1",
        'c1{"needs_hotel()?"}', "c1 -->|no| s2", 'u2["undo reserve: undo_reserve()"]', "u2 --> u1",
        "s3 -->|error| u2", "s4 --> succeeded([SUCCEEDED])", "c4 -->|no| succeeded([SUCCEEDED])",
    ):  # fmt: skip
        assert f"    {line}\n" in flow, line


def test_a_step_hands_a_durable_future_on_to_a_later_step(sagas: Any) -> None:
    from conditions.models import Trip

    base = type(_saga(sagas))

    class Carrying(base):  # type: ignore[misc, valid-type]
        async def reserve(self, ctx: Any, data: Trip) -> None:
            awakeable_id, confirmation = ctx.awakeable(str)
            data.notes.append(f"asked {awakeable_id}")
            ctx.carry("confirmation", confirmation)  # awaited two steps later

        async def note(self, ctx: Any, data: Trip) -> None:
            data.notes.append(f"confirmed by {await ctx.carried('confirmation')}")

    kit = SagaTestKit(sagas.TRIP, Carrying()).resolve_awakeable("the desk")
    state = asyncio.run(kit.run("t", _trip(with_car=False, nights=1)))
    assert state.status == SagaStatus.SUCCEEDED
    assert state.data.notes == [f"asked {kit.awakeables[0]}", "confirmed by the desk"]
    assert kit.history == ["invoke hotel", "invoke pay"]

    # Cancelled while the awakeable is pending: the saga stops at the next boundary, before pay.
    cancelled = SagaTestKit(sagas.TRIP, Carrying()).cancel_awakeable("no answer")
    state = asyncio.run(cancelled.run("t", _trip(with_car=False, nights=1)))
    assert state.status == SagaStatus.CANCELLED
    assert state.cause is not None and state.cause.step == "pay"
    assert (cancelled.history, state.compensated_steps) == (
        ["invoke hotel", "compensate hotel"],
        ["reserve", "hotel"],
    )
