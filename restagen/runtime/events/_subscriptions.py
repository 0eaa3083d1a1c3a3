"""Registering an endpoint's subscriptions with the event registry of a cluster.

The subscriptions come from the handlers' specs (`HandlerSpec.events`); registering replaces
those of the endpoint's components, so registering again is harmless. It goes through the
ingress, and retries while the registry is not deployed yet.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from typing import Literal

import httpx

from restagen.runtime._core.ingress import Ingress, IngressError
from restagen.runtime._core.specs import ComponentSpec
from restagen.runtime.events._registry import REGISTRY, SUBSCRIBE
from restagen.runtime.events._spec import SUBSCRIBES_METADATA
from restagen.runtime.events._wire import EventSubscription, SubscribeRequest

__all__ = ["SubscriptionError", "register_subscriptions", "subscriptions_from_admin", "subscriptions_of"]

_KINDS: dict[str, Literal["service", "object", "workflow"]] = {
    "Service": "service",
    "VirtualObject": "object",
    "Workflow": "workflow",
}


class SubscriptionError(Exception):
    """The subscriptions could not be registered."""


def subscriptions_of(specs: Iterable[ComponentSpec]) -> SubscribeRequest:
    """What the components of `specs` subscribe to."""
    components = []
    subscriptions: list[EventSubscription] = []
    for spec in specs:
        components.append(spec.name)
        for handler in spec.handlers:
            subscriptions.extend(
                EventSubscription(
                    type=event.name,
                    version=event.version,
                    component=spec.name,
                    handler=handler.name,
                    kind=spec.kind,
                )
                for event in handler.events
            )
    return SubscribeRequest(components=tuple(components), subscriptions=tuple(subscriptions))


async def subscriptions_from_admin(admin_url: str, services: Iterable[str]) -> SubscribeRequest:
    """What `services` subscribe to, as their deployment told the admin API (handler metadata).

    This is how `restagen register --ingress` registers subscriptions without importing the app.
    """
    components = []
    subscriptions: list[EventSubscription] = []
    async with httpx.AsyncClient(base_url=admin_url.rstrip("/"), timeout=30.0) as client:
        for name in services:
            response = await client.get(f"/services/{name}")
            response.raise_for_status()
            service = response.json()
            components.append(name)
            kind = _KINDS[service["ty"]]
            for handler in service.get("handlers", []):
                declared = (handler.get("metadata") or {}).get(SUBSCRIBES_METADATA, "")
                for token in declared.split():
                    event, _, version = token.rpartition("@")
                    subscriptions.append(
                        EventSubscription(
                            type=event, version=version, component=name, handler=handler["name"], kind=kind
                        )
                    )
    return SubscribeRequest(components=tuple(components), subscriptions=tuple(subscriptions))


async def register_subscriptions(
    ingress_url: str | Sequence[str], cluster: str, request: SubscribeRequest, *, timeout: float = 30.0
) -> None:
    """Replace the subscriptions of `request.components` in `cluster`'s registry by `request`'s.

    Without a registry deployed, there is nothing to replace when `request` subscribes to
    nothing; otherwise it waits for one (it may be in the deployment just registered), then
    raises `SubscriptionError`.
    """
    deadline = time.monotonic() + timeout
    async with Ingress(ingress_url) as ingress:
        while True:
            try:
                await ingress.call(SUBSCRIBE, request, key=cluster)
                return
            except IngressError as error:
                if error.status_code != 404:
                    raise
                if not request.subscriptions:
                    return
                if time.monotonic() > deadline:
                    raise SubscriptionError(
                        f"no endpoint serves the event registry ({REGISTRY}) at {ingress_url}: "
                        "give one endpoint a 'pubsub' section of configuration, and register it"
                    ) from None
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
            await asyncio.sleep(0.2)
