"""Implementations of the trip saga and its participants, served as `impl:app` by the saga tests.

The ledger object counts, in its state, each application (`apply:<trip>:<item>`) and each undo
(`undo:<trip>:<item>`) of every trip: the tests read the counts to prove exactly-once effects.
An undo fails terminally `undo_failures` times before it succeeds (its attempts are counted too).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from restate.exceptions import TerminalError
from trip.app import create_app
from trip.contexts import AgencyContext, LedgerContext, LedgerSharedContext, NotifierContext
from trip.errors import CardDeclined, Fraud
from trip.handlers import AgencyServiceBase, LedgerObjectBase, NotifierServiceBase
from trip.models import Booking, Entry, TripData
from trip.sagas import BookTripSagaBase, BookTripSagaContextClient

from restagen.runtime.sagas import SagaContext, SagaRejected


class Ledger(LedgerObjectBase):
    async def _count(self, ctx: LedgerContext, name: str) -> int:
        counts = await ctx.state.counts.get() or {}
        counts[name] = counts.get(name, 0) + 1
        ctx.state.counts.set(counts)
        return counts[name]

    async def apply(self, ctx: LedgerContext, request: Entry) -> Booking:
        if request.delay_ms:
            await asyncio.sleep(request.delay_ms / 1000)  # a window for a crash, not journaled
        if request.decline:
            raise CardDeclined(reason="over the limit")
        if request.fraud:
            raise Fraud(reason="stolen card")
        await self._count(ctx, f"apply:{request.trip_id}:{request.item}")
        trace = ctx.headers.get("x-trace")  # propagated from the saga's start, when configured
        return Booking(ref=f"{request.item}-{request.trip_id}" + (f"@{trace}" if trace else ""))

    async def undo(self, ctx: LedgerContext, request: Entry) -> None:
        if request.delay_ms:
            await asyncio.sleep(request.delay_ms / 1000)
        attempt = await self._count(ctx, f"undo-attempt:{request.trip_id}:{request.item}")
        if attempt <= request.undo_failures:
            raise TerminalError(f"undo of {request.item} refused (attempt {attempt})", status_code=503)
        await self._count(ctx, f"undo:{request.trip_id}:{request.item}")

    async def counts(self, ctx: LedgerSharedContext) -> dict[str, int]:
        return await ctx.state.counts.get() or {}


class Notifier(NotifierServiceBase):
    async def notify(self, ctx: NotifierContext, request: str) -> None:
        pass


class Agency(AgencyServiceBase):
    async def book(self, ctx: AgencyContext, request: TripData) -> str:
        trips = BookTripSagaContextClient(ctx)
        handle = await trips.start(request.trip_id, request)
        final = await handle.result()
        seen = await trips.state(request.trip_id)
        assert seen is not None and seen.status == final.status
        return f"{final.status.value} {final.data.flight_ref}"

    async def cancel(self, ctx: AgencyContext, request: str) -> bool:
        return await BookTripSagaContextClient(ctx).cancel(request, "the agency cancelled")


def _entry(data: TripData, item: str) -> Entry:
    return Entry(
        trip_id=data.trip_id,
        item=item,
        decline=data.decline and item == "charge",
        fraud=data.fraud and item == "charge",
        undo_failures=data.undo_failures,
        delay_ms=data.delay_ms,
    )


class BookTrip(BookTripSagaBase):
    async def flight_request(self, ctx: SagaContext, data: TripData) -> Entry:
        return _entry(data, "flight")

    async def flight_compensation(self, ctx: SagaContext, data: TripData) -> Entry:
        return _entry(data, "flight")

    async def record_flight(self, ctx: SagaContext, data: TripData, reply: Booking) -> None:
        data.flight_ref = reply.ref

    async def hotel_request(self, ctx: SagaContext, data: TripData) -> Entry:
        return _entry(data, "hotel")

    async def hotel_compensation(self, ctx: SagaContext, data: TripData) -> Entry:
        return _entry(data, "hotel")

    async def record_hotel(self, ctx: SagaContext, data: TripData, reply: Booking) -> None:
        if data.reject_hotel:
            raise SagaRejected(f"hotel {reply.ref} is too far from the airport")
        data.hotel_ref = reply.ref

    async def charge_request(self, ctx: SagaContext, data: TripData) -> Entry:
        return _entry(data, "charge")

    async def charge_compensation(self, ctx: SagaContext, data: TripData) -> Entry:
        return _entry(data, "charge")

    async def confirm(self, ctx: SagaContext, data: TripData) -> None:
        if not data.confirm:
            await ctx.sleep(timedelta(milliseconds=10))
            return
        awakeable_id, confirmation = ctx.awakeable(str)
        data.confirmation_id = awakeable_id
        ctx.save()
        data.confirmed_by = await confirmation

    async def notify_request(self, ctx: SagaContext, data: TripData) -> str:
        return f"trip {data.trip_id} booked"


app = create_app(ledger=Ledger(), notifier=Notifier(), agency=Agency(), book_trip=BookTrip())
