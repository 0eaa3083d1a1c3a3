"""One Restate endpoint serving every package of the food-to-go example.

Each package also has its own `main.py` to deploy it alone; the demo runs them together.
"""

from __future__ import annotations

import restate

from ftgo.accounting import app as accounting
from ftgo.accounting.impl.accounting import AccountingService
from ftgo.consumers import app as consumers
from ftgo.consumers.impl.consumer import ConsumerObject
from ftgo.consumers.impl.signup import SignupWorkflow
from ftgo.kitchen import app as kitchen
from ftgo.kitchen.impl.kitchen import KitchenService
from ftgo.orders import app as orders
from ftgo.orders.impl.create_order import CreateOrderSaga
from ftgo.orders.impl.order import OrderService

app = restate.app(
    [
        *orders.components(order=OrderService(), create_order=CreateOrderSaga()),
        *consumers.components(consumer=ConsumerObject(), signup=SignupWorkflow()),
        *kitchen.components(kitchen=KitchenService()),
        *accounting.components(accounting=AccountingService()),
    ]
)
