"""The endpoint of the saga benchmark: the generated saga, the same saga written on the plain
restate-sdk, and the participant both call. Served as `endpoint:app` with the generated package
`sagabench` importable.

The plain saga does what the generated one does, step for step: it keeps the same state (status,
current step, completed steps, data) in workflow state, saves it at the same points, calls the
same participant handlers durably, records each reply in the data, and compensates the completed
steps in reverse order on a terminal error. Only the plumbing differs.
"""

from __future__ import annotations

from typing import Any

import restate
from pydantic import BaseModel
from restate.exceptions import TerminalError
from restate.serde import PydanticJsonSerde
from sagabench.app import bind_components
from sagabench.contexts import ParticipantContext
from sagabench.handlers import ParticipantServiceBase
from sagabench.models import Done, OrderData, Work
from sagabench.sagas import PlaceOrderSagaBase

from restagen.runtime import Endpoint
from restagen.runtime.sagas import SagaContext


class Participant(ParticipantServiceBase):
    async def apply(self, ctx: ParticipantContext, request: Work) -> Done:
        return Done(ref=f"{request.step}-{request.order_id}")

    async def undo(self, ctx: ParticipantContext, request: Work) -> None:
        pass


class PlaceOrder(PlaceOrderSagaBase):
    async def reserve_request(self, ctx: SagaContext, data: OrderData) -> Work:
        return Work(order_id=data.order_id, step="reserve")

    async def reserve_compensation(self, ctx: SagaContext, data: OrderData) -> Work:
        return Work(order_id=data.order_id, step="reserve")

    async def record_reserve(self, ctx: SagaContext, data: OrderData, reply: Done) -> None:
        data.refs.append(reply.ref)

    async def charge_request(self, ctx: SagaContext, data: OrderData) -> Work:
        return Work(order_id=data.order_id, step="charge")

    async def charge_compensation(self, ctx: SagaContext, data: OrderData) -> Work:
        return Work(order_id=data.order_id, step="charge")

    async def record_charge(self, ctx: SagaContext, data: OrderData, reply: Done) -> None:
        data.refs.append(reply.ref)

    async def ship_request(self, ctx: SagaContext, data: OrderData) -> Work:
        return Work(order_id=data.order_id, step="ship")

    async def ship_compensation(self, ctx: SagaContext, data: OrderData) -> Work:
        return Work(order_id=data.order_id, step="ship")

    async def record_ship(self, ctx: SagaContext, data: OrderData, reply: Done) -> None:
        data.refs.append(reply.ref)

    async def notify_request(self, ctx: SagaContext, data: OrderData) -> Work:
        return Work(order_id=data.order_id, step="notify")

    async def record_notify(self, ctx: SagaContext, data: OrderData, reply: Done) -> None:
        data.refs.append(reply.ref)


# -- the same saga on the plain restate-sdk ------------------------------------------------------


class PlainState(BaseModel):
    saga_id: str
    status: str = "RUNNING"
    current_step: str | None = None
    completed_steps: list[str] = []
    compensated_steps: list[str] = []
    last_error: str | None = None
    data: OrderData


plain = restate.Workflow("plain_place_order")
STATE = PydanticJsonSerde(PlainState)
STEPS = (("reserve", True), ("charge", True), ("ship", True), ("notify", False))


async def _apply(ctx: restate.WorkflowContext, work: Work) -> Done:
    body = await ctx.generic_call("participant", "apply", work.model_dump_json().encode())
    return Done.model_validate_json(body)


@plain.main()
async def run(ctx: restate.WorkflowContext, data: OrderData) -> PlainState:
    state = PlainState(saga_id=ctx.key(), data=data)
    ctx.set("saga", state, serde=STATE)
    try:
        for step, _ in STEPS:
            state.current_step = step
            ctx.set("saga", state, serde=STATE)
            reply = await _apply(ctx, Work(order_id=data.order_id, step=step))
            state.completed_steps.append(step)
            data.refs.append(reply.ref)
    except TerminalError as error:
        state.last_error = error.message
        state.status = "COMPENSATING"
        ctx.set("saga", state, serde=STATE)
        for step, compensable in reversed(STEPS):
            if compensable and step in state.completed_steps:
                state.current_step = step
                ctx.set("saga", state, serde=STATE)
                undo = Work(order_id=data.order_id, step=step).model_dump_json().encode()
                await ctx.generic_call("participant", "undo", undo)
                state.compensated_steps.append(step)
        state.status = "ROLLED_BACK"
    else:
        state.status = "SUCCEEDED"
    state.current_step = None
    ctx.set("saga", state, serde=STATE)
    return state


@plain.handler()
async def state(ctx: restate.WorkflowSharedContext) -> Any:
    return await ctx.get("saga", serde=STATE)


endpoint = bind_components(Endpoint(), participant=Participant(), place_order=PlaceOrder())
app = restate.app([*endpoint.components(), plain])
