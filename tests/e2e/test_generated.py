"""Generated code on a real Restate server: a service, an object and a workflow of `shop/`.

The shop is generated into a temporary folder, served from the tests' process by
`restagen.testing.serve` with the hand-written implementations of `shop/impl.py`, and driven through the generated clients: from
outside (async and sync ingress clients) and from inside a handler (context clients).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from restagen.local.server import LocalRestate
from restagen.testing import ServedApp, serve
from tests.generated import generated
from tests.polling import until, wait_until

HERE = Path(__file__).resolve().parent

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with generated(tmp_path_factory.mktemp("shop"), HERE / "shop", "shop", "impl") as out:
        yield out


@pytest.fixture(scope="module")
def served(shop: Path, restate: LocalRestate) -> Iterator[ServedApp]:
    import impl

    with serve(impl.app, server=restate) as env:
        yield env


def _item(sku: str, price: str = "1.25", tags: list[str] | None = None) -> Any:
    from shop.models import Item

    return Item(sku=sku, price=Decimal(price), tags=tags or [])


def test_service_call_and_declared_error_async(restate: Any, served: Any) -> None:
    from shop.clients import CatalogClient
    from shop.errors import OutOfStock

    from restagen.runtime import Ingress

    async def scenario() -> None:
        async with Ingress(restate.ingress_url) as ingress:
            catalog = CatalogClient(ingress)
            assert await catalog.price(_item("a", "2.50")) == Decimal("5.00")
            with pytest.raises(OutOfStock) as caught:
                await catalog.price(_item("none", tags=["a", "b", "c"]))
            assert (caught.value.sku, caught.value.wanted) == ("none", 3)

    asyncio.run(scenario())


def test_service_call_and_declared_error_sync(restate: Any, served: Any) -> None:
    from shop.clients import CatalogSyncClient
    from shop.errors import OutOfStock

    from restagen.runtime import SyncIngress

    with SyncIngress(restate.ingress_url) as ingress:
        catalog = CatalogSyncClient(ingress)
        assert catalog.price(_item("b", "0.10")) == Decimal("0.20")
        with pytest.raises(OutOfStock) as caught:
            catalog.price(_item("none", tags=["x"]))
        assert caught.value.wanted == 1
        handle = catalog.send_price(_item("none"))
        with pytest.raises(OutOfStock):
            handle.attach()


def test_undeclared_exception_is_retried_until_it_succeeds(restate: Any, served: Any) -> None:
    from shop.clients import CatalogSyncClient

    from restagen.runtime import SyncIngress

    with SyncIngress(restate.ingress_url) as ingress:
        assert CatalogSyncClient(ingress).flaky("retry-me") == 3


def test_context_features(restate: Any, served: Any) -> None:
    from shop.clients import CatalogSyncClient

    from restagen.runtime import SyncIngress

    with SyncIngress(restate.ingress_url, headers={"x-shop": "default"}) as ingress:
        catalog = CatalogSyncClient(ingress)
        facts = catalog.facts(headers={"x-shop": "explicit"})
        assert facts.header == "explicit"
        assert facts.invocation_id.startswith("inv_")
        assert 1 <= facts.random_number <= 1000
        assert facts.run_result.sku == "journaled" and facts.run_result.price == Decimal("1.50")
        handle = catalog.send_facts()
        assert handle.attach().invocation_id == handle.invocation_id
        assert catalog.facts().header == "default"


def test_awakeables_resolved_and_rejected_by_handlers(restate: Any, served: Any) -> None:
    from shop.clients import CatalogSyncClient, InboxSyncClient
    from shop.models import Decision

    from restagen.runtime import SyncIngress

    with SyncIngress(restate.ingress_url) as ingress:
        catalog = CatalogSyncClient(ingress)
        for approve, expected in ((True, "approved: looks good"), (False, "rejected: too expensive")):
            key = f"approval-{approve}"
            handle = catalog.send_approval(key)
            inbox = InboxSyncClient(ingress, key)
            awakeable = wait_until(inbox.get, "the awakeable id arriving")
            catalog.decide(Decision(awakeable_id=awakeable, approve=approve, reason="too expensive"))
            assert handle.attach() == expected


def test_object_state_idempotency_and_delay(restate: Any, served: Any) -> None:
    from shop.clients import CartSyncClient

    from restagen.runtime import SyncIngress

    with SyncIngress(restate.ingress_url) as ingress:
        cart = CartSyncClient(ingress, "ann/with a slash")
        cart.clear()
        assert cart.add(_item("a"), idempotency_key="add-a") == 1
        assert cart.add(_item("a"), idempotency_key="add-a") == 1
        assert cart.adds() == 1, "the same idempotency key runs the handler once"
        again = cart.send_add(_item("a"), idempotency_key="add-a")
        assert again.status == "PreviouslyAccepted"
        started = time.monotonic()
        delayed = cart.send_add(_item("later"), delay=timedelta(seconds=1))
        assert delayed.attach() == 2
        assert time.monotonic() - started >= 0.9
        assert CartSyncClient(ingress, "someone else").count() == 0


def test_workflow_submit_promise_attach_and_shared_handlers(restate: Any, served: Any) -> None:
    from shop.clients import CheckoutClient

    from restagen.runtime import Ingress, NotReady

    async def scenario() -> None:
        async with Ingress(restate.ingress_url) as ingress:
            checkout = CheckoutClient(ingress, "order-1")
            handle = await checkout.submit("order-1")
            with pytest.raises(NotReady):
                await checkout.output()

            async def waiting() -> bool:
                return await checkout.status() == "waiting for payment"

            await until(waiting, "the checkout waiting for payment")
            await checkout.pay(Decimal("12.30"))
            assert await handle.attach() == "order-1: paid 12.30"
            assert await checkout.output() == "order-1: paid 12.30"
            assert await checkout.status() == "paid"
            again = await checkout.submit("order-1")
            assert await again.attach() == "order-1: paid 12.30", "a workflow runs once per key"

    asyncio.run(scenario())


def test_workflow_declared_error(restate: Any, served: Any) -> None:
    from shop.clients import CheckoutSyncClient
    from shop.errors import OutOfStock

    from restagen.runtime import SyncIngress

    with SyncIngress(restate.ingress_url) as ingress:
        checkout = CheckoutSyncClient(ingress, "broken-order")
        handle = checkout.submit("out of stock")
        with pytest.raises(OutOfStock):
            handle.attach()


def test_context_clients_from_inside_a_handler(restate: Any, served: Any) -> None:
    from shop.clients import CallerSyncClient, CartSyncClient

    from restagen.runtime import SyncIngress

    with SyncIngress(restate.ingress_url) as ingress:
        report = CallerSyncClient(ingress).through_context("ctx")
        assert report.price == Decimal("4.50")
        assert report.out_of_stock == "none/2"
        assert report.cart_count == 1, "the idempotency key dedups calls made from a handler too"
        assert report.sent_invocation.startswith("inv_")
        assert report.checkout == "from a handler: paid 9.99"
        wait_until(
            lambda: CartSyncClient(ingress, "ctx").count() >= 2, "the delayed send from the handler running"
        )


def test_malformed_request_ends_with_400_naming_the_field(restate: Any, served: Any) -> None:
    response = httpx.post(f"{restate.ingress_url}/catalog/price", json={"sku": "a", "price": "x"}, timeout=30)
    assert response.status_code == 400
    body = response.json()
    assert "price" in body["message"] and "tags" in body["message"]


def test_unknown_handler_raises_a_clear_error(restate: Any, served: Any) -> None:
    from restagen.runtime import HandlerSpec, IngressError, JsonCodec, SyncIngress

    missing = HandlerSpec[str, str]("catalog", "missing", None, JsonCodec(str), JsonCodec(str))
    with SyncIngress(restate.ingress_url) as ingress, pytest.raises(IngressError) as caught:
        ingress.call(missing, "x")
    assert caught.value.status_code == 404


def test_state_survives_a_server_restart(restate: Any, served: Any) -> None:
    from shop.clients import CartSyncClient

    from restagen.runtime import SyncIngress

    with SyncIngress(restate.ingress_url) as ingress:
        cart = CartSyncClient(ingress, "durable")
        cart.clear()
        cart.add(_item("kept"))
        cart.add(_item("kept too"))
    restate.restart()
    with SyncIngress(restate.ingress_url) as ingress:
        assert CartSyncClient(ingress, "durable").count() == 2
