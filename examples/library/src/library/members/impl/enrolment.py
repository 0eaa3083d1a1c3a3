"""The implementation of workflow enrolment: Enrols a new member once they confirm their
e-mail address.

Written once by restagen, then yours: regenerating never touches it.
"""

from __future__ import annotations

from restagen.runtime import HandlerNotImplemented

from ..contexts import EnrolmentContext, EnrolmentSharedContext
from ..handlers import EnrolmentWorkflowBase
from ..models import Application, EnrolmentStatus, MembershipCard


class EnrolmentWorkflow(EnrolmentWorkflowBase):
    async def run(
        self, ctx: EnrolmentContext, request: Application
    ) -> MembershipCard | None:
        raise HandlerNotImplemented("enrolment.run")

    async def confirm(self, ctx: EnrolmentSharedContext, request: str) -> None:
        raise HandlerNotImplemented("enrolment.confirm")

    async def status(self, ctx: EnrolmentSharedContext) -> EnrolmentStatus | None:
        raise HandlerNotImplemented("enrolment.status")
