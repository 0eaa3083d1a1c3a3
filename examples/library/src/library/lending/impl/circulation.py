"""The implementation of service circulation: The circulation desk.

Written once by restagen, then yours: regenerating never touches it.
"""

from __future__ import annotations

from library.common.events import CommonEvents
from library.common.models import ItemReturned

from ..contexts import CirculationContext
from ..handlers import CirculationServiceBase
from ..models import ReturnRequest


class CirculationService(CirculationServiceBase):
    """Takes items back; the shelves, the member's record and billing hear of it."""

    def __init__(self, events: CommonEvents) -> None:
        self.events = events

    async def return_item(
        self, ctx: CirculationContext, request: ReturnRequest
    ) -> ItemReturned:
        late_days = max(0, (request.returned_on - request.due_on).days)
        returned = ItemReturned(
            loan_id=request.loan_id,
            item_id=request.item_id,
            member_id=request.member_id,
            late_days=late_days,
        )
        # Keyed by member: the member object hears of it under that key.
        await self.events.item_returned(returned, key=request.member_id)
        return returned
