"""Implementations of the `renamed` package: Python methods serving camelCase Restate handlers."""

from __future__ import annotations

from renamed.app import create_app
from renamed.contexts import (
    SignUpContext,
    SignUpSharedContext,
    SubscriptionsContext,
    UserAccountV2Context,
    UserAccountV2SharedContext,
)
from renamed.handlers import SignUpWorkflowBase, SubscriptionsServiceBase, UserAccountV2ObjectBase
from renamed.models import Plan


class Subscriptions(SubscriptionsServiceBase):
    added = 0

    async def add_plan(self, ctx: SubscriptionsContext, request: Plan) -> Plan:
        return Plan(planId=request.planId.upper(), seats=request.seats + 1)

    async def get_count(self, ctx: SubscriptionsContext) -> int:
        return 7


class UserAccount(UserAccountV2ObjectBase):
    async def bump_visits(self, ctx: UserAccountV2Context) -> int:
        visits = await ctx.state.visits.get() + 1
        ctx.state.visits.set(visits)
        return visits

    async def visit_count(self, ctx: UserAccountV2SharedContext) -> int:
        return await ctx.state.visits.get()


class SignUp(SignUpWorkflowBase):
    async def run(self, ctx: SignUpContext, request: str) -> str:
        return f"{request}: {await ctx.promises.confirmed.value()}"

    async def confirm_email(self, ctx: SignUpSharedContext, request: str) -> None:
        await ctx.promises.confirmed.resolve(request)


app = create_app(subscriptions=Subscriptions(), user_account_v2=UserAccount(), sign_up=SignUp())
