"""The implementation of saga lend: Lends a copy of an item to a member against a
deposit, or undoes it all.

Written once by restagen, then yours: regenerating never touches it.
"""

from __future__ import annotations

from restagen.runtime import HandlerNotImplemented
from restagen.runtime.saga import SagaContext

from library.billing.models import BillingRefundRequest, Charge, Receipt
from library.catalog.models import CopyReserved
from library.members.models import Loan

from ..models import LendData
from ..sagas import LendSagaBase


class LendSaga(LendSagaBase):
    async def reserve_copy_request(self, ctx: SagaContext, data: LendData) -> str:
        raise HandlerNotImplemented("lend.reserve_copy_request")

    async def reserve_copy_compensation(self, ctx: SagaContext, data: LendData) -> str:
        raise HandlerNotImplemented("lend.reserve_copy_compensation")

    async def record_copy(
        self, ctx: SagaContext, data: LendData, reply: CopyReserved
    ) -> None:
        raise HandlerNotImplemented("lend.record_copy")

    async def record_loan_request(self, ctx: SagaContext, data: LendData) -> Loan:
        raise HandlerNotImplemented("lend.record_loan_request")

    async def record_loan_compensation(self, ctx: SagaContext, data: LendData) -> str:
        raise HandlerNotImplemented("lend.record_loan_compensation")

    async def take_deposit_request(self, ctx: SagaContext, data: LendData) -> Charge:
        raise HandlerNotImplemented("lend.take_deposit_request")

    async def take_deposit_compensation(
        self, ctx: SagaContext, data: LendData
    ) -> BillingRefundRequest:
        raise HandlerNotImplemented("lend.take_deposit_compensation")

    async def record_receipt(
        self, ctx: SagaContext, data: LendData, reply: Receipt
    ) -> None:
        raise HandlerNotImplemented("lend.record_receipt")

    async def set_due_date(self, ctx: SagaContext, data: LendData) -> None:
        raise HandlerNotImplemented("lend.set_due_date")
