"""The endpoint of package ftgo.orders: serve it with

    restagen serve ftgo.orders.main:app

Written once by restagen, then yours: wire your implementations' dependencies here.
"""

from __future__ import annotations

from .app import create_app
from .impl.create_order import CreateOrderSaga
from .impl.order import OrderService

app = create_app(order=OrderService(), create_order=CreateOrderSaga())
