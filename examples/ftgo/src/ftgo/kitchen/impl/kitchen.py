"""The implementation of service kitchen.

Written once by restagen from kitchen.restagen.yaml, then yours: regenerating never
touches it.
"""

from __future__ import annotations

from ..contexts import KitchenContext
from ..errors import RestaurantClosed
from ..handlers import KitchenServiceBase
from ..models import (
    CreateTicketRequest,
    KitchenCancelTicketRequest,
    KitchenConfirmTicketRequest,
    TicketCreated,
)

CLOSED = {"closed-for-holidays"}


class KitchenService(KitchenServiceBase):
    async def create_ticket(
        self, ctx: KitchenContext, request: CreateTicketRequest
    ) -> TicketCreated:
        if request.restaurant_id in CLOSED:
            raise RestaurantClosed(restaurant_id=request.restaurant_id)
        return TicketCreated(
            ticket_id=f"ticket-{request.order_id}", order_id=request.order_id
        )

    async def cancel_ticket(
        self, ctx: KitchenContext, request: KitchenCancelTicketRequest
    ) -> None:
        print(f"ticket {request.ticket_id} cancelled")

    async def confirm_ticket(
        self, ctx: KitchenContext, request: KitchenConfirmTicketRequest
    ) -> None:
        print(f"ticket {request.ticket_id} ready by {request.ready_by:%H:%M}")
