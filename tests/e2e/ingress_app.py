"""A small hand-written app for the ingress end-to-end tests, served as `ingress_app:app`.

Written the way generated code is, without the generator: pydantic models, a declared error,
one `ComponentSpec` per component with `JsonCodec`s, and implementations bound with `bind`.
A service (`pricing`), a virtual object (`tally`) and a workflow (`approval`), whose run of a
subject named `hold...` waits on an awakeable instead of its promise (and records a cancellation).
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import restate
from pydantic import BaseModel
from restate.exceptions import TerminalError

from restagen.runtime import ComponentSpec, DeclaredError, HandlerSpec, JsonCodec
from restagen.runtime._endpoint.binding import bind


class Order(BaseModel):
    sku: str
    quantity: int


class OutOfStockDetails(BaseModel):
    sku: str
    wanted: int


class OutOfStock(DeclaredError):
    code = 409
    details_model = OutOfStockDetails
    sku: str
    wanted: int

    def __init__(self, *, sku: str, wanted: int) -> None:
        self.sku = sku
        self.wanted = wanted
        super().__init__(OutOfStockDetails.model_validate({"sku": sku, "wanted": wanted}))


ORDER = JsonCodec[Order](Order)
INT = JsonCodec[int](int)
STR = JsonCodec[str](str)

QUOTE = HandlerSpec[Order, int]("pricing", "quote", None, ORDER, INT, errors=(OutOfStock,))
FLAKY = HandlerSpec[str, int]("pricing", "flaky", None, STR, INT)
NAP = HandlerSpec[int, int]("pricing", "nap", None, INT, INT)
TOUCH = HandlerSpec[None, None]("pricing", "touch", None, None, None)
PRICING = ComponentSpec("service", "pricing", (QUOTE, FLAKY, NAP, TOUCH))

ADD = HandlerSpec[int, int]("tally", "add", "exclusive", INT, INT)
TOTAL = HandlerSpec[None, int]("tally", "total", "shared", None, INT)
RUNS = HandlerSpec[None, int]("tally", "runs", "shared", None, INT)
TALLY = ComponentSpec("object", "tally", (ADD, TOTAL, RUNS))

RUN = HandlerSpec[str, str]("approval", "run", "workflow", STR, STR, errors=(OutOfStock,))
DECIDE = HandlerSpec[str, None]("approval", "decide", "shared", STR, None)
STATUS = HandlerSpec[None, str]("approval", "status", "shared", None, STR)
AWAKEABLE = HandlerSpec[None, str]("approval", "awakeable", "shared", None, STR)
APPROVAL = ComponentSpec("workflow", "approval", (RUN, DECIDE, STATUS, AWAKEABLE))

ATTEMPTS: Counter[str] = Counter()
"""Attempts of `flaky` per request, in this process: shows that Restate retried."""


class Pricing:
    async def quote(self, ctx: restate.Context, order: Order) -> int:
        if order.sku == "none":
            raise OutOfStock(sku=order.sku, wanted=order.quantity)
        return order.quantity * 3

    async def flaky(self, ctx: restate.Context, name: str) -> int:
        ATTEMPTS[name] += 1
        if ATTEMPTS[name] < 3:
            raise RuntimeError(f"attempt {ATTEMPTS[name]} of {name} fails")
        return ATTEMPTS[name]

    async def nap(self, ctx: restate.Context, millis: int) -> int:
        await ctx.sleep(timedelta(milliseconds=millis))
        return millis

    async def touch(self, ctx: restate.Context) -> None:
        return None


class Tally:
    async def add(self, ctx: restate.ObjectContext, amount: int) -> int:
        total = (await ctx.get("total", INT) or 0) + amount
        ctx.set("total", total, INT)
        ctx.set("runs", (await ctx.get("runs", INT) or 0) + 1, INT)
        return total

    async def total(self, ctx: restate.ObjectSharedContext) -> int:
        return await ctx.get("total", INT) or 0

    async def runs(self, ctx: restate.ObjectSharedContext) -> int:
        return await ctx.get("runs", INT) or 0


class Approval:
    async def run(self, ctx: restate.WorkflowContext, subject: str) -> str:
        if subject == "none":
            raise OutOfStock(sku=subject, wanted=0)
        if subject.startswith("hold"):
            return await self._hold(ctx, subject)
        ctx.set("status", "waiting", STR)
        decision = await ctx.promise("decision", STR).value()
        ctx.set("status", "decided", STR)
        return f"{subject}: {decision}"

    async def _hold(self, ctx: restate.WorkflowContext, subject: str) -> str:
        """Wait on an awakeable; a cancellation is recorded before the run ends (a kill is not)."""
        name, value = ctx.awakeable(STR)
        ctx.set("awakeable", name, STR)
        ctx.set("status", "holding", STR)
        try:
            return f"{subject}: {await value}"
        except TerminalError:
            ctx.set("status", "cancelled", STR)
            raise

    async def awakeable(self, ctx: restate.WorkflowSharedContext) -> str:
        return await ctx.get("awakeable", STR) or ""

    async def decide(self, ctx: restate.WorkflowSharedContext, decision: str) -> None:
        await ctx.promise("decision", STR).resolve(decision)

    async def status(self, ctx: restate.WorkflowSharedContext) -> str:
        return await ctx.get("status", STR) or "unknown"


app = restate.app([bind(PRICING, Pricing()), bind(TALLY, Tally()), bind(APPROVAL, Approval())])
