"""The implementation of object account: The late fees of one member, keyed by member id.

Written once by restagen, then yours: regenerating never touches it.
"""

from __future__ import annotations

from decimal import Decimal

from library.common.models import Money

from ..contexts import AccountContext, AccountSharedContext
from ..handlers import AccountObjectBase
from ..models import AccountAddReturnRequest, Statement


class AccountObject(AccountObjectBase):
    async def add_return(
        self, ctx: AccountContext, request: AccountAddReturnRequest
    ) -> None:
        fees = await ctx.state.late_fees.get() or Money(amount=Decimal(0))
        fee = request.fee_per_day.amount * request.late_days
        ctx.state.late_fees.set(fees.model_copy(update={"amount": fees.amount + fee}))
        ctx.state.returns.set(await ctx.state.returns.get() + 1)

    async def statement(self, ctx: AccountSharedContext) -> Statement:
        return Statement(
            returns=await ctx.state.returns.get(),
            late_fees=await ctx.state.late_fees.get() or Money(amount=Decimal(0)),
        )
