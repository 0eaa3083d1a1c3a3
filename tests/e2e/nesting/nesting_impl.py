"""The nested trip saga's implementations and participants, served as `nesting_impl:app`.

The cars service counts, per rental id, each reservation and each release in a module-level
dict: the tests serve it from their own process and read it there.
"""

from __future__ import annotations

from nesting.app import create_app
from nesting.contexts import BankContext, CarsContext
from nesting.handlers import BankServiceBase, CarsServiceBase
from nesting.models import Car, Rental, Trip
from nesting.sagas import RentCarSagaBase, TripSagaBase
from restate.exceptions import TerminalError

from restagen.runtime.sagas import SagaContext

COUNTS: dict[str, int] = {}


class Cars(CarsServiceBase):
    async def reserve(self, ctx: CarsContext, request: Rental) -> Car:
        if request.no_cars:
            raise TerminalError("no cars left", status_code=409)
        key = f"reserve:{request.rental_id}"
        COUNTS[key] = COUNTS.get(key, 0) + 1
        return Car(plate=f"B-{len(COUNTS)}")

    async def release(self, ctx: CarsContext, request: Rental) -> None:
        key = f"release:{request.rental_id}"
        COUNTS[key] = COUNTS.get(key, 0) + 1

    async def count(self, ctx: CarsContext, request: str) -> int:
        return COUNTS.get(request, 0)


class Bank(BankServiceBase):
    async def pay(self, ctx: BankContext, request: Trip) -> None:
        if request.decline:
            raise TerminalError("declined", status_code=402)


class RentCarSaga(RentCarSagaBase):
    async def reserve_request(self, ctx: SagaContext, data: Rental) -> Rental:
        return data

    async def reserve_compensation(self, ctx: SagaContext, data: Rental) -> Rental:
        return data

    async def record_car(self, ctx: SagaContext, data: Rental, reply: Car) -> None:
        data.plate = reply.plate


class TripSaga(TripSagaBase):
    async def car_request(self, ctx: SagaContext, data: Trip) -> Rental:
        return Rental(rental_id=f"{data.trip_id}/car", no_cars=data.no_cars)

    async def record_rental(self, ctx: SagaContext, data: Trip, reply: Rental) -> None:
        data.plate = reply.plate

    async def pay_request(self, ctx: SagaContext, data: Trip) -> Trip:
        return data


app = create_app(cars=Cars(), bank=Bank(), trip=TripSaga(), rent_car=RentCarSaga())
