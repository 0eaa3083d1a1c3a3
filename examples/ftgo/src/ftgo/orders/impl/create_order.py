"""The implementation of saga create_order: Creates an order across consumers, kitchen
and accounting, or undoes it.

Written once by restagen, then yours: regenerating never touches it.
"""

from __future__ import annotations

from datetime import datetime

from restagen.runtime.sagas import SagaContext

from ftgo.accounting.models import (
    AccountingReverseRequest,
    Authorization,
    AuthorizeRequest,
)
from ftgo.consumers.models import ValidateOrderRequest
from ftgo.kitchen.models import (
    CreateTicketRequest,
    KitchenCancelTicketRequest,
    TicketCreated,
    TicketLineItem,
)

from ..models import (
    CreateOrderSagaData,
    OrderApproveRequest,
    OrderDetails,
    OrderRejectRequest,
)
from ..sagas import CreateOrderSagaBase


class CreateOrderSaga(CreateOrderSagaBase):
    async def create_pending_order_request(
        self, ctx: SagaContext, data: CreateOrderSagaData
    ) -> OrderDetails:
        return data.details

    async def create_pending_order_compensation(
        self, ctx: SagaContext, data: CreateOrderSagaData
    ) -> OrderRejectRequest:
        reason = ctx.failure.message if ctx.failure else "rolled back"
        data.rejection_reason = reason
        return OrderRejectRequest(order_id=data.order_id, reason=reason)

    async def verify_consumer_request(
        self, ctx: SagaContext, data: CreateOrderSagaData
    ) -> ValidateOrderRequest:
        return ValidateOrderRequest(order_id=data.order_id, total=data.details.total)

    async def create_ticket_request(
        self, ctx: SagaContext, data: CreateOrderSagaData
    ) -> CreateTicketRequest:
        return CreateTicketRequest(
            order_id=data.order_id,
            restaurant_id=data.details.restaurant_id,
            line_items=[
                TicketLineItem(menu_item_id=item.menu_item_id, quantity=item.quantity)
                for item in data.details.line_items
            ],
        )

    async def create_ticket_compensation(
        self, ctx: SagaContext, data: CreateOrderSagaData
    ) -> KitchenCancelTicketRequest:
        assert data.ticket_id is not None  # recorded when the ticket was created
        return KitchenCancelTicketRequest(ticket_id=data.ticket_id)

    async def record_ticket(
        self, ctx: SagaContext, data: CreateOrderSagaData, reply: TicketCreated
    ) -> None:
        data.ticket_id = reply.ticket_id

    async def authorize_card_request(
        self, ctx: SagaContext, data: CreateOrderSagaData
    ) -> AuthorizeRequest:
        return AuthorizeRequest(
            consumer_id=data.consumer_id,
            order_id=data.order_id,
            amount=data.details.total,
        )

    async def authorize_card_compensation(
        self, ctx: SagaContext, data: CreateOrderSagaData
    ) -> AccountingReverseRequest:
        return AccountingReverseRequest(
            authorization_id=data.authorization_id, order_id=data.order_id
        )

    async def record_authorization(
        self, ctx: SagaContext, data: CreateOrderSagaData, reply: Authorization
    ) -> None:
        data.authorization_id = reply.authorization_id

    async def wait_for_confirmation(
        self, ctx: SagaContext, data: CreateOrderSagaData
    ) -> None:
        # The restaurant confirms by resolving this awakeable with the time the order will
        # be ready (or rejects it, and the saga rolls back). Saving shows its id in `state`.
        awakeable_id, ready_by = ctx.awakeable(datetime)
        data.confirmation_id = awakeable_id
        ctx.save()
        data.ready_by = await ready_by

    async def approve_request(
        self, ctx: SagaContext, data: CreateOrderSagaData
    ) -> OrderApproveRequest:
        return OrderApproveRequest(order_id=data.order_id)
