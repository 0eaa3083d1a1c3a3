"""The saga test kit on a real server: the trip saga with mocked participants, served from the
test's process by `SagaServerKit` and run by a restate-server of the test's own."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from restate.exceptions import TerminalError

from restagen.cli import main as restagen
from restagen.local.server import LocalRestate
from restagen.runtime.sagas import SagaStatus
from restagen.testing import SagaServerKit

TRIP = Path(__file__).resolve().parent / "trip"

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def trip(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    out = tmp_path_factory.mktemp("trip")
    assert restagen(["generate", str(TRIP), "-o", str(out)]) == 0
    sys.path[:0] = [str(out), str(TRIP)]
    try:
        import impl

        yield impl
    finally:
        del sys.path[:2]
        for name in [m for m in sys.modules if m in ("trip", "impl") or m.startswith("trip.")]:
            del sys.modules[name]


def test_mocked_participants_on_a_real_server(trip: Any, own_restate: LocalRestate) -> None:
    from trip.errors import CardDeclined
    from trip.models import Booking, TripData
    from trip.sagas import BOOK_TRIP

    kit = SagaServerKit(
        BOOK_TRIP, trip.BookTrip(), ingress_url=own_restate.ingress_url, admin_url=own_restate.admin_url
    )
    kit.reply("flight", Booking(ref="F1")).reply("hotel", Booking(ref="H1"))
    kit.answer("charge", lambda entry: Booking(ref=f"C-{entry.trip_id}"))

    async def scenario() -> tuple[Any, Any]:
        async with kit:
            happy = await kit.run("k1", TripData(trip_id="k1", customer="ann"))
            kit.fail("charge", CardDeclined(reason="limit"))  # replaces its reply
            kit.fail_compensation("hotel", TerminalError("busy"), times=1)
            declined = await kit.run("k2", TripData(trip_id="k2", customer="bob"))
            return happy, declined

    happy, declined = asyncio.run(scenario())
    assert happy.status == SagaStatus.SUCCEEDED
    assert (happy.data.flight_ref, happy.data.hotel_ref) == ("F1", "H1")
    assert declined.status == SagaStatus.ROLLED_BACK
    assert declined.cause is not None and declined.cause.error == "CardDeclined"
    assert kit.history == [
        "invoke flight", "invoke hotel", "invoke charge", "invoke notify",
        "invoke flight", "invoke hotel", "invoke charge",
        "compensate hotel", "compensate hotel", "compensate flight",
    ]  # fmt: skip
    assert [call.key for call in kit.calls[:4]] == ["ann", "ann", "ann", None]
    assert kit.calls[1].request.item == "hotel"


def test_cancel_resume_and_wait_for_call_on_a_real_server(trip: Any, own_restate: LocalRestate) -> None:
    from trip.errors import CardDeclined
    from trip.models import Booking, TripData
    from trip.sagas import BOOK_TRIP

    kit = SagaServerKit(
        BOOK_TRIP,
        trip.BookTrip(),
        ingress_url=own_restate.ingress_url,
        admin_url=own_restate.admin_url,
    )
    kit.reply("flight", Booking(ref="F1")).reply("hotel", Booking(ref="H1")).reply(
        "charge", Booking(ref="C1")
    )

    async def scenario() -> tuple[Any, Any, Any]:
        async with kit:
            await kit.start("w1", TripData(trip_id="w1", customer="ann", confirm=True))
            await kit.wait_for_call("charge", timeout=30)  # then it waits for its confirmation
            assert await kit.cancel("w1", "too slow") is True
            cancelled = await kit.result("w1")
            kit.fail("charge", CardDeclined(reason="limit"))  # replaces its reply
            kit.fail_compensation("hotel", TerminalError("busy"), times=20)  # the policy's 20 attempts
            stopped = await kit.run("w2", TripData(trip_id="w2", customer="bob"))
            resumed = await kit.resume("w2")
            return cancelled, stopped, resumed

    cancelled, stopped, resumed = asyncio.run(scenario())
    assert (cancelled.status, cancelled.compensated_steps) == (
        SagaStatus.CANCELLED,
        ["charge", "hotel", "flight"],
    )
    assert (stopped.status, stopped.current_step) == (SagaStatus.FAILED, "hotel")
    assert (resumed.status, resumed.resumes) == (SagaStatus.ROLLED_BACK, 1)
    kit.assert_all_mocks_used()
