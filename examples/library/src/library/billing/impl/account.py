"""The implementation of object account: The late fees of one member, keyed by
member id.

Written once by restagen, then yours: regenerating never touches it.
"""

from __future__ import annotations

from restagen.runtime import HandlerNotImplemented

from ..contexts import AccountContext, AccountSharedContext
from ..handlers import AccountObjectBase
from ..models import AccountAddReturnRequest, Statement


class AccountObject(AccountObjectBase):
    async def add_return(
        self, ctx: AccountContext, request: AccountAddReturnRequest
    ) -> None:
        raise HandlerNotImplemented("account.add_return")

    async def statement(self, ctx: AccountSharedContext) -> Statement:
        raise HandlerNotImplemented("account.statement")
