"""The implementations of `futures.restagen.yaml`: each handler combines durable futures the way
a user would, with the names `restagen.runtime` exports."""

from __future__ import annotations

from datetime import timedelta

from futures import definitions
from futures.clients import WorkerContextClient
from futures.contexts import (
    ApprovalContext,
    ApprovalSharedContext,
    CounterContext,
    CounterSharedContext,
    FanoutContext,
    WorkerContext,
)
from futures.handlers import ApprovalWorkflowBase, CounterObjectBase, FanoutServiceBase, WorkerServiceBase
from futures.models import Metadata, Mode, Race

from restagen.runtime import DurableTimeout, Endpoint, gather, select

# The attempts of the flaky action of `metadata`, per invocation (one process serves them all).
ATTEMPTS: dict[str, int] = {}


class Worker(WorkerServiceBase):
    async def square(self, ctx: WorkerContext, request: int) -> int:
        return request * request

    async def slow(self, ctx: WorkerContext, request: int) -> int:
        await ctx.sleep(timedelta(milliseconds=request))
        return request

    async def resolve(self, ctx: WorkerContext, request: str) -> None:
        ctx.resolve_awakeable(request, "resolved", str)


class Fanout(FanoutServiceBase):
    async def squares(self, ctx: FanoutContext, request: int) -> list[int]:
        worker = WorkerContextClient(ctx)
        return list(await gather(*[worker.square(i) for i in range(request)]))

    async def race(self, ctx: FanoutContext, request: Race) -> str:
        awakeable_id, value = ctx.awakeable(str)
        if request.resolve:
            WorkerContextClient(ctx).send_resolve(awakeable_id)
        match await select(value=value, timeout=ctx.sleep(timedelta(milliseconds=request.timeout_ms))):
            case ("value", text):
                return f"awakeable {text}"
            case (name, _):
                return name

    async def timed_call(self, ctx: FanoutContext, request: int) -> str:
        call = WorkerContextClient(ctx).slow(request)
        try:
            return f"done {await call.timeout(timedelta(milliseconds=200))}"
        except DurableTimeout:
            await call.cancel()
            return f"timed out, cancelled {await call.invocation_id()}"

    async def metadata(self, ctx: FanoutContext) -> Metadata:
        worker = WorkerContextClient(ctx)
        call = worker.square(2)
        send = worker.send_square(3)

        def flaky() -> None:
            ATTEMPTS[ctx.invocation_id] = ATTEMPTS.get(ctx.invocation_id, 0) + 1
            if ATTEMPTS[ctx.invocation_id] < 3:
                raise RuntimeError("not yet")

        await ctx.run("flaky", flaky, max_attempts=5, initial_retry_interval=timedelta(milliseconds=10))
        return Metadata(
            invocation_id=ctx.invocation_id,
            idempotency_key=ctx.idempotency_key,
            attempt_headers=sorted(ctx.attempt_headers),
            call_id=await call.invocation_id(),
            send_id=await send.invocation_id(),
            retried=ATTEMPTS.pop(ctx.invocation_id),
        )


class Counter(CounterObjectBase):
    async def bump(self, ctx: CounterContext) -> int:
        count = await ctx.state.count.get() + 1
        ctx.state.count.set(count)
        return count

    async def keys(self, ctx: CounterSharedContext) -> list[str]:
        return sorted(await ctx.state_keys())

    async def mode(self, ctx: CounterSharedContext) -> Mode:
        return await ctx.state.mode.get()


class Approval(ApprovalWorkflowBase):
    async def run(self, ctx: ApprovalContext, request: int) -> str:
        check = WorkerContextClient(ctx).slow(request)
        name, value = await select(decision=ctx.promises.decision.value(), check=check)
        if name == "decision":
            await check.cancel()
        return f"{name} {value}"

    async def decide(self, ctx: ApprovalSharedContext, request: str) -> None:
        await ctx.promises.decision.resolve(request)


endpoint = Endpoint()
endpoint.bind(definitions.WORKER, Worker)
endpoint.bind(definitions.FANOUT, Fanout)
endpoint.bind(definitions.COUNTER, Counter)
endpoint.bind(definitions.APPROVAL, Approval)
app = endpoint.app()
