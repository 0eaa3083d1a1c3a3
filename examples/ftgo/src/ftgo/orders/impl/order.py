"""The implementation of service order: Creates and tracks orders.

Written once by restagen from orders.restagen.yaml, then yours: regenerating never
touches it.
"""

from __future__ import annotations

from ftgo.consumers.clients import ConsumerContextClient
from ftgo.consumers.models import ValidateOrderRequest
from ftgo.kitchen.models import TicketCreated

from ..contexts import (
    OrderContext,
)
from ..errors import InvalidOrder, OrderNotFound
from ..handlers import OrderServiceBase
from ..models import Order, OrderApproveRequest, OrderDetails, OrderRejectRequest


class OrderService(OrderServiceBase):
    async def create(self, ctx: OrderContext, request: OrderDetails) -> Order:
        if not request.line_items:
            raise InvalidOrder(reason="an order needs at least one line item")
        order_id = f"order-{ctx.uuid().hex[:12]}"
        consumer = ConsumerContextClient(ctx, key=str(request.consumer_id))
        await consumer.validate_order(
            ValidateOrderRequest(order_id=order_id, total=request.total)
        )
        return Order(order_id=order_id, details=request)

    async def approve(self, ctx: OrderContext, request: OrderApproveRequest) -> None:
        print(f"order {request.order_id} approved")

    async def reject(self, ctx: OrderContext, request: OrderRejectRequest) -> None:
        print(f"order {request.order_id} rejected: {request.reason}")

    async def get(self, ctx: OrderContext, request: str) -> Order:
        # Orders are not stored by this stateless service (the saga keeps them).
        raise OrderNotFound(order_id=request)

    async def on_ticket_created(
        self, ctx: OrderContext, request: TicketCreated
    ) -> None:
        print(f"ticket {request.ticket_id} created for order {request.order_id}")
