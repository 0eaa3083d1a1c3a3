"""The implementation of service billing: Takes and gives back money; every call
is audited.

Written once by restagen, then yours: regenerating never touches it.
"""

from __future__ import annotations

from restagen.runtime import HandlerNotImplemented

from library.common.models import ItemReturned

from ..contexts import BillingContext
from ..handlers import BillingServiceBase
from ..models import BillingRefundRequest, Charge, Receipt


class BillingService(BillingServiceBase):
    async def charge(self, ctx: BillingContext, request: Charge) -> Receipt:
        raise HandlerNotImplemented("billing.charge")

    async def refund(self, ctx: BillingContext, request: BillingRefundRequest) -> None:
        raise HandlerNotImplemented("billing.refund")

    async def on_item_returned(
        self, ctx: BillingContext, request: ItemReturned
    ) -> None:
        raise HandlerNotImplemented("billing.on_item_returned")
