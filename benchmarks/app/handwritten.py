"""The baseline: the benchmark's services written by hand on restate-sdk, as its documentation shows.

The same handlers as the generated package `benchsvc` (see `bench.restagen.yaml`), under other
names (`hand_echo`, `hand_counter`, `hand_relay`) so that both can be registered with one server.
The SDK infers its pydantic serde from the annotations.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

import restate
from pydantic import BaseModel

__all__ = ["Greeting", "Order", "app", "counter", "echo", "relay"]


class Greeting(BaseModel):
    name: str
    count: int
    tags: list[str]


class Address(BaseModel):
    street: str
    city: str
    zip_code: str
    country: str


class LineItem(BaseModel):
    sku: str
    quantity: int
    price: Decimal
    note: str | None = None


class OrderStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    SHIPPED = "SHIPPED"
    CANCELLED = "CANCELLED"


class Order(BaseModel):
    order_id: UUID
    customer: str
    placed_at: datetime
    status: OrderStatus
    items: list[LineItem]
    delivery: Address
    billing: Address | None = None
    attributes: dict[str, str]
    total: Decimal
    express: bool


echo = restate.Service("hand_echo")


@echo.handler("echo")
async def echo_handler(ctx: restate.Context, request: Greeting) -> Greeting:
    return request


@echo.handler("place")
async def place(ctx: restate.Context, request: Order) -> Order:
    """Not called, as in the generated package: the same types and handlers, declared alike."""
    return request


counter = restate.VirtualObject("hand_counter")


@counter.handler("add")
async def add(ctx: restate.ObjectContext, amount: int) -> int:
    count = (await ctx.get("count", type_hint=int) or 0) + amount
    ctx.set("count", count)
    return count


relay = restate.Service("hand_relay")


@relay.handler("forward")
async def forward(ctx: restate.Context, request: Greeting) -> Greeting:
    return await ctx.service_call(echo_handler, arg=request)


app = restate.app([echo, counter, relay])
