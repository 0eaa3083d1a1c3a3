"""The implementation of workflow signup: Signs a consumer up once they click the link
in the e-mail.

Written once by restagen from consumers.restagen.yaml, then yours: regenerating never
touches it.
"""

from __future__ import annotations

from ..clients import ConsumerContextClient
from ..contexts import SignupContext, SignupSharedContext
from ..handlers import SignupWorkflowBase
from ..models import Consumer, SignupRequest


class SignupWorkflow(SignupWorkflowBase):
    async def run(self, ctx: SignupContext, request: SignupRequest) -> bool:
        # The workflow waits, durably, until the link in the e-mail is clicked.
        clicked_by = await ctx.promises.email_clicked.value()
        if clicked_by != request.email:
            return False
        consumers = ConsumerContextClient(ctx, key=str(request.consumer_id))
        await consumers.register(Consumer(name=request.name, email=request.email))
        return True

    async def click(self, ctx: SignupSharedContext, request: str) -> None:
        await ctx.promises.email_clicked.resolve(request)
