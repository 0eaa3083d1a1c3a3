"""The implementation of service accounting.

Written once by restagen from accounting.restagen.yaml, then yours: regenerating never
touches it.
"""

from __future__ import annotations

from decimal import Decimal

from ..contexts import AccountingContext
from ..errors import CardDeclined
from ..handlers import AccountingServiceBase
from ..models import AccountingReverseRequest, Authorization, AuthorizeRequest

CARD_LIMIT = Decimal("100")


class AccountingService(AccountingServiceBase):
    async def authorize(
        self, ctx: AccountingContext, request: AuthorizeRequest
    ) -> Authorization:
        if request.amount.amount > CARD_LIMIT:
            raise CardDeclined(reason=f"amount above the card limit of {CARD_LIMIT}")
        return Authorization(
            authorization_id=f"auth-{ctx.uuid().hex[:12]}",
            authorized_at=await ctx.now(),
        )

    async def reverse(
        self, ctx: AccountingContext, request: AccountingReverseRequest
    ) -> None:
        print(f"authorization of order {request.order_id} reversed")
