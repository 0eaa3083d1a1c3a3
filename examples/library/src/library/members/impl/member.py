"""The implementation of object member: One member, keyed by member id.

Written once by restagen, then yours: regenerating never touches it.
"""

from __future__ import annotations

from library.common.models import ItemBorrowed, ItemReturned

from ..contexts import MemberContext, MemberSharedContext
from ..errors import LoanLimitReached, MemberNotFound
from ..handlers import MemberObjectBase
from ..models import Loan, Member


class MemberObject(MemberObjectBase):
    """A member's profile, the loans they have out, and what happened to them."""

    async def join(self, ctx: MemberContext, request: Member) -> Member:
        ctx.state.profile.set(request)
        return request

    async def profile(self, ctx: MemberSharedContext) -> Member:
        profile = await ctx.state.profile.get()
        if profile is None:
            raise MemberNotFound(member_id=ctx.key)
        return profile

    async def loans(self, ctx: MemberSharedContext) -> list[Loan]:
        return await ctx.state.loans.get() or []

    async def history(self, ctx: MemberSharedContext) -> list[str]:
        return await ctx.state.history.get()

    async def add_loan(self, ctx: MemberContext, request: Loan) -> None:
        profile = await ctx.state.profile.get()
        if profile is None:
            raise MemberNotFound(member_id=ctx.key)
        loans = await ctx.state.loans.get() or []
        if request in loans:
            return
        if len(loans) >= profile.max_loans:
            raise LoanLimitReached(member_id=ctx.key, max_loans=profile.max_loans)
        ctx.state.loans.set([*loans, request])

    async def remove_loan(self, ctx: MemberContext, request: str) -> None:
        loans = await ctx.state.loans.get() or []
        ctx.state.loans.set([loan for loan in loans if loan.loan_id != request])

    async def on_loan_event(
        self, ctx: MemberContext, request: ItemBorrowed | ItemReturned
    ) -> None:
        if isinstance(request, ItemBorrowed):
            entry = f"borrowed {request.item_id} until {request.due_on.isoformat()}"
        else:
            await self.remove_loan(ctx, request.loan_id)
            entry = f"returned {request.item_id}, {request.late_days} day(s) late"
        history = await ctx.state.history.get()
        ctx.state.history.set([*history, entry])
