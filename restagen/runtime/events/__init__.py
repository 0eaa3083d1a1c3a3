"""Events: typed event specs, publishers and subscribers, and the registry that delivers them.

Generated `events` modules declare an `EventSpec` per event type and typed publishers over an
`EventPublisher`; subscriber handlers are bound like any other. The modules behind these names
are private.
"""

from typing import TYPE_CHECKING

from restagen.runtime._exports import lazy_exports

if TYPE_CHECKING:
    from restagen.runtime.events._listen import subscribe_events
    from restagen.runtime.events._publish import ContextPublisher, EventPublisher, IngressPublisher
    from restagen.runtime.events._registry import SUBSCRIPTIONS, UNDELIVERED, EventRegistry
    from restagen.runtime.events._spec import (
        EVENT_HEADER,
        EVENT_ID_HEADER,
        EVENT_VERSION_HEADER,
        SUBSCRIBES_METADATA,
        EventsClient,
        EventSpec,
    )
    from restagen.runtime.events._subscriptions import (
        SubscriptionError,
        register_subscriptions,
        subscriptions_from_admin,
        subscriptions_of,
    )
    from restagen.runtime.events._wire import (
        EventEnvelope,
        EventSubscription,
        PublishRequest,
        SubscribeRequest,
        Undelivered,
    )
else:
    __getattr__, __dir__ = lazy_exports(__name__)

__all__ = [
    "EVENT_HEADER",
    "EVENT_ID_HEADER",
    "EVENT_VERSION_HEADER",
    "SUBSCRIBES_METADATA",
    "SUBSCRIPTIONS",
    "UNDELIVERED",
    "ContextPublisher",
    "EventEnvelope",
    "EventPublisher",
    "EventRegistry",
    "EventSpec",
    "EventSubscription",
    "EventsClient",
    "IngressPublisher",
    "PublishRequest",
    "SubscribeRequest",
    "SubscriptionError",
    "Undelivered",
    "register_subscriptions",
    "subscribe_events",
    "subscriptions_from_admin",
    "subscriptions_of",
]
