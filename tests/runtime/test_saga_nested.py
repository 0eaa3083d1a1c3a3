"""A saga running another as a step, through the test kit: the child's end decides the step,
and compensating the parent compensates the child. The same saga runs on a real server in
tests/e2e/test_saga_nested.py."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from restate.exceptions import TerminalError

from restagen.runtime.sagas import SagaStatus
from restagen.testing import SagaTestKit
from tests.generated import generated

NESTING = Path(__file__).resolve().parents[1] / "e2e" / "nesting"


@pytest.fixture(scope="module")
def nesting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    out = tmp_path_factory.mktemp("nesting")
    with generated(out, NESTING, "nesting", "nesting_impl"):
        import nesting_impl

        yield nesting_impl


def _trip(**fields: Any) -> Any:
    from nesting.models import Trip

    return Trip(trip_id="t", **fields)


def _kit(nesting: Any) -> Any:
    from nesting.models import Rental
    from nesting.sagas import TRIP

    kit = SagaTestKit(TRIP, nesting.TripSaga())
    kit.reply("car", Rental(rental_id="t/car", plate="B-1"))
    return kit


def test_the_child_saga_succeeds_and_its_data_reaches_the_reply_handler(nesting: Any) -> None:
    kit = _kit(nesting)
    state = asyncio.run(kit.run("t", _trip()))
    assert state.status == SagaStatus.SUCCEEDED
    assert state.data.plate == "B-1"
    assert kit.history == ["invoke car", "invoke pay"]
    assert kit.calls[0].key == "t/car"  # the child's id derives from the parent's
    assert kit.calls[0].target == "rent_car/run" and kit.calls[0].request.rental_id == "t/car"


def test_compensating_the_parent_compensates_the_child(nesting: Any) -> None:
    kit = _kit(nesting)
    kit.fail("pay", TerminalError("declined", status_code=402))
    state = asyncio.run(kit.run("t", _trip()))
    assert state.status == SagaStatus.ROLLED_BACK
    assert kit.history == ["invoke car", "invoke pay", "compensate car"]
    assert state.compensated_steps == ["car"]


def test_a_child_that_rolled_back_fails_the_step_without_compensating_it(nesting: Any) -> None:
    kit = _kit(nesting)
    kit.fail("car", TerminalError("no cars left", status_code=409))
    state = asyncio.run(kit.run("t", _trip()))
    assert state.status == SagaStatus.ROLLED_BACK
    assert kit.history == ["invoke car"]
    assert state.cause is not None and "rent_car t/car ended ROLLED_BACK: no cars left" in state.cause.message


def test_a_child_stuck_in_its_compensation_is_resumed_with_the_parent(nesting: Any) -> None:
    kit = _kit(nesting)
    kit.fail("pay", TerminalError("declined", status_code=402))
    kit.fail_compensation(
        "car", TerminalError("desk closed"), times=3
    )  # the parent's 2 attempts, and one more

    async def scenario() -> tuple[Any, Any]:
        return await kit.run("t", _trip()), await kit.resume()

    stopped, ended = asyncio.run(scenario())
    assert (stopped.status, stopped.current_step) == (SagaStatus.FAILED, "car")
    assert (ended.status, ended.compensated_steps) == (SagaStatus.ROLLED_BACK, ["car"])
    assert kit.history.count("compensate car") == 4


def test_the_flow_draws_the_nested_saga_and_its_compensation(nesting: Any) -> None:
    import nesting.sagas

    flow = (Path(nesting.sagas.__file__).parent / "sagas.md").read_text()
    for line in ('s0["car: saga rent_car"]', 'u0["undo car: saga rent_car"]', "s1 -->|error| u0"):
        assert f"    {line}\n" in flow, line
    # the module defines the child's spec before the parent's, which names it
    source = Path(nesting.sagas.__file__).read_text()
    assert source.index("RENT_CAR: Final") < source.index("TRIP: Final") < source.index("saga=RENT_CAR")


def test_the_package_readme_draws_an_arrow_to_the_nested_saga(nesting: Any) -> None:
    import nesting.sagas

    from tests.mermaid_syntax import check_flowchart, mermaid_blocks

    readme = (Path(nesting.sagas.__file__).parent / "README.md").read_text()
    assert '    s_nesting__trip -->|"car"| s_nesting__rent_car\n' in readme
    for block in mermaid_blocks(readme):
        assert check_flowchart(block) == []


def test_the_server_kit_says_it_does_not_mock_nested_sagas(nesting: Any) -> None:
    from nesting.sagas import TRIP

    from restagen.testing import SagaServerKit, SagaTestError

    with pytest.raises(SagaTestError, match=r"steps \['car'\] run sagas"):
        SagaServerKit(
            TRIP, nesting.TripSaga(), ingress_url="http://127.0.0.1:1", admin_url="http://127.0.0.1:2"
        )
