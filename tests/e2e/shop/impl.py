"""Implementations of the shop used by the end-to-end tests, served as `impl:app`."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

from restate.exceptions import TerminalError
from shop.app import create_app
from shop.clients import (
    CartContextClient,
    CatalogContextClient,
    CheckoutContextClient,
    InboxContextClient,
)
from shop.contexts import (
    CallerContext,
    CartContext,
    CartSharedContext,
    CatalogContext,
    CheckoutContext,
    CheckoutSharedContext,
    InboxContext,
    InboxSharedContext,
)
from shop.errors import OutOfStock
from shop.handlers import (
    CallerServiceBase,
    CartObjectBase,
    CatalogServiceBase,
    CheckoutWorkflowBase,
    InboxObjectBase,
)
from shop.models import ContextReport, Decision, Facts, Item

ATTEMPTS: Counter[str] = Counter()
"""Attempts of `flaky` per request, in this process: shows that Restate retried."""


class Catalog(CatalogServiceBase):
    async def price(self, ctx: CatalogContext, request: Item) -> Decimal:
        if request.sku == "none":
            raise OutOfStock(sku=request.sku, wanted=len(request.tags))
        return request.price * 2

    async def flaky(self, ctx: CatalogContext, request: str) -> int:
        ATTEMPTS[request] += 1
        if ATTEMPTS[request] < 3:
            raise RuntimeError(f"attempt {ATTEMPTS[request]} fails")
        return ATTEMPTS[request]

    async def facts(self, ctx: CatalogContext) -> Facts:
        async def lookup() -> Item:
            return Item(sku="journaled", price=Decimal("1.50"), tags=["run"])

        item = await ctx.run("lookup", lookup, Item)
        await ctx.sleep(timedelta(milliseconds=200))
        return Facts(
            invocation_id=ctx.invocation_id,
            header=ctx.headers.get("x-shop"),
            random_number=ctx.random().randint(1, 1000),
            now=await ctx.now(),
            run_result=item,
            slept_ms=200,
        )

    async def approval(self, ctx: CatalogContext, request: str) -> str:
        awakeable_id, decision = ctx.awakeable(str)
        await InboxContextClient(ctx, key=request).put(awakeable_id)
        try:
            return f"approved: {await decision}"
        except TerminalError as error:
            return f"rejected: {error.message}"

    async def decide(self, ctx: CatalogContext, request: Decision) -> None:
        if request.approve:
            ctx.resolve_awakeable(request.awakeable_id, "looks good", str)
        else:
            ctx.reject_awakeable(request.awakeable_id, request.reason or "no")


class Caller(CallerServiceBase):
    async def through_context(self, ctx: CallerContext, request: str) -> ContextReport:
        catalog = CatalogContextClient(ctx)
        price = await catalog.price(Item(sku="a", price=Decimal("2.25"), tags=[]))
        try:
            await catalog.price(Item(sku="none", price=Decimal("1"), tags=["x", "y"]))
            out_of_stock = "not raised"
        except OutOfStock as error:
            out_of_stock = f"{error.sku}/{error.wanted}"
        cart = CartContextClient(ctx, key=request)
        await cart.add(Item(sku="b", price=Decimal("1"), tags=[]), idempotency_key=f"{request}-once")
        await cart.add(Item(sku="b", price=Decimal("1"), tags=[]), idempotency_key=f"{request}-once")
        handle = cart.send_add(
            Item(sku="later", price=Decimal("1"), tags=[]), delay=timedelta(milliseconds=300)
        )
        checkout = CheckoutContextClient(ctx, key=f"{request}-checkout")
        run = checkout.submit("from a handler")
        await checkout.pay(Decimal("9.99"))
        return ContextReport(
            price=price,
            out_of_stock=out_of_stock,
            cart_count=await cart.count(),
            sent_invocation=await handle.invocation_id(),
            checkout=await run.attach(),
        )


class Cart(CartObjectBase):
    async def add(self, ctx: CartContext, request: Item) -> int:
        items = [*(await ctx.state.items.get() or []), request]
        ctx.state.items.set(items)
        ctx.state.adds.set((await ctx.state.adds.get() or 0) + 1)
        return len(items)

    async def count(self, ctx: CartSharedContext) -> int:
        return len(await ctx.state.items.get() or [])

    async def adds(self, ctx: CartSharedContext) -> int:
        return await ctx.state.adds.get() or 0

    async def clear(self, ctx: CartContext) -> None:
        ctx.clear_all_state()


class Inbox(InboxObjectBase):
    async def put(self, ctx: InboxContext, request: str) -> None:
        ctx.state.awakeable.set(request)

    async def get(self, ctx: InboxSharedContext) -> str | None:
        return await ctx.state.awakeable.get()


class Checkout(CheckoutWorkflowBase):
    async def run(self, ctx: CheckoutContext, request: str) -> str:
        if request == "out of stock":
            raise OutOfStock(sku="checkout", wanted=1)
        ctx.state.status.set("waiting for payment")
        paid = await ctx.promises.paid.value()
        ctx.state.status.set("paid")
        return f"{request}: paid {paid}"

    async def pay(self, ctx: CheckoutSharedContext, request: Decimal) -> None:
        await ctx.promises.paid.resolve(request)

    async def status(self, ctx: CheckoutSharedContext) -> str | None:
        return await ctx.state.status.get()


app = create_app(catalog=Catalog(), caller=Caller(), cart=Cart(), inbox=Inbox(), checkout=Checkout())
