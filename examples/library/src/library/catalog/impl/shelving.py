"""The implementation of service shelving: Shelves what comes back.

Written once by restagen, then yours: regenerating never touches it.
"""

from __future__ import annotations

from library.common.models import ItemReturned

from ..clients import ItemContextClient
from ..contexts import ShelvingContext
from ..handlers import ShelvingServiceBase


class ShelvingService(ShelvingServiceBase):
    async def on_item_returned(
        self, ctx: ShelvingContext, request: ItemReturned
    ) -> None:
        item = ItemContextClient(ctx, key=request.item_id)
        await item.release_copy(request.loan_id)
