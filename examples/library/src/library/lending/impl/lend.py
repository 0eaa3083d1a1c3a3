"""The implementation of saga lend: Lends a copy of an item to a member against a
deposit, or undoes it all.

Written once by restagen, then yours: regenerating never touches it.
"""

from __future__ import annotations

from datetime import timedelta

from restagen.runtime.sagas import SagaContext

from library.billing.models import BillingRefundRequest, Charge, Receipt
from library.catalog.models import CopyReserved, LoanType
from library.common.events import CommonEvents
from library.common.models import ItemBorrowed, Period
from library.members.models import Loan

from ..models import LendData
from ..sagas import LendSagaBase

LOAN_PERIODS = {LoanType.SHORT: timedelta(days=7)}
STANDARD_LOAN = timedelta(days=21)


class LendSaga(LendSagaBase):
    """Each participant hears of the loan under its id; undoing a step names it too."""

    def __init__(self, events: CommonEvents) -> None:
        self.events = events

    async def reserve_copy_request(self, ctx: SagaContext, data: LendData) -> str:
        return data.loan_id

    async def reserve_copy_compensation(self, ctx: SagaContext, data: LendData) -> str:
        return data.loan_id

    async def record_copy(
        self, ctx: SagaContext, data: LendData, reply: CopyReserved
    ) -> None:
        data.type = reply.type

    async def record_loan_request(self, ctx: SagaContext, data: LendData) -> Loan:
        return Loan(loan_id=data.loan_id, item_id=data.item_id)

    async def record_loan_compensation(self, ctx: SagaContext, data: LendData) -> str:
        return data.loan_id

    async def take_deposit_request(self, ctx: SagaContext, data: LendData) -> Charge:
        return Charge(
            member_id=data.member_id, reference=data.loan_id, amount=data.deposit
        )

    async def take_deposit_compensation(
        self, ctx: SagaContext, data: LendData
    ) -> BillingRefundRequest:
        assert data.receipt_id is not None  # recorded when the deposit was taken
        return BillingRefundRequest(receipt_id=data.receipt_id, reference=data.loan_id)

    async def record_receipt(
        self, ctx: SagaContext, data: LendData, reply: Receipt
    ) -> None:
        data.receipt_id = reply.receipt_id

    async def set_due_date(self, ctx: SagaContext, data: LendData) -> None:
        today = (await ctx.now()).date()
        length = LOAN_PERIODS.get(data.type or LoanType.STANDARD, STANDARD_LOAN)
        data.loan = Period(from_=today, until=today + length)

    async def on_succeeded(self, ctx: SagaContext, data: LendData) -> None:
        assert data.loan is not None  # set by the last step
        borrowed = ItemBorrowed(
            loan_id=data.loan_id,
            item_id=data.item_id,
            member_id=data.member_id,
            due_on=data.loan.until,
        )
        await self.events.item_borrowed(borrowed, key=data.member_id)
