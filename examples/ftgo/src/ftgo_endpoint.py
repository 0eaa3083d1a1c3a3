"""One Restate endpoint serving every package of the food-to-go example.

Each package also has its own `main.py` to deploy it alone; the demo runs them together.
"""

from __future__ import annotations

from restagen.runtime.endpoint import Endpoint

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

endpoint = Endpoint()
bind_orders(endpoint, order=OrderService, create_order=CreateOrderSaga)
bind_consumers(endpoint, consumer=ConsumerObject, signup=SignupWorkflow)
bind_kitchen(endpoint, kitchen=KitchenService)
bind_accounting(endpoint, accounting=AccountingService)
app = endpoint.app()
