"""The implementation of service billing: Takes and gives back money; every call
is audited.

Written once by restagen, then yours: regenerating never touches it.
"""

from __future__ import annotations

from decimal import Decimal

from library.common.models import ItemReturned, Money

from ..clients import AccountContextClient
from ..contexts import BillingContext
from ..errors import PaymentDeclined
from ..handlers import BillingServiceBase
from ..models import AccountAddReturnRequest, BillingRefundRequest, Charge, Receipt

DEPOSIT_LIMIT = Decimal("50")
FEE_PER_DAY = Money(amount=Decimal("0.20"))


class BillingService(BillingServiceBase):
    async def charge(self, ctx: BillingContext, request: Charge) -> Receipt:
        if request.amount.amount > DEPOSIT_LIMIT:
            raise PaymentDeclined(
                member_id=request.member_id,
                reason=f"deposits above {DEPOSIT_LIMIT} {request.amount.currency} "
                "are paid at the desk",
            )
        return Receipt(
            receipt_id=f"receipt-{ctx.uuid().hex[:12]}",
            amount=request.amount,
            charged_at=await ctx.now(),
        )

    async def refund(self, ctx: BillingContext, request: BillingRefundRequest) -> None:
        print(f"refunded {request.receipt_id} ({request.reference})")

    async def on_item_returned(
        self, ctx: BillingContext, request: ItemReturned
    ) -> None:
        account = AccountContextClient(ctx, key=request.member_id)
        await account.add_return(
            AccountAddReturnRequest(
                late_days=request.late_days, fee_per_day=FEE_PER_DAY
            )
        )
