"""Registering an endpoint's subscriptions with the event registry of a cluster.

The subscriptions come from the handlers' specs (`HandlerSpec.events`); registering replaces
those of the endpoint's components, so registering again is harmless. It goes through the
ingress, and retries while the registry is not deployed yet.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

import httpx

from restagen.runtime.events import SubscribeRequest, Subscription
from restagen.runtime.ingress import Ingress, IngressError
from restagen.runtime.registry import SUBSCRIBE
from restagen.runtime.specs import ComponentSpec

__all__ = ["register_subscriptions", "subscriptions_of"]


def subscriptions_of(specs: Iterable[ComponentSpec]) -> SubscribeRequest:
    """What the components of `specs` subscribe to."""
    components = []
    subscriptions: list[Subscription] = []
    for spec in specs:
        components.append(spec.name)
        for handler in spec.handlers:
            subscriptions.extend(
                Subscription(
                    type=event.name,
                    version=event.version,
                    component=spec.name,
                    handler=handler.name,
                    kind=spec.kind,
                )
                for event in handler.events
            )
    return SubscribeRequest(components=tuple(components), subscriptions=tuple(subscriptions))


async def register_subscriptions(
    ingress_url: str, cluster: str, request: SubscribeRequest, *, timeout: float = 30.0
) -> None:
    """Replace the subscriptions of `request.components` in `cluster`'s registry by `request`'s."""
    deadline = time.monotonic() + timeout
    async with Ingress(ingress_url) as ingress:
        while True:
            try:
                await ingress.call(SUBSCRIBE, request, key=cluster)
                return
            except IngressError as error:
                # 404: the registry is not registered yet (it may be in this very deployment)
                if error.status_code != 404 or time.monotonic() > deadline:
                    raise
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
            await asyncio.sleep(0.2)
