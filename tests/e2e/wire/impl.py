"""Implementations of the wire tests' services, served as `impl:app`: each handler echoes."""

from __future__ import annotations

from wire_closed.app import bind_components as bind_closed
from wire_closed.contexts import MeterContext
from wire_closed.handlers import MeterServiceBase
from wire_closed.models import Reading
from wire_open.app import bind_components as bind_open
from wire_open.contexts import GaugeContext
from wire_open.handlers import GaugeServiceBase
from wire_open.models import Reading as OpenReading

from restagen.runtime import Endpoint


class Meter(MeterServiceBase):
    async def record(self, ctx: MeterContext, request: Reading) -> Reading:
        return request

    async def bump(self, ctx: MeterContext, request: int) -> int:
        return request + 1

    async def record_bson(self, ctx: MeterContext, request: Reading) -> Reading:
        return request


class Gauge(GaugeServiceBase):
    async def record(self, ctx: GaugeContext, request: OpenReading) -> OpenReading:
        return request


app = bind_open(bind_closed(Endpoint(), meter=Meter()), gauge=Gauge()).app()
