"""The ingress clients against a real Restate server, with the hand-written app of `ingress_app.py`.

No generated code here: the specs, codecs and declared error are written by hand, bound with
`bind`, served from the tests' process by `restagen.testing.serve` and called through `Ingress` / `SyncIngress`.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import httpx
import pytest

from restagen.local.server import LocalRestate
from restagen.runtime import (
    HandlerSpec,
    Ingress,
    IngressError,
    IngressRetries,
    JsonCodec,
    NotReady,
    SyncIngress,
    SyncWorkflowHandle,
)
from restagen.testing import ServedApp, serve
from tests.e2e import ingress_app
from tests.e2e.ingress_app import (
    ADD,
    AWAKEABLE,
    DECIDE,
    FLAKY,
    NAP,
    QUOTE,
    RUN,
    RUNS,
    STATUS,
    TOTAL,
    TOUCH,
    Order,
    OutOfStock,
)
from tests.polling import until, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def served(restate: LocalRestate) -> Iterator[ServedApp]:
    with serve(ingress_app.app, server=restate) as env:
        assert env.services == ["approval", "pricing", "tally"]
        yield env


@pytest.fixture
def ingress(restate: LocalRestate, served: Any) -> Iterator[SyncIngress]:
    with SyncIngress(restate.ingress_url, timeout=30, admin_url=restate.admin_url) as client:
        yield client


def unique(prefix: str) -> str:
    """Keys of their own for each test, so that no run depends on an earlier one."""
    return f"{prefix} {uuid.uuid4().hex[:8]}/x"


def _invocations(restate: LocalRestate, invocation_id: str) -> list[dict[str, Any]]:
    """The server's record of an invocation (its SQL table `sys_invocation`)."""
    query = {"query": f"SELECT * FROM sys_invocation WHERE id = '{invocation_id}'"}
    answer = httpx.post(
        f"{restate.admin_url}/query", json=query, headers={"accept": "application/json"}, timeout=30
    )
    answer.raise_for_status()
    rows: list[dict[str, Any]] = answer.json()["rows"]
    return rows


def test_service_call_send_attach_output(ingress: SyncIngress) -> None:
    assert ingress.call(QUOTE, Order(sku="a", quantity=2)) == 6
    assert ingress.call(TOUCH, None) is None
    handle = ingress.send(NAP, 400)
    assert handle.status == "Accepted" and handle.invocation_id.startswith("inv_")
    with pytest.raises(NotReady) as caught:
        handle.output()
    assert caught.value.status_code == 470
    assert handle.attach() == 400
    assert handle.output() == 400
    assert ingress.attach(NAP, handle.invocation_id) == 400, "attach by id, without the handle"


def test_object_calls_with_a_key(ingress: SyncIngress) -> None:
    key, other = unique("ann"), unique("bob")
    assert ingress.call(ADD, 2, key=key) == 2
    assert ingress.send(ADD, 3, key=key).attach() == 5
    assert ingress.call(TOTAL, None, key=key) == 5
    assert ingress.call(TOTAL, None, key=other) == 0
    assert ingress.call(TOTAL, None, key="") == 0, "an empty key is a key too"


def test_async_service_and_object(restate: LocalRestate, served: Any) -> None:
    key = unique("async")

    async def scenario() -> None:
        async with Ingress(restate.ingress_url, timeout=30) as ingress:
            assert await ingress.call(QUOTE, Order(sku="b", quantity=5)) == 15
            handles = [await ingress.send(ADD, n, key=key) for n in (1, 2, 3)]
            assert [await handle.attach() for handle in handles] == [1, 3, 6]
            assert await handles[0].output() == 1
            assert await ingress.output(ADD, handles[2].invocation_id) == 6
            assert await ingress.call(RUNS, None, key=key) == 3

    asyncio.run(scenario())


def test_idempotency_key_runs_the_handler_once(ingress: SyncIngress) -> None:
    key, once = unique("idem"), unique("add")
    assert ingress.call(ADD, 10, key=key, idempotency_key=once) == 10
    assert ingress.call(ADD, 10, key=key, idempotency_key=once) == 10
    first = ingress.send(ADD, 10, key=key, idempotency_key=unique("send"))
    again = ingress.send(ADD, 10, key=key, idempotency_key=once)
    assert first.status == "Accepted" and again.status == "PreviouslyAccepted"
    assert again.attach() == 10, "the handle is on the first invocation with that key"
    assert first.attach() == 20
    assert ingress.call(RUNS, None, key=key) == 2


def test_delay_on_send_delays_the_invocation(restate: LocalRestate, ingress: SyncIngress) -> None:
    key = unique("later")
    started = time.monotonic()
    handle = ingress.send(ADD, 1, key=key, delay=timedelta(milliseconds=1500))
    assert ingress.call(TOTAL, None, key=key) == 0, "not run yet"
    with pytest.raises(NotReady):
        handle.output()
    assert handle.attach() == 1
    assert time.monotonic() - started >= 1.45
    # The server's own record, not a clock here: scheduled for 1.5 s after it arrived, far from
    # 1.5 ms or 1500 s. The server counts the delay from a moment before it records `created_at`,
    # and both are in milliseconds: the difference can read a millisecond or two short of 1.5 s.
    (row,) = _invocations(restate, handle.invocation_id)
    created, start = (datetime.fromisoformat(row[name]) for name in ("created_at", "scheduled_start_at"))
    assert timedelta(milliseconds=1490) <= start - created < timedelta(seconds=15)


def test_workflow_submit_attach_output_and_shared_handlers(ingress: SyncIngress) -> None:
    key = unique("order")
    handle = ingress.submit(RUN, "order", key=key)
    assert handle.status == "Accepted" and handle.key == key
    with pytest.raises(NotReady):
        handle.output()
    wait_until(lambda: ingress.call(STATUS, None, key=key) == "waiting", "the run never started waiting")
    again = ingress.submit(RUN, "another order", key=key)
    assert again.status == "PreviouslyAccepted", "a workflow runs once per key"
    assert again.invocation_id == handle.invocation_id
    assert ingress.call(DECIDE, "yes", key=key) is None
    assert handle.attach() == "order: yes"
    assert again.attach() == "order: yes"
    assert ingress.workflow_output(RUN, key) == "order: yes"
    assert ingress.workflow_attach(RUN, key) == "order: yes"
    assert ingress.call(STATUS, None, key=key) == "decided"
    # After the run, a submit is still acknowledged (and runs nothing); a direct call is refused.
    assert ingress.submit(RUN, "late", key=key).status == "PreviouslyAccepted"
    with pytest.raises(IngressError) as caught:
        ingress.call(RUN, "late", key=key)
    assert caught.value.status_code == 409 and "already invoked" in caught.value.message


def test_workflow_async_with_delay(restate: LocalRestate, served: Any) -> None:
    key = unique("async order")

    async def scenario() -> None:
        async with Ingress(restate.ingress_url, timeout=30) as ingress:
            handle = await ingress.submit(RUN, "parcel", key=key, delay=timedelta(milliseconds=200))
            await ingress.call(DECIDE, "shipped", key=key)  # a promise may be resolved before it is awaited
            assert await handle.attach() == "parcel: shipped"
            assert await ingress.workflow_output(RUN, key) == "parcel: shipped"

    asyncio.run(scenario())


def test_workflow_refuses_an_idempotency_key(ingress: SyncIngress) -> None:
    with pytest.raises(IngressError) as caught:
        ingress.submit(RUN, "x", key=unique("wf"), idempotency_key="once")
    assert caught.value.status_code == 400 and "idempotency key" in caught.value.message
    assert caught.value.source == "ingress"


def test_output_of_a_workflow_never_submitted(ingress: SyncIngress) -> None:
    with pytest.raises(IngressError) as caught:
        ingress.workflow_output(RUN, unique("never"))
    assert caught.value.status_code == 404


def test_declared_error_arrives_as_the_same_class_sync(ingress: SyncIngress) -> None:
    with pytest.raises(OutOfStock) as caught:
        ingress.call(QUOTE, Order(sku="none", quantity=4))
    assert (caught.value.sku, caught.value.wanted) == ("none", 4)
    assert caught.value == OutOfStock(sku="none", wanted=4)
    handle = ingress.send(QUOTE, Order(sku="none", quantity=7))
    with pytest.raises(OutOfStock) as attached:
        handle.attach()
    assert attached.value.wanted == 7
    with pytest.raises(OutOfStock):
        handle.output()
    key = unique("broken")
    workflow = ingress.submit(RUN, "none", key=key)
    with pytest.raises(OutOfStock):
        workflow.attach()
    with pytest.raises(OutOfStock):
        ingress.workflow_output(RUN, key)


def test_declared_error_arrives_as_the_same_class_async(restate: LocalRestate, served: Any) -> None:
    async def scenario() -> OutOfStock:
        async with Ingress(restate.ingress_url, timeout=30) as ingress:
            handle = await ingress.send(QUOTE, Order(sku="none", quantity=9))
            with pytest.raises(OutOfStock):
                await handle.attach()
            with pytest.raises(OutOfStock) as caught:
                await ingress.call(QUOTE, Order(sku="none", quantity=2))
            return caught.value

    error = asyncio.run(scenario())
    assert (error.sku, error.wanted) == ("none", 2)


def test_undeclared_error_of_a_spec_is_an_ingress_error(ingress: SyncIngress) -> None:
    """A declared error that the caller's spec does not list still fails clearly."""
    bare = HandlerSpec[Order, int]("pricing", "quote", None, QUOTE.input, QUOTE.output)
    with pytest.raises(IngressError) as caught:
        ingress.call(bare, Order(sku="none", quantity=1))
    assert caught.value.status_code == 409 and caught.value.source == "invocation"
    assert "OutOfStock" in str(caught.value)


def test_undeclared_exception_is_retried_until_it_succeeds(ingress: SyncIngress) -> None:
    assert ingress.call(FLAKY, unique("flaky")) == 3, "failed twice, succeeded on the third attempt"


def test_malformed_request_ends_terminally_with_400_naming_the_field(ingress: SyncIngress) -> None:
    loose = HandlerSpec[dict[str, object], int](
        "pricing", "quote", None, JsonCodec(dict[str, object]), QUOTE.output
    )
    with pytest.raises(IngressError) as caught:
        ingress.call(loose, {"sku": "a", "quantity": "many"})
    assert caught.value.status_code == 400 and caught.value.source == "invocation"
    assert "quantity" in caught.value.message
    # Ended at once: an attempt that was retried would fail the same way every time, and the call
    # would never get this 400 from the invocation.


def test_unknown_service_and_bad_invocation_id(ingress: SyncIngress) -> None:
    missing = HandlerSpec[str, str]("nosuch", "thing", None, JsonCodec(str), JsonCodec(str))
    with pytest.raises(IngressError) as caught:
        ingress.call(missing, "x")
    assert caught.value.status_code == 404 and "nosuch" in caught.value.message
    assert caught.value.source == "ingress"
    with pytest.raises(IngressError) as bad:
        ingress.attach(NAP, "inv_not-an-id")
    assert bad.value.status_code == 400


def _holding(ingress: SyncIngress) -> tuple[str, SyncWorkflowHandle[str]]:
    """A workflow run that waits on an awakeable, once it waits."""
    key = unique("hold")
    handle = ingress.submit(RUN, "hold", key=key)
    wait_until(lambda: ingress.call(STATUS, None, key=key) == "holding", "the run never started holding")
    return key, handle


def test_cancel_ends_a_waiting_invocation_through_its_own_code(ingress: SyncIngress) -> None:
    key, handle = _holding(ingress)
    handle.cancel()
    with pytest.raises(IngressError) as caught:
        handle.attach()
    assert (caught.value.status_code, caught.value.message) == (409, "cancelled")
    assert ingress.call(STATUS, None, key=key) == "cancelled", "the run saw the cancellation"
    with pytest.raises(IngressError) as again:
        ingress.cancel(handle.invocation_id)
    assert again.value.status_code == 409 and again.value.source == "admin"
    assert "already completed" in again.value.message


def test_kill_ends_a_waiting_invocation_at_once(ingress: SyncIngress) -> None:
    key, handle = _holding(ingress)
    handle.kill()
    with pytest.raises(IngressError) as caught:
        handle.attach()
    assert (caught.value.status_code, caught.value.message) == (409, "killed")
    assert ingress.call(STATUS, None, key=key) == "holding", "no more of the run's code ran"
    with pytest.raises(IngressError) as again:
        ingress.kill(handle.invocation_id)
    assert again.value.status_code == 409


def test_cancel_and_kill_async(restate: LocalRestate, served: Any) -> None:
    async def scenario() -> None:
        async with Ingress(restate.ingress_url, timeout=30, admin_url=restate.admin_url) as ingress:
            for end, message in (("cancel", "cancelled"), ("kill", "killed")):
                key = unique(f"hold {end}")
                handle = await ingress.submit(RUN, "hold", key=key)
                await until(partial(_holds, ingress, key), "the run never started holding")
                await getattr(handle, end)()
                with pytest.raises(IngressError) as caught:
                    await handle.attach()
                assert caught.value.message == message

    asyncio.run(scenario())


async def _holds(ingress: Ingress, key: str) -> bool:
    return await ingress.call(STATUS, None, key=key) == "holding"


def test_cancel_without_the_admin_api(restate: LocalRestate, served: Any) -> None:
    with SyncIngress(restate.ingress_url) as ingress, pytest.raises(ValueError, match="admin_url"):
        ingress.submit(RUN, "x", key=unique("no admin")).cancel()


def test_an_awakeable_completed_twice_keeps_the_first_value(ingress: SyncIngress) -> None:
    """Why completing an awakeable may be repeated: the server accepts a repeat and ignores it."""
    key, handle = _holding(ingress)
    awakeable = ingress.call(AWAKEABLE, None, key=key)
    ingress.resolve_awakeable(awakeable, "first")
    ingress.resolve_awakeable(awakeable, "second")
    ingress.reject_awakeable(awakeable, "late")
    assert handle.attach() == "hold: first"


def test_attach_and_output_by_idempotency_key(ingress: SyncIngress) -> None:
    once = f"nap-{uuid.uuid4().hex}._~!$&'()*+,;=:@"  # every character a key may hold
    ingress.send(NAP, 300, idempotency_key=once)
    with pytest.raises(NotReady):
        ingress.output_idempotent(NAP, once)
    assert ingress.attach_idempotent(NAP, once) == 300
    assert ingress.output_idempotent(NAP, once) == 300
    key = unique("tally")
    assert ingress.send(ADD, 4, key=key, idempotency_key=once).status == "Accepted", "per object key"
    assert ingress.attach_idempotent(ADD, once, key=key) == 4
    with pytest.raises(IngressError) as caught:
        ingress.attach_idempotent(ADD, once, key=unique("other"))
    assert caught.value.status_code == 404


def test_attach_by_idempotency_key_async(restate: LocalRestate, served: Any) -> None:
    once = f"async-nap-{uuid.uuid4().hex}"

    async def scenario() -> None:
        async with Ingress(restate.ingress_url, timeout=30) as ingress:
            await ingress.send(NAP, 200, idempotency_key=once)
            assert await ingress.attach_idempotent(NAP, once) == 200
            assert await ingress.output_idempotent(NAP, once) == 200

    asyncio.run(scenario())


def test_a_call_timeout_fires_and_the_invocation_goes_on(ingress: SyncIngress) -> None:
    once = f"slow-{uuid.uuid4().hex}"
    with pytest.raises(httpx.ReadTimeout):
        ingress.call(NAP, 1500, idempotency_key=once, timeout=timedelta(milliseconds=300))
    with pytest.raises(NotReady):
        ingress.output_idempotent(NAP, once)
    assert ingress.attach_idempotent(NAP, once, timeout=30) == 1500


def test_a_call_timeout_fires_async(restate: LocalRestate, served: Any) -> None:
    async def scenario() -> None:
        async with Ingress(restate.ingress_url, timeout=30) as ingress:
            handle = await ingress.send(NAP, 1500)
            with pytest.raises(httpx.ReadTimeout):
                await handle.attach(timeout=0.3)
            assert await handle.attach() == 1500

    asyncio.run(scenario())


def test_a_request_with_an_idempotency_key_is_retried_across_a_restart(
    own_restate: LocalRestate, served: Any
) -> None:
    own_restate.register(served.endpoint_url)
    sent: list[str] = []
    client = httpx.Client(
        timeout=30, event_hooks={"request": [lambda request: sent.append(request.url.path)]}
    )
    retries = IngressRetries(attempts=10_000, backoff=0.05, max_backoff=0.2, deadline=120)
    key = unique("restart")
    with SyncIngress(own_restate.ingress_url, client=client, retries=retries) as ingress, client:
        assert ingress.call(ADD, 1, key=key, idempotency_key=unique("first")) == 1
        own_restate.stop()
        sent.clear()
        with pytest.raises(httpx.ConnectError):
            ingress.call(ADD, 2, key=key)
        assert len(sent) == 1, "without an idempotency key a call is sent once"
        with ThreadPoolExecutor(1) as pool:
            call = pool.submit(ingress.call, ADD, 5, key=key, idempotency_key=unique("second"))
            wait_until(lambda: len(sent) >= 4, "the call was not repeated while the server was down")
            assert not call.done()
            own_restate.start()
            assert call.result(timeout=120) == 6
        assert ingress.call(RUNS, None, key=key) == 2, "the refused call never ran"
