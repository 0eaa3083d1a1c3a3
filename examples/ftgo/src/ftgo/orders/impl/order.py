"""The implementation of service order: Creates and tracks orders.

Written once by restagen from orders.restagen.yaml, then yours: regenerating never
touches it.
"""

from __future__ import annotations

from ftgo.consumers.clients import ConsumerContextClient
from ftgo.consumers.models import ValidateOrderRequest
from ftgo.kitchen.models import TicketCreated

from ..contexts import OrderContext
from ..errors import InvalidOrder, OrderNotFound
from ..events import OrdersEvents
from ..handlers import OrderServiceBase
from ..models import (
    Order,
    OrderApproved,
    OrderApproveRequest,
    OrderCreated,
    OrderDetails,
    OrderRejected,
    OrderRejectRequest,
)


class OrderService(OrderServiceBase):
    """Publishes what happens to orders (to SSE too: the dashboard shows them)."""

    def __init__(self, events: OrdersEvents) -> None:
        self.events = events

    async def create(self, ctx: OrderContext, request: OrderDetails) -> Order:
        if not request.line_items:
            raise InvalidOrder(reason="an order needs at least one line item")
        order_id = f"order-{ctx.uuid().hex[:12]}"
        consumer = ConsumerContextClient(ctx, key=str(request.consumer_id))
        await consumer.validate_order(
            ValidateOrderRequest(order_id=order_id, total=request.total)
        )
        await self.events.order_created(
            OrderCreated(order_id=order_id, details=request)
        )
        return Order(order_id=order_id, details=request)

    async def approve(self, ctx: OrderContext, request: OrderApproveRequest) -> None:
        await self.events.order_approved(OrderApproved(order_id=request.order_id))

    async def reject(self, ctx: OrderContext, request: OrderRejectRequest) -> None:
        await self.events.order_rejected(
            OrderRejected(order_id=request.order_id, reason=request.reason)
        )

    async def get(self, ctx: OrderContext, request: str) -> Order:
        # Orders are not stored by this stateless service (the saga keeps them).
        raise OrderNotFound(order_id=request)

    async def on_ticket_created(
        self, ctx: OrderContext, request: TicketCreated
    ) -> None:
        print(f"ticket {request.ticket_id} created for order {request.order_id}")
