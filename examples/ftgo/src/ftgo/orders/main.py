"""The endpoint of package ftgo.orders: serve it with

    restagen serve ftgo.orders.main:app

Written once by restagen, then yours: wire your implementations' dependencies here.
"""

from __future__ import annotations

from restagen.runtime import Endpoint, load_config

from .app import create_app
from .impl.create_order import CreateOrderSaga
from .impl.order import OrderService

# The order service publishes events: they need a pubsub section (here in code; it can also come
# from [tool.restagen.pubsub] or RESTAGEN_PUBSUB__* variables).
endpoint = Endpoint(
    load_config(pubsub={"cluster": "ftgo", "default_stream": "orders", "sse": True})
)
app = create_app(order=OrderService, create_order=CreateOrderSaga, endpoint=endpoint)
