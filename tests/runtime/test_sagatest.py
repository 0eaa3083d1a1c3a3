"""The saga test kit, and through it the saga engine: the trip saga of tests/e2e/trip against
mocked participants, no server. The same scenarios run on a real server in tests/e2e/test_sagas.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from restate.exceptions import TerminalError

from restagen.runtime.sagas import SagaStatus
from restagen.testing import SagaTestError, SagaTestKit
from tests.generated import generated

TRIP = Path(__file__).resolve().parents[1] / "e2e" / "trip"


@pytest.fixture(scope="module")
def trip(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with generated(tmp_path_factory.mktemp("trip"), TRIP, "trip", "impl"):
        import impl

        yield impl


def _kit(trip: Any) -> SagaTestKit[Any]:
    from trip.models import Booking
    from trip.sagas import BOOK_TRIP

    kit = SagaTestKit(BOOK_TRIP, trip.BookTrip())
    kit.reply("flight", Booking(ref="F1"))
    kit.reply("hotel", Booking(ref="H1"))
    kit.reply("charge", Booking(ref="C1"))
    return kit


def _data(**fields: Any) -> Any:
    from trip.models import TripData

    return TripData(trip_id="t", customer="ann", **fields)


def test_happy_path(trip: Any) -> None:
    kit = _kit(trip)
    state = asyncio.run(kit.run("t", _data()))
    assert state.status == SagaStatus.SUCCEEDED
    assert kit.history == ["invoke flight", "invoke hotel", "invoke charge", "invoke notify"]
    assert [call.key for call in kit.calls] == ["ann", "ann", "ann", None]
    assert kit.calls[0].target == "ledger/apply"
    assert kit.calls[0].request.item == "flight"
    assert kit.calls[3].request == "trip t booked"
    assert (state.data.flight_ref, state.data.hotel_ref) == ("F1", "H1")
    assert kit.statuses == [SagaStatus.RUNNING, SagaStatus.SUCCEEDED]
    assert [s.current_step for s in kit.states if s.current_step] == [
        "flight", "hotel", "charge", "confirm", "notify"
    ]  # fmt: skip


def test_declared_error_compensates_completed_steps_in_reverse(trip: Any) -> None:
    from trip.errors import CardDeclined

    kit = _kit(trip)
    kit.fail("charge", CardDeclined(reason="limit"))
    state = asyncio.run(kit.run("t", _data()))
    assert state.status == SagaStatus.ROLLED_BACK
    assert kit.history == [
        "invoke flight", "invoke hotel", "invoke charge", "compensate hotel", "compensate flight"
    ]  # fmt: skip
    assert kit.calls[3].target == "ledger/undo"
    assert state.last_error is not None
    assert (state.last_error.step, state.last_error.error, state.last_error.code) == (
        "charge",
        "CardDeclined",
        402,
    )
    assert kit.statuses == [SagaStatus.RUNNING, SagaStatus.COMPENSATING, SagaStatus.ROLLED_BACK]


def test_terminal_error_compensates(trip: Any) -> None:
    kit = _kit(trip)
    kit.fail("hotel", TerminalError("no rooms", status_code=409))
    state = asyncio.run(kit.run("t", _data()))
    assert state.status == SagaStatus.ROLLED_BACK
    assert kit.history == ["invoke flight", "invoke hotel", "compensate flight"]
    assert state.last_error is not None and state.last_error.message == "no rooms"


def test_rejecting_reply_handler_compensates_its_own_step(trip: Any) -> None:
    kit = _kit(trip)
    state = asyncio.run(kit.run("t", _data(reject_hotel=True)))
    assert state.status == SagaStatus.ROLLED_BACK
    assert kit.history == ["invoke flight", "invoke hotel", "compensate hotel", "compensate flight"]
    assert state.last_error is not None and state.last_error.phase == "reply"


def test_on_error_fail_stops_without_compensation(trip: Any) -> None:
    from trip.errors import Fraud

    kit = _kit(trip)
    kit.fail("charge", Fraud(reason="stolen"))
    state = asyncio.run(kit.run("t", _data()))
    assert state.status == SagaStatus.FAILED
    assert kit.history == ["invoke flight", "invoke hotel", "invoke charge"]


def test_failing_compensation_is_retried_with_backoff(trip: Any) -> None:
    from trip.errors import CardDeclined

    kit = _kit(trip)
    kit.fail("charge", CardDeclined(reason="limit"))
    kit.fail_compensation("hotel", TerminalError("busy"), times=3)
    state = asyncio.run(kit.run("t", _data()))
    assert state.status == SagaStatus.ROLLED_BACK
    assert kit.history == [
        "invoke flight", "invoke hotel", "invoke charge",
        "compensate hotel", "compensate hotel", "compensate hotel", "compensate hotel",
        "compensate flight",
    ]  # fmt: skip
    assert state.cause is not None and (state.cause.step, state.cause.error) == ("charge", "CardDeclined")
    assert state.last_error is not None
    assert (state.last_error.step, state.last_error.phase, state.last_error.attempt) == (
        "hotel",
        "compensate",
        3,
    )
    # the schema's policy: 50ms initial, doubling, at most 200ms
    assert kit.sleeps == [
        timedelta(milliseconds=50),
        timedelta(milliseconds=100),
        timedelta(milliseconds=200),
    ]


def test_compensation_out_of_attempts_fails_and_skips_nothing(trip: Any) -> None:
    from trip.errors import CardDeclined

    kit = _kit(trip)
    kit.fail("charge", CardDeclined(reason="limit"))
    kit.fail_compensation("hotel", TerminalError("down"), times=50)
    state = asyncio.run(kit.run("t", _data()))
    assert state.status == SagaStatus.FAILED
    assert kit.history.count("compensate hotel") == 20
    assert "compensate flight" not in kit.history
    assert state.current_step == "hotel"
    assert state.last_error is not None and state.last_error.attempt == 20


def test_resume_retries_the_compensation_out_of_attempts_and_goes_on(trip: Any) -> None:
    from trip.errors import CardDeclined

    kit = _kit(trip)
    kit.fail("charge", CardDeclined(reason="limit"))
    kit.fail_compensation("hotel", TerminalError("down"), times=25)  # 20 attempts, then 5 after resume
    kit.fail_compensation("flight", TerminalError("down"), times=20)

    async def scenario() -> list[Any]:
        first = await kit.run("t", _data())
        second = await kit.resume()  # hotel succeeds on its 6th fresh attempt; flight runs out
        third = await kit.resume()
        return [first, second, third]

    first, second, third = asyncio.run(scenario())
    assert (first.status, first.current_step, first.resumes) == (SagaStatus.FAILED, "hotel", 0)
    assert (second.status, second.current_step, second.resumes) == (SagaStatus.FAILED, "flight", 1)
    assert second.compensated_steps == ["hotel"]
    assert (third.status, third.resumes) == (SagaStatus.ROLLED_BACK, 2)
    assert third.compensated_steps == ["hotel", "flight"]
    assert third.cause is not None and third.cause.error == "CardDeclined"  # the cause stays
    assert kit.history.count("compensate hotel") == 26 and kit.history.count("compensate flight") == 21
    assert kit.statuses == [
        SagaStatus.RUNNING, SagaStatus.COMPENSATING, SagaStatus.FAILED, SagaStatus.COMPENSATING,
        SagaStatus.FAILED, SagaStatus.COMPENSATING, SagaStatus.ROLLED_BACK,
    ]  # fmt: skip
    kit.assert_all_mocks_used()


def test_only_a_saga_failed_in_a_compensation_resumes(trip: Any) -> None:
    from trip.errors import Fraud

    kit = _kit(trip)
    kit.fail("charge", Fraud(reason="stolen"))

    async def scenario() -> None:
        state = await kit.run("t", _data())
        assert state.status == SagaStatus.FAILED and not state.resumable
        await kit.resume()

    with pytest.raises(SagaTestError, match="only a saga stopped FAILED in a compensation"):
        asyncio.run(scenario())


def test_cancel_stops_at_the_next_step_boundary_and_compensates(trip: Any) -> None:
    from trip.models import Booking

    kit = _kit(trip)
    kit.answer("hotel", lambda request: (kit.cancel("customer changed plans"), Booking(ref="H1"))[1])
    state = asyncio.run(kit.run("t", _data()))
    assert state.status == SagaStatus.CANCELLED
    assert state.completed_steps == ["flight", "hotel"]  # the step in flight finished
    assert kit.history == ["invoke flight", "invoke hotel", "compensate hotel", "compensate flight"]
    assert state.cause is not None
    assert (state.cause.phase, state.cause.step, state.cause.message) == (
        "cancel",
        "charge",
        "customer changed plans",
    )
    assert kit.statuses == [SagaStatus.RUNNING, SagaStatus.COMPENSATING, SagaStatus.CANCELLED]


def test_cancel_before_the_first_step_runs_nothing(trip: Any) -> None:
    kit = _kit(trip).cancel()
    state = asyncio.run(kit.run("t", _data()))
    assert (state.status, state.completed_steps, kit.history) == (SagaStatus.CANCELLED, [], [])


def test_cancel_while_a_local_step_waits_on_an_awakeable(trip: Any) -> None:
    kit = _kit(trip)
    kit.cancel_awakeable("no confirmation")
    state = asyncio.run(kit.run("t", _data(confirm=True)))
    assert state.status == SagaStatus.CANCELLED
    assert state.cause is not None and (state.cause.step, state.cause.phase) == ("confirm", "cancel")
    assert state.completed_steps == ["flight", "hotel", "charge"]  # the waiting step is not done
    assert kit.history[-3:] == ["compensate charge", "compensate hotel", "compensate flight"]
    assert state.data.confirmed_by is None


def test_a_cancelled_saga_calls_on_cancelled(trip: Any) -> None:
    from trip.sagas import BOOK_TRIP

    seen: list[str] = []

    class Hooked(trip.BookTrip):  # type: ignore[name-defined, misc]
        async def on_cancelled(self, ctx: Any, data: Any, failure: Any) -> None:
            seen.append(f"cancelled: {failure.message}")

        async def on_rolled_back(self, ctx: Any, data: Any, failure: Any) -> None:
            seen.append("rolled back")

    kit = SagaTestKit(BOOK_TRIP, Hooked(), unmocked="succeed").cancel("stop")
    asyncio.run(kit.run("t", _data()))
    assert seen == ["cancelled: stop"]


def test_unmocked_steps_succeed_when_asked(trip: Any) -> None:
    from trip.sagas import BOOK_TRIP

    # Booking has a required field: no empty value to answer with, and the kit says so.
    kit = SagaTestKit(BOOK_TRIP, trip.BookTrip(), unmocked="succeed")
    with pytest.raises(SagaTestError, match="no empty value"):
        asyncio.run(kit.run("t", _data()))


def test_assert_all_mocks_used_names_what_was_never_called(trip: Any) -> None:
    from trip.errors import CardDeclined

    kit = _kit(trip)
    kit.fail("flight", CardDeclined(reason="x"))  # replaces the reply: the saga stops there
    kit.fail_compensation("charge", TerminalError("down"))
    asyncio.run(kit.run("t", _data()))
    with pytest.raises(SagaTestError, match="mocked but never called: charge, hotel, compensation of charge"):
        kit.assert_all_mocks_used()


def test_wait_for_call_returns_once_the_saga_made_it(trip: Any) -> None:
    kit = _kit(trip)
    kit.resolve_awakeable("agent")

    async def scenario() -> Any:
        running = asyncio.ensure_future(kit.run("t", _data(confirm=True)))
        call = await kit.wait_for_call("charge", timeout=5)
        await running
        with pytest.raises(SagaTestError, match="no compensate call of step 'charge'"):
            await kit.wait_for_call("charge", timeout=0.05, phase="compensate")
        return call

    call = asyncio.run(scenario())
    assert (call.step, call.target, call.request.item) == ("charge", "ledger/apply", "charge")


def test_local_step_awaits_an_awakeable(trip: Any) -> None:
    kit = _kit(trip)
    kit.resolve_awakeable("the airline")
    state = asyncio.run(kit.run("t", _data(confirm=True)))
    assert state.status == SagaStatus.SUCCEEDED
    assert state.data.confirmed_by == "the airline"
    assert state.data.confirmation_id == kit.awakeables[0]


def test_rejected_awakeable_compensates(trip: Any) -> None:
    kit = _kit(trip)
    kit.reject_awakeable("the airline said no", 409)
    state = asyncio.run(kit.run("t", _data(confirm=True)))
    assert state.status == SagaStatus.ROLLED_BACK
    assert state.last_error is not None and state.last_error.phase == "local"
    assert kit.history[-3:] == ["compensate charge", "compensate hotel", "compensate flight"]


def test_missing_mocks_are_named(trip: Any) -> None:
    from trip.sagas import BOOK_TRIP

    kit = SagaTestKit(BOOK_TRIP, trip.BookTrip())
    with pytest.raises(SagaTestError, match=r"kit.reply\('flight'"):
        asyncio.run(kit.run("t", _data()))
    kit = _kit(trip)
    with pytest.raises(SagaTestError, match="resolve_awakeable"):
        asyncio.run(kit.run("t", _data(confirm=True)))
    with pytest.raises(KeyError):
        kit.reply("nope", None)


UNIONS = """
restagen: 1
package: kitdemo
types:
  Data:
    properties: {class: string, got: "list[string]"}
  Seat:
    properties: {seat: string}
  Waitlist:
    properties: {position: int}
  Answer:
    union: [Seat, Waitlist]
    discriminator: kind
objects:
  cabin:
    handlers:
      book: {output: Answer}
sagas:
  fly:
    data: Data
    steps:
      - {name: first, invoke: cabin.book, key: class, on_reply: {Seat: seated, Waitlist: waiting}}
      - {name: second, invoke: cabin.book, key: class, on_reply: {Answer: answered}}
"""


def test_keyword_key_fields_and_union_replies(tmp_path: Path) -> None:
    (tmp_path / "kitdemo.restagen.yaml").write_text(UNIONS)
    with generated(tmp_path / "out", tmp_path, "kitdemo"):
        from kitdemo.models import Answer, Data, Seat, Waitlist
        from kitdemo.sagas import FLY, FlySagaBase

        from restagen.runtime.sagas import SagaContext

        class Fly(FlySagaBase):
            async def seated(self, ctx: SagaContext, data: Data, reply: Seat) -> None:
                data.got.append(f"seat {reply.seat}")

            async def waiting(self, ctx: SagaContext, data: Data, reply: Waitlist) -> None:
                data.got.append(f"waitlist {reply.position}")

            async def answered(self, ctx: SagaContext, data: Data, reply: Answer) -> None:
                data.got.append(f"answer {type(reply.root).__name__}")

        kit = SagaTestKit(FLY, Fly())
        kit.reply("first", Answer(Waitlist(position=3)))
        kit.reply("second", Answer(Seat(seat="12A")))
        state = asyncio.run(kit.run("f", Data(class_="economy", got=[])))
        assert state.status == SagaStatus.SUCCEEDED
        assert state.data.got == ["waitlist 3", "answer Seat"]
        assert [call.key for call in kit.calls] == ["economy", "economy"]


MIXED = """
restagen: 1
package: kitmixed
types:
  Data:
    properties: {seat: string}
services:
  desk:
    handlers:
      hold: {}
      check: {}
objects:
  cabin:
    handlers:
      release: {}
sagas:
  board:
    data: Data
    steps:
      - {name: hold, invoke: desk.hold, compensate: cabin.release, key: seat}
      - {name: check, invoke: desk.check}
"""


def test_a_step_mixing_a_service_and_an_object_keys_only_the_object(tmp_path: Path) -> None:
    (tmp_path / "kitmixed.restagen.yaml").write_text(MIXED)
    with generated(tmp_path / "out", tmp_path, "kitmixed"):
        from kitmixed.models import Data
        from kitmixed.sagas import BOARD, BoardSagaBase

        kit = SagaTestKit(BOARD, type("Board", (BoardSagaBase,), {})())
        kit.fail("check", TerminalError("closed"))
        state = asyncio.run(kit.run("b", Data(seat="12A")))
        assert state.status == SagaStatus.ROLLED_BACK
        assert [(call.target, call.key) for call in kit.calls] == [
            ("desk/hold", None), ("desk/check", None), ("cabin/release", "12A")
        ]  # fmt: skip


def test_result_of_a_saga_begun_under_an_earlier_restagen_reads_its_state_until_it_ended(trip: Any) -> None:
    """Its run published no stops: `result` polls its state instead (a durable sleep per read)."""
    from restagen.runtime import WorkflowSharedHandlerContext
    from restagen.testing import FakeContext

    def stored(status: str) -> bytes:  # as the run of an earlier version saved it: no `stops`
        data = _data().model_dump_json()
        return f'{{"saga_id": "t", "status": "{status}", "data": {data}}}'.encode()

    class Finishing(FakeContext):
        def sleep(self, delta: timedelta, name: str | None = None) -> Any:
            self.state["saga"] = stored("ROLLED_BACK")  # the old run ends meanwhile
            return super().sleep(delta, name)

    ended = FakeContext(key="t", state={"saga": stored("SUCCEEDED")})
    state = asyncio.run(trip.BookTrip().result(WorkflowSharedHandlerContext(ended)))
    assert (state.status, ended.sleeps) == (SagaStatus.SUCCEEDED, [])

    running = Finishing(key="t", state={"saga": stored("COMPENSATING")})
    state = asyncio.run(trip.BookTrip().result(WorkflowSharedHandlerContext(running)))
    assert (state.status, running.sleeps) == (SagaStatus.ROLLED_BACK, [timedelta(seconds=1)])


def test_a_saga_begun_under_an_earlier_restagen_is_neither_cancelled_nor_resumed(trip: Any) -> None:
    from restagen.runtime import WorkflowSharedHandlerContext
    from restagen.testing import FakeContext

    def context(status: str, phase: str) -> Any:
        data = _data().model_dump_json()
        error = f'{{"step": "hotel", "phase": "{phase}", "message": "down"}}'
        body = f'{{"saga_id": "t", "status": "{status}", "last_error": {error}, "data": {data}}}'
        return WorkflowSharedHandlerContext(FakeContext(key="t", state={"saga": body.encode()}))

    assert asyncio.run(trip.BookTrip().cancel(context("RUNNING", "invoke"), "stop")) is False
    with pytest.raises(TerminalError, match="only a saga FAILED in a compensation can be resumed"):
        asyncio.run(trip.BookTrip().resume(context("FAILED", "compensate")))
