"""The implementation of object consumer: One consumer, keyed by consumer id.

Written once by restagen from consumers.restagen.yaml, then yours: regenerating never
touches it.
"""

from __future__ import annotations

from decimal import Decimal

from ..contexts import ConsumerContext, ConsumerSharedContext
from ..errors import ConsumerNotFound, ConsumerVerificationFailed
from ..handlers import ConsumerObjectBase
from ..models import Consumer, ValidateOrderRequest

ORDER_LIMIT = Decimal("500")


class ConsumerObject(ConsumerObjectBase):
    async def register(self, ctx: ConsumerContext, request: Consumer) -> Consumer:
        ctx.state.profile.set(request)
        ctx.state.orders.set([])
        return request

    async def get(self, ctx: ConsumerSharedContext) -> Consumer | None:
        return await ctx.state.profile.get()

    async def validate_order(
        self, ctx: ConsumerContext, request: ValidateOrderRequest
    ) -> None:
        if await ctx.state.profile.get() is None:
            raise ConsumerNotFound(consumer_id=ctx.key)
        if request.total.amount > ORDER_LIMIT:
            raise ConsumerVerificationFailed(
                consumer_id=ctx.key, reason=f"orders above {ORDER_LIMIT} need approval"
            )
        orders = await ctx.state.orders.get() or []
        ctx.state.orders.set([*orders, request.order_id])
