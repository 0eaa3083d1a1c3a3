"""The implementation of object member: One member, keyed by member id.

Written once by restagen, then yours: regenerating never touches it.
"""

from __future__ import annotations

from restagen.runtime import HandlerNotImplemented

from library.common.models import ItemBorrowed, ItemReturned

from ..contexts import MemberContext, MemberSharedContext
from ..handlers import MemberObjectBase
from ..models import Loan, Member


class MemberObject(MemberObjectBase):
    async def join(self, ctx: MemberContext, request: Member) -> Member:
        raise HandlerNotImplemented("member.join")

    async def profile(self, ctx: MemberSharedContext) -> Member:
        raise HandlerNotImplemented("member.profile")

    async def loans(self, ctx: MemberSharedContext) -> list[Loan]:
        raise HandlerNotImplemented("member.loans")

    async def history(self, ctx: MemberSharedContext) -> list[str]:
        raise HandlerNotImplemented("member.history")

    async def add_loan(self, ctx: MemberContext, request: Loan) -> None:
        raise HandlerNotImplemented("member.add_loan")

    async def remove_loan(self, ctx: MemberContext, request: str) -> None:
        raise HandlerNotImplemented("member.remove_loan")

    async def on_loan_event(
        self, ctx: MemberContext, request: ItemBorrowed | ItemReturned
    ) -> None:
        raise HandlerNotImplemented("member.on_loan_event")
