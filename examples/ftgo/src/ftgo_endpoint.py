"""One Restate endpoint serving every package of the food-to-go example, and a live dashboard.

Each package also has its own `main.py` to deploy it alone; the demo runs them together. Order
events are published with SSE on, to the stream `orders` of the cluster `ftgo`: the page at
`/dashboard` shows them as they happen.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from restagen.runtime import Endpoint, load_config

from ftgo.accounting.app import bind_components as bind_accounting
from ftgo.accounting.impl.accounting import AccountingService
from ftgo.consumers.app import bind_components as bind_consumers
from ftgo.consumers.impl.consumer import ConsumerObject
from ftgo.consumers.impl.signup import SignupWorkflow
from ftgo.kitchen.app import bind_components as bind_kitchen
from ftgo.kitchen.impl.kitchen import KitchenService
from ftgo.orders.app import bind_components as bind_orders
from ftgo.orders.impl.create_order import CreateOrderSaga
from ftgo.orders.impl.order import OrderService

endpoint = Endpoint(
    load_config(pubsub={"cluster": "ftgo", "default_stream": "orders", "sse": True})
)
bind_orders(endpoint, order=OrderService, create_order=CreateOrderSaga)
bind_consumers(endpoint, consumer=ConsumerObject, signup=SignupWorkflow)
bind_kitchen(endpoint, kitchen=KitchenService)
bind_accounting(endpoint, accounting=AccountingService)
restate_app = endpoint.app()
DASHBOARD = (Path(__file__).parent / "dashboard.html").read_bytes()


async def app(scope: Any, receive: Any, send: Any) -> None:
    """The endpoint, and the dashboard page at /dashboard."""
    if scope["type"] == "http" and scope["path"] == "/dashboard":
        headers = [(b"content-type", b"text/html; charset=utf-8")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": DASHBOARD})
        return
    await restate_app(scope, receive, send)
