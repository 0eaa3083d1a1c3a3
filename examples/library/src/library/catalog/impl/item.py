"""The implementation of object item: One item of the catalogue, keyed by its id.

Written once by restagen, then yours: regenerating never touches it.
"""

from __future__ import annotations

from restagen.runtime import HandlerNotImplemented

from ..contexts import ItemContext, ItemSharedContext
from ..handlers import ItemObjectBase
from ..models import Availability, CopyReserved, Item


class ItemObject(ItemObjectBase):
    async def add(self, ctx: ItemContext, request: Item) -> Item:
        raise HandlerNotImplemented("item.add")

    async def get(self, ctx: ItemSharedContext) -> Item:
        raise HandlerNotImplemented("item.get")

    async def availability(self, ctx: ItemSharedContext) -> Availability:
        raise HandlerNotImplemented("item.availability")

    async def reserve_copy(self, ctx: ItemContext, request: str) -> CopyReserved:
        raise HandlerNotImplemented("item.reserve_copy")

    async def release_copy(self, ctx: ItemContext, request: str) -> None:
        raise HandlerNotImplemented("item.release_copy")
