"""The food-to-go example, end to end: generate, start Restate, serve, register, and use it.

Run with `make demo` (`make demo PORT=9080` serves the endpoint, and so the dashboard, on a fixed
port, so that a browser tab left open follows the next run too). It starts a local restate-server
(installing the pinned release into `.restate/` the first time), serves every package of the
example from one endpoint, registers it, and walks through a consumer's sign-up, orders, typed
errors, a delayed send and the create-order saga, printing what happens. The server's and the
endpoint's own output go to log files (`.restate/demo/`), not between the demo's lines.

Everything it starts is stopped when it ends: after the walk-through (from a terminal, once Enter
is pressed; with `--keep-serving`, once it is told to stop), on Ctrl-C, and on SIGTERM or SIGHUP
(the terminal closing), which stop it the same way as Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from restagen.cli import main as restagen
from restagen.local.processes import Stopped, run_stoppable, spawn, stop, stop_signals, stopping
from restagen.local.server import LocalRestate, find_server_binary, free_port, install_server

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SRC = HERE / "src"
LOGS = ROOT / ".restate" / "demo"
SIGNAL_NAMES = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM", signal.SIGHUP: "SIGHUP"}
WAIT = 60.0
"""How long the demo waits for something to get ready or to arrive: generous, for a busy machine."""


# -- output ---------------------------------------------------------------------------------------


def say(text: str = "") -> None:
    try:
        print(text, flush=True)
    except OSError:
        # The terminal is gone (SIGHUP after it closed): stop quietly, and let nothing fail on
        # writing to it again, the interpreter's last flush included.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.dup2(devnull, sys.stderr.fileno())


def step(text: str) -> None:
    say(f"\n== {text}")


def detail(text: str) -> None:
    """An indented line (or several: each line of `text`) under the current step."""
    for line in text.splitlines() or [""]:
        say(f"   {line}")


def quietly(args: list[str]) -> tuple[int, str]:
    """`restagen <args>` in this process; its exit code and what it printed."""
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
        code = restagen(args)
    return code, captured.getvalue().rstrip()


def tail(log: Path, lines: int = 20) -> str:
    text = log.read_text(errors="replace") if log.is_file() else ""
    return "\n".join(text.splitlines()[-lines:]) or "(empty)"


def wait_listening(process: subprocess.Popen[bytes], url: str, log: Path) -> bool:
    """Whether the endpoint at `url` answers within WAIT seconds (False: it exited or never did)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline and process.poll() is None:
        try:
            httpx.get(f"{url}/health", timeout=5)
            return True
        except httpx.TransportError:
            time.sleep(0.1)
    detail(f"the endpoint is not serving; the end of {log}:")
    detail(tail(log))
    return False


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


# -- the walk-through -----------------------------------------------------------------------------


class Dashboard:
    """The orders' events as the dashboard gets them, over SSE with the generated subscriber.

    They arrive a moment after the calls that publish them; each step waits for the ones it
    caused and shows them under itself, so that the demo's lines stay in order.
    """

    def __init__(self) -> None:
        self.arrived: list[Any] = []
        self.shown = 0
        self._changed = asyncio.Event()

    def __call__(self, event: Any) -> None:
        self.arrived.append(event)
        self._changed.set()

    def _missing(self, expected: Sequence[tuple[str, str | None]]) -> list[str]:
        pending = self.arrived[self.shown :]
        missing = []
        for kind, order_id in expected:
            match = next(
                (
                    event
                    for event in pending
                    if type(event).__name__ == kind and order_id in (None, event.order_id)
                ),
                None,
            )
            if match is None:
                missing.append(f"{kind} {order_id or ''}".strip())
            else:
                pending.remove(match)
        return missing

    async def show(self, *expected: tuple[str, str | None]) -> None:
        """Wait for the `expected` events (type, order id or None for any), then show all new ones."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT
        while (missing := self._missing(expected)) and loop.time() < deadline:
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), deadline - loop.time())
        for event in self.arrived[self.shown :]:
            reason = f": {event.reason}" if hasattr(event, "reason") else ""
            detail(f"dashboard <- {type(event).__name__} {event.order_id}{reason}")
        self.shown = len(self.arrived)
        if missing:
            detail(f"dashboard: no {', '.join(missing)} within {WAIT:.0f} s")


async def follow(saga: Any, saga_id: str, ingress: Any) -> Any:
    """Print each step of saga `saga_id` as it happens; play the restaurant when it is asked."""
    from ftgo.orders.sagas import CreateOrderSagaState

    from restagen.runtime.sagas import SagaStatus

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
                detail(f"step done:   {name}")
        for name in state.compensated_steps:
            if f"undo {name}" not in done:
                done.add(f"undo {name}")
                detail(f"step undone: {name}")
        if state.data.confirmation_id and not confirmed:
            confirmed = True
            ready_by = datetime(2026, 11, 28, 20, 15, tzinfo=UTC)
            detail(f"the restaurant confirms ticket {state.data.ticket_id}: ready by {ready_by:%H:%M}")
            await ingress.resolve_awakeable(state.data.confirmation_id, ready_by)
        if state.status in (SagaStatus.SUCCEEDED, SagaStatus.ROLLED_BACK, SagaStatus.FAILED):
            detail(f"the saga ended {state.status.value}")
            return state
        await asyncio.sleep(0.02)


def invalid_request(message: str) -> str:
    """The ingress' message for an invalid request, one field per line."""
    head, _, fields = message.partition(": ")
    problems = fields.split("; ")
    if not fields or len(problems) == 1:
        return message
    return "\n".join([f"{head}:", *(f"  {problem}" for problem in problems)])


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
    from ftgo.orders import events
    from ftgo.orders import models as orders
    from ftgo.orders.clients import OrderClient
    from ftgo.orders.errors import InvalidOrder
    from ftgo.orders.sagas import CreateOrderSagaClient

    from restagen.runtime import Ingress
    from restagen.runtime.events import pull

    ann = uuid.UUID(int=0xA11)
    async with Ingress(ingress_url) as ingress:  # where the stream's log is: this run starts there
        first = (await pull(ingress, cluster="ftgo", stream="orders", limit=1)).end
    dashboard_url = f"{endpoint_url}/dashboard?from_offset={first}"
    step(f"the live dashboard: {dashboard_url} (order events over Server-Sent Events)")
    async with httpx.AsyncClient(timeout=WAIT) as http:
        page = await http.get(dashboard_url)
    detail(
        f"the page is served ({page.status_code}); it shows this run's events, from its first offset ({first})"
    )
    detail("this demo follows the same stream in Python, with the generated subscriber")
    dashboard = Dashboard()
    subscription = await events.subscribe(
        endpoint_url, dashboard, cluster="ftgo", stream="orders", from_offset=first
    )
    try:
        async with Ingress(ingress_url) as ingress:
            step("sign-up workflow: submitted, waiting for the e-mail link")
            signup = SignupClient(ingress, "ann@example.com")
            run = await signup.submit(SignupRequest(consumer_id=ann, email="ann@example.com", name="Ann"))
            detail(f"workflow {run.key} submitted")
            await signup.click("ann@example.com")
            detail(f"link clicked; the run returned {await run.attach()}")
            profile = await ConsumerClient(ingress, str(ann)).get()
            detail(f"consumer {ann} is now registered: {profile}")

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
            detail(f"created {order.order_id} ({order.state.value}) for {order.details.total.amount} EUR")
            await dashboard.show(("OrderCreated", order.order_id))

            step("declared errors reach the caller as the same class, with their fields")
            try:
                await OrderClient(ingress).create(details.model_copy(update={"line_items": []}))
            except InvalidOrder as error:
                detail(f"InvalidOrder: reason={error.reason!r}")
            try:
                await AccountingClient(ingress).authorize(
                    AuthorizeRequest(
                        consumer_id=ann, order_id=order.order_id, amount=Money(amount=Decimal("150"))
                    )
                )
            except CardDeclined as error:
                detail(f"CardDeclined: reason={error.reason!r}")
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
                detail(f"RestaurantClosed: restaurant_id={error.restaurant_id!r}")

            step("a send with a delay of 1 s, then attaching to it")
            started = time.monotonic()
            handle = await kitchen.send_confirm_ticket(
                KitchenConfirmTicketRequest(ticket_id=f"ticket-{order.order_id}", ready_by=datetime.now(UTC)),
                delay=timedelta(seconds=1),
            )
            await handle.attach()
            detail(f"invocation {handle.invocation_id} ran after {time.monotonic() - started:.1f} s")

            saga = CreateOrderSagaClient(ingress)
            step("the create_order saga: consumer, kitchen ticket, card, the restaurant's confirmation")
            first = orders.CreateOrderSagaData(order_id="order-1001", consumer_id=ann, details=details)
            await saga.start("order-1001", first)
            state = await follow(saga, "order-1001", ingress)
            detail(f"ticket {state.data.ticket_id}, card authorized, ready by {state.data.ready_by:%H:%M}")
            again = await saga.start("order-1001", first)
            detail(f"starting order-1001 again: {again.status}, nothing runs twice")
            await dashboard.show(("OrderCreated", None), ("OrderApproved", "order-1001"))

            step("the create_order saga with a declined card: completed steps undone in reverse order")
            expensive = details.model_copy(update={"total": Money(amount=Decimal("150"))})
            await saga.start(
                "order-1002",
                orders.CreateOrderSagaData(order_id="order-1002", consumer_id=ann, details=expensive),
            )
            state = await follow(saga, "order-1002", ingress)
            assert state.cause is not None
            detail(f"because {state.cause.step} failed with {state.cause.message}")
            await dashboard.show(("OrderCreated", None), ("OrderRejected", "order-1002"))

            step("a malformed request ends at once with 400, naming the fields")
            async with httpx.AsyncClient(timeout=WAIT) as http:
                response = await http.post(f"{ingress_url}/order/create", json={"consumer_id": 42})
            detail(f"HTTP {response.status_code}: {invalid_request(response.json()['message'])}")
    finally:
        await subscription()


# -- the run --------------------------------------------------------------------------------------


def wait_for_stop(uri: str, keep_serving: bool) -> None:
    """Serve until Enter (from a terminal) or a stop signal; return at once otherwise."""
    try:
        if keep_serving:
            step(f"serving until stopped (Ctrl-C, SIGTERM): the dashboard is at {uri}/dashboard")
            while True:
                signal.pause()
        elif sys.stdin.isatty():
            step(f"open {uri}/dashboard; press Enter (or Ctrl-C) to stop")
            try:
                input()
            except Stopped:
                say()  # the prompt's line ends
    except (Stopped, EOFError, OSError):
        pass  # a stop asked for here is the normal end of the demo


def run(port: int, logs: Path, keep_serving: bool) -> int:
    step("restagen generate examples/ftgo/schemas -o examples/ftgo/src")
    code, output = quietly(["generate", str(HERE / "schemas"), "-o", str(SRC)])
    detail(output)
    if code:
        return code
    if port_in_use(port):
        step(f"port {port} is in use (is another demo still running?): choose another (PORT=... or --port)")
        return 1
    binary = find_server_binary() or install_server()
    logs.mkdir(parents=True, exist_ok=True)
    server_log, endpoint_log = logs / "restate-server.log", logs / "endpoint.log"
    server_log.unlink(missing_ok=True)
    started = contextlib.ExitStack()
    try:
        server = started.enter_context(LocalRestate(binary, log_file=server_log))
        step(f"restate-server: ingress {server.ingress_url}, admin {server.admin_url}")
        detail(f"its log: {server_log}")

        uri = f"http://127.0.0.1:{port}"
        step(f"restagen serve ftgo_endpoint:app: every package of the example, on {uri}")
        command = ["-m", "restagen", "serve", "ftgo_endpoint:app", "--port", str(port), "--path", str(SRC)]
        with endpoint_log.open("wb") as log:
            # With the ingress, the endpoint's SSE node reads the streams' logs for late subscribers.
            env = {**os.environ, "RESTAGEN_INGRESS__URL": server.ingress_url}
            endpoint = spawn(
                [sys.executable, *command],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
        started.callback(stop, endpoint)
        detail(f"its log: {endpoint_log}")
        if not wait_listening(endpoint, uri, endpoint_log):
            return 1

        step("restagen register (the endpoint serves every package, and the subscriptions of its events)")
        register = ["register", "--admin", server.admin_url, "--uri", uri]
        code, output = quietly([*register, "--ingress", server.ingress_url, "--cluster", "ftgo"])
        detail(output)
        if code:
            return code

        sys.path.insert(0, str(SRC))
        run_stoppable(scenario(server.ingress_url, uri))
        wait_for_stop(uri, keep_serving)
        return 0
    except Stopped as stopped:
        step(f"{SIGNAL_NAMES[signal.Signals(stopped.signum)]}: stopping")
        return 128 + stopped.signum
    finally:
        stopping()  # a signal from here on (the terminal closing after Enter) cannot cut this short
        started.close()
        step("done: the endpoint and restate-server are stopped")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--port",
        type=int,
        default=0,
        help="the endpoint's port, and so the dashboard's (default: a free one)",
    )
    parser.add_argument(
        "--logs", type=Path, default=LOGS, help=f"where the server's and the endpoint's logs go ({LOGS})"
    )
    parser.add_argument(
        "--keep-serving",
        action="store_true",
        help="after the walk-through, serve until stopped (Ctrl-C, SIGTERM, SIGHUP), terminal or not",
    )
    args = parser.parse_args(argv)
    try:
        with stop_signals():  # SIGINT (Ctrl-C), SIGTERM and SIGHUP all raise `Stopped`
            return run(args.port or free_port(), args.logs, args.keep_serving)
    except Stopped as stopped:  # before anything was started
        return 128 + stopped.signum


if __name__ == "__main__":
    sys.exit(main())
