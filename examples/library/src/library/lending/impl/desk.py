"""The implementation of service desk: The circulation desk.

Written once by restagen, then yours: regenerating never touches it.
"""

from __future__ import annotations

from restagen.runtime import HandlerNotImplemented

from library.common.models import ItemReturned

from ..contexts import DeskContext
from ..handlers import DeskServiceBase
from ..models import ReturnRequest


class DeskService(DeskServiceBase):
    async def return_item(
        self, ctx: DeskContext, request: ReturnRequest
    ) -> ItemReturned:
        raise HandlerNotImplemented("desk.return_item")
