"""The implementation of workflow enrolment: Enrols a new member once they confirm their
e-mail address.

Written once by restagen, then yours: regenerating never touches it.
"""

from __future__ import annotations

from datetime import timedelta

from library.common.models import Period

from ..clients import MemberContextClient
from ..contexts import EnrolmentContext, EnrolmentSharedContext
from ..handlers import EnrolmentWorkflowBase
from ..models import Application, EnrolmentStatus, Member, MembershipCard

MEMBERSHIP = timedelta(days=365)


class EnrolmentWorkflow(EnrolmentWorkflowBase):
    """Keyed by the new member's id; the member confirms from the address they gave."""

    async def run(
        self, ctx: EnrolmentContext, request: Application
    ) -> MembershipCard | None:
        ctx.state.status.set(EnrolmentStatus.AWAITING_CONFIRMATION)
        # The run waits, durably, for the link in the e-mail to be followed.
        confirmed_from = await ctx.promises.email_confirmed.value()
        if confirmed_from != request.email:
            ctx.state.status.set(EnrolmentStatus.REFUSED)
            return None
        today = (await ctx.now()).date()
        valid = Period(from_=today, until=today + MEMBERSHIP)
        member = Member(
            name=request.name,
            email=request.email,
            class_=request.class_,
            membership=valid,
        )
        await MemberContextClient(ctx, key=ctx.key).join(member)
        ctx.state.status.set(EnrolmentStatus.ENROLLED)
        return MembershipCard(member_id=ctx.key, class_=request.class_, valid=valid)

    async def confirm(self, ctx: EnrolmentSharedContext, request: str) -> None:
        await ctx.promises.email_confirmed.resolve(request)

    async def status(self, ctx: EnrolmentSharedContext) -> EnrolmentStatus | None:
        return await ctx.state.status.get()
