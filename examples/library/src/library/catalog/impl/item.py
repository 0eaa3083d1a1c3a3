"""The implementation of object item: One item of the catalogue, keyed by its id.

Written once by restagen, then yours: regenerating never touches it.
"""

from __future__ import annotations

from ..contexts import ItemContext, ItemSharedContext
from ..errors import ItemNotFound, NoCopyAvailable, NotLendable
from ..handlers import ItemObjectBase
from ..models import Availability, CopyReserved, Item, LoanType


class ItemObject(ItemObjectBase):
    """Keeps the item's record and the loans its copies are out on."""

    async def add(self, ctx: ItemContext, request: Item) -> Item:
        ctx.state.record.set(request)
        return request

    async def get(self, ctx: ItemSharedContext) -> Item:
        record = await ctx.state.record.get()
        if record is None:
            raise ItemNotFound(item_id=ctx.key)
        return record

    async def availability(self, ctx: ItemSharedContext) -> Availability:
        record = await ctx.state.record.get()
        if record is None:
            raise ItemNotFound(item_id=ctx.key)
        on_loan = len(await ctx.state.on_loan.get() or [])
        return Availability(item_id=ctx.key, copies=record.copies, on_loan=on_loan)

    async def reserve_copy(self, ctx: ItemContext, request: str) -> CopyReserved:
        record = await ctx.state.record.get()
        if record is None:
            raise ItemNotFound(item_id=ctx.key)
        if record.type is LoanType.REFERENCE:
            raise NotLendable(item_id=ctx.key, type=record.type)
        on_loan = await ctx.state.on_loan.get() or []
        if request not in on_loan:  # a loan reserves one copy, however often it asks
            if len(on_loan) >= record.copies:
                raise NoCopyAvailable(item_id=ctx.key, copies=record.copies)
            on_loan = [*on_loan, request]
            ctx.state.on_loan.set(on_loan)
        return CopyReserved(
            item_id=ctx.key, type=record.type, left=record.copies - len(on_loan)
        )

    async def release_copy(self, ctx: ItemContext, request: str) -> None:
        on_loan = await ctx.state.on_loan.get() or []
        ctx.state.on_loan.set([loan for loan in on_loan if loan != request])
