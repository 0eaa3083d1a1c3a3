"""Events: typed event specs, publishers and subscribers, the registry that delivers them, and
the durable log of each stream.

Generated `events` modules declare an `EventSpec` per event type and typed publishers over an
`EventPublisher`; subscriber handlers are bound like any other. `pull` reads a stream's log from
an offset. The modules behind these names are private.
"""

from typing import TYPE_CHECKING

from restagen.runtime._exports import lazy_exports

if TYPE_CHECKING:
    from restagen.runtime.events._delivery import subscriptions_version
    from restagen.runtime.events._listen import subscribe_events
    from restagen.runtime.events._log import READ, EventLog, log_key
    from restagen.runtime.events._publish import ContextPublisher, EventPublisher, IngressPublisher
    from restagen.runtime.events._pull import PulledEvent, pull, pull_events
    from restagen.runtime.events._registry import (
        DROP,
        REPORT,
        RETRY,
        SNAPSHOT,
        SUBSCRIPTIONS,
        UNDELIVERED,
        EventRegistry,
    )
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
        LogEntry,
        LogPage,
        PublishRequest,
        ReadRequest,
        SubscribeRequest,
        SubscriptionsSnapshot,
        Undelivered,
        UndeliveredReport,
        UndeliveredSelection,
    )
else:
    __getattr__, __dir__ = lazy_exports(__name__)

__all__ = [
    "DROP",
    "EVENT_HEADER",
    "EVENT_ID_HEADER",
    "EVENT_VERSION_HEADER",
    "READ",
    "REPORT",
    "RETRY",
    "SNAPSHOT",
    "SUBSCRIBES_METADATA",
    "SUBSCRIPTIONS",
    "UNDELIVERED",
    "ContextPublisher",
    "EventEnvelope",
    "EventLog",
    "EventPublisher",
    "EventRegistry",
    "EventSpec",
    "EventSubscription",
    "EventsClient",
    "IngressPublisher",
    "LogEntry",
    "LogPage",
    "PublishRequest",
    "PulledEvent",
    "ReadRequest",
    "SubscribeRequest",
    "SubscriptionError",
    "SubscriptionsSnapshot",
    "Undelivered",
    "UndeliveredReport",
    "UndeliveredSelection",
    "log_key",
    "pull",
    "pull_events",
    "register_subscriptions",
    "subscribe_events",
    "subscriptions_from_admin",
    "subscriptions_of",
    "subscriptions_version",
]
