"""The implementation of service shelving: Shelves what comes back.

Written once by restagen, then yours: regenerating never touches it.
"""

from __future__ import annotations

from restagen.runtime import HandlerNotImplemented

from library.common.models import ItemReturned

from ..contexts import ShelvingContext
from ..handlers import ShelvingServiceBase


class ShelvingService(ShelvingServiceBase):
    async def on_item_returned(
        self, ctx: ShelvingContext, request: ItemReturned
    ) -> None:
        raise HandlerNotImplemented("shelving.on_item_returned")
