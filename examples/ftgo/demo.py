"""The food-to-go example, end to end: generate, start Restate, serve, register, and use it.

Run with `make demo`. It starts a local restate-server (installing the pinned release into
`.restate/` the first time), serves every package of the example from one endpoint, registers it,
and walks through a consumer's sign-up, orders, typed errors and a delayed send, printing what
happens. Everything it starts is stopped when it ends.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from restagen.cli import main as restagen
from restagen.local.server import LocalRestate, find_server_binary, free_port, install_server

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"


def step(text: str) -> None:
    print(f"\n== {text}", flush=True)


async def follow(saga: Any, saga_id: str, ingress: Any) -> Any:
    """Print each step of saga `saga_id` as it happens; play the restaurant when it is asked."""
    from ftgo.orders.sagas import CreateOrderSagaState

    from restagen.runtime.saga import SagaStatus

    done: set[str] = set()
    confirmed = False
    while True:
        state: CreateOrderSagaState | None = await saga.state(saga_id)
        if state is None:
            await asyncio.sleep(0.02)
            continue
        for name in state.completed_steps:
            if name not in done:
                done.add(name)
                print(f"   step done:   {name}")
        for name in state.compensated_steps:
            if f"undo {name}" not in done:
                done.add(f"undo {name}")
                print(f"   step undone: {name}")
        if state.data.confirmation_id and not confirmed:
            confirmed = True
            ready_by = datetime(2026, 11, 28, 20, 15, tzinfo=UTC)
            print(f"   the restaurant confirms ticket {state.data.ticket_id}: ready by {ready_by:%H:%M}")
            await ingress.resolve_awakeable(state.data.confirmation_id, ready_by)
        if state.status in (SagaStatus.SUCCEEDED, SagaStatus.ROLLED_BACK, SagaStatus.FAILED):
            print(f"   the saga ended {state.status.value}")
            return state
        await asyncio.sleep(0.02)


async def watch_orders(endpoint_url: str) -> Any:
    """What the dashboard page does, in Python: the typed SSE subscriber of the orders' events."""
    from ftgo.orders import events
    from ftgo.orders.models import OrderApproved, OrderCreated, OrderRejected

    def show(event: OrderCreated | OrderApproved | OrderRejected) -> None:
        detail = f": {event.reason}" if isinstance(event, OrderRejected) else ""
        print(f"   dashboard <- {type(event).__name__} {event.order_id}{detail}", flush=True)

    return await events.subscribe(endpoint_url, show, cluster="ftgo", stream="orders")


async def scenario(ingress_url: str, endpoint_url: str) -> None:
    from ftgo.accounting.clients import AccountingClient
    from ftgo.accounting.errors import CardDeclined
    from ftgo.accounting.models import AuthorizeRequest
    from ftgo.common.models import Money
    from ftgo.consumers.clients import ConsumerClient, SignupClient
    from ftgo.consumers.models import SignupRequest
    from ftgo.kitchen.clients import KitchenClient
    from ftgo.kitchen.errors import RestaurantClosed
    from ftgo.kitchen.models import CreateTicketRequest, KitchenConfirmTicketRequest, TicketLineItem
    from ftgo.orders import models as orders
    from ftgo.orders.clients import OrderClient
    from ftgo.orders.errors import InvalidOrder
    from ftgo.orders.sagas import CreateOrderSagaClient

    from restagen.runtime.ingress import Ingress

    ann = uuid.UUID(int=0xA11)
    step(f"the live dashboard: {endpoint_url}/dashboard (order events over Server-Sent Events)")
    page = httpx.get(f"{endpoint_url}/dashboard", timeout=10)
    print(f"   the page is served ({page.status_code}); this demo follows the same stream in Python")
    dashboard = await watch_orders(endpoint_url)
    async with Ingress(ingress_url) as ingress:
        step("sign-up workflow: submitted, waiting for the e-mail link")
        signup = SignupClient(ingress, "ann@example.com")
        run = await signup.submit(SignupRequest(consumer_id=ann, email="ann@example.com", name="Ann"))
        print(f"   workflow {run.key} submitted")
        await signup.click("ann@example.com")
        print(f"   link clicked; the run returned {await run.attach()}")
        profile = await ConsumerClient(ingress, str(ann)).get()
        print(f"   consumer {ann} is now registered: {profile}")

        step("an order, validated by the consumer object inside the order handler")
        details = orders.OrderDetails(
            consumer_id=ann,
            restaurant_id="ajanta",
            line_items=[orders.LineItem(menu_item_id="samosa", quantity=2)],
            total=Money(amount=Decimal("11.80")),
            tags={"channel": "web"},
            placed_at=datetime(2026, 11, 28, 19, 30, tzinfo=UTC),
            payment=orders.Payment(orders.CardPayment(card_token="tok_visa")),
        )
        order = await OrderClient(ingress).create(details)
        print(f"   created {order.order_id} ({order.state.value}) for {order.details.total.amount} EUR")

        step("declared errors reach the caller as the same class, with their fields")
        try:
            await OrderClient(ingress).create(details.model_copy(update={"line_items": []}))
        except InvalidOrder as error:
            print(f"   InvalidOrder: reason={error.reason!r}")
        try:
            await AccountingClient(ingress).authorize(
                AuthorizeRequest(
                    consumer_id=ann, order_id=order.order_id, amount=Money(amount=Decimal("150"))
                )
            )
        except CardDeclined as error:
            print(f"   CardDeclined: reason={error.reason!r}")
        kitchen = KitchenClient(ingress)
        try:
            await kitchen.create_ticket(
                CreateTicketRequest(
                    order_id=order.order_id,
                    restaurant_id="closed-for-holidays",
                    line_items=[TicketLineItem(menu_item_id="samosa", quantity=2)],
                )
            )
        except RestaurantClosed as error:
            print(f"   RestaurantClosed: restaurant_id={error.restaurant_id!r}")

        step("a send with a delay of 1 s, then attaching to it")
        started = time.monotonic()
        handle = await kitchen.send_confirm_ticket(
            KitchenConfirmTicketRequest(ticket_id=f"ticket-{order.order_id}", ready_by=datetime.now(UTC)),
            delay=timedelta(seconds=1),
        )
        await handle.attach()
        print(f"   invocation {handle.invocation_id} ran after {time.monotonic() - started:.1f} s")

        saga = CreateOrderSagaClient(ingress)
        step("the create_order saga: consumer, kitchen ticket, card, the restaurant's confirmation")
        await saga.start(
            "order-1001", orders.CreateOrderSagaData(order_id="order-1001", consumer_id=ann, details=details)
        )
        state = await follow(saga, "order-1001", ingress)
        print(f"   ticket {state.data.ticket_id}, card authorized, ready by {state.data.ready_by:%H:%M}")
        again = await saga.start(
            "order-1001", orders.CreateOrderSagaData(order_id="order-1001", consumer_id=ann, details=details)
        )
        print(f"   starting order-1001 again: {again.status}, nothing runs twice")

        step("the create_order saga with a declined card: completed steps undone in reverse order")
        expensive = details.model_copy(update={"total": Money(amount=Decimal("150"))})
        await saga.start(
            "order-1002",
            orders.CreateOrderSagaData(order_id="order-1002", consumer_id=ann, details=expensive),
        )
        state = await follow(saga, "order-1002", ingress)
        assert state.cause is not None
        print(f"   because {state.cause.step} failed with {state.cause.message}")

        step("a malformed request ends at once with 400, naming the fields")
        response = httpx.post(f"{ingress_url}/order/create", json={"consumer_id": 42}, timeout=30)
        print(f"   HTTP {response.status_code}: {response.json()['message'][:110]}...")
    await asyncio.sleep(1.0)  # the last events on their way to the dashboard
    await dashboard()


def run() -> int:
    step("restagen generate examples/ftgo/schemas -o examples/ftgo/src")
    code = restagen(["generate", str(HERE / "schemas"), "-o", str(SRC)])
    if code:
        return code
    binary = find_server_binary() or install_server()
    port = free_port()
    with LocalRestate(binary) as server:
        print(f"\n== restate-server up: ingress {server.ingress_url}, admin {server.admin_url}")
        endpoint = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "restagen",
                "serve",
                "ftgo_endpoint:app",
                "--port",
                str(port),
                "--path",
                str(SRC),
            ],
        )
        try:
            step("restagen register (the endpoint serves every package, and the subscriptions of its events)")
            uri = f"http://127.0.0.1:{port}"
            command = ["register", "--admin", server.admin_url, "--uri", uri]
            code = restagen([*command, "--ingress", server.ingress_url, "--cluster", "ftgo"])
            if code:
                return code
            sys.path.insert(0, str(SRC))
            asyncio.run(scenario(server.ingress_url, uri))
            if sys.stdin.isatty():
                input(f"\n== open {uri}/dashboard; press Enter to stop ")
        finally:
            endpoint.terminate()
            endpoint.wait(timeout=15)
    step("done: the endpoint and restate-server are stopped")
    return 0


if __name__ == "__main__":
    sys.exit(run())
